package sign

import (
	"encoding/hex"
	"testing"
)

// Test vectors from RFC 4231 (HMAC-SHA-256).
var rfc4231 = []struct {
	key, data, want string
}{
	{
		key:  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
		data: "4869205468657265", // "Hi There"
		want: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	},
	{
		key:  "4a656665", // "Jefe"
		data: "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
		want: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	},
	{
		key:  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		data: "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd",
		want: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	},
}

func TestHMACSHA256(t *testing.T) {
	for i, tc := range rfc4231 {
		key, _ := hex.DecodeString(tc.key)
		data, _ := hex.DecodeString(tc.data)
		if got := hex.EncodeToString(Sum(key, data)); got != tc.want {
			t.Errorf("case %d: got %s, want %s", i+1, got, tc.want)
		}
	}
}
