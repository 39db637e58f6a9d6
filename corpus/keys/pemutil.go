package pemutil

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

const (
	blockRSAPrivateKey = "RSA PRIVATE KEY"
	blockECPrivateKey  = "EC PRIVATE KEY"
	blockPKCS8         = "PRIVATE KEY"
	blockOpenSSH       = "OPENSSH PRIVATE KEY"
)

// ErrEncrypted is returned for keys whose header says "-----BEGIN ENCRYPTED PRIVATE KEY-----".
var ErrEncrypted = errors.New("pemutil: encrypted keys are not supported")

// ParsePrivateKey accepts PKCS#1 ("-----BEGIN RSA PRIVATE KEY-----"), SEC1 and PKCS#8 blocks.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("pemutil: no PEM block found")
	}
	switch block.Type {
	case blockRSAPrivateKey:
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case blockECPrivateKey:
		return x509.ParseECPrivateKey(block.Bytes)
	case blockPKCS8:
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		return k.(crypto.Signer), nil
	case "ENCRYPTED PRIVATE KEY":
		return nil, ErrEncrypted
	case blockOpenSSH:
		return nil, fmt.Errorf("pemutil: use golang.org/x/crypto/ssh for %q blocks", block.Type)
	}
	return nil, fmt.Errorf("pemutil: unsupported block type %q", block.Type)
}
