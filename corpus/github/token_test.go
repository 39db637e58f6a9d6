package auth

import "testing"

func TestClassify(t *testing.T) {
	cases := []struct {
		in   string
		want Kind
	}{
		{"ghp_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Classic},
		{"github_pat_" + "EXAMPLE", FineGrained},
		{"ghs_0000000000000000000000000000000000", Installation},
		{"not-a-token", Unknown},
		{"", Unknown},
	}
	for _, c := range cases {
		if got := Classify(c.in); got != c.want {
			t.Errorf("Classify(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestRedact(t *testing.T) {
	got := Redact("token ghp_abc123")
	if got != "token ghp_****" {
		t.Fatalf("unexpected redaction: %s", got)
	}
}
