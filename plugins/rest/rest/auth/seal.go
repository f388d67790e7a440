package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// sealKey derives the state encryption key from the client secret.
func sealKey(secret string) ([]byte, error) {
	if secret == "" {
		return nil, errors.New("no client_secret to seal it with")
	}
	k := sha256.Sum256([]byte("dpone rest oauth state\x00" + secret))
	return k[:], nil
}

// Seal encrypts a refresh token for the state, under a key derived from
// secret (the OAuth2 client_secret).
func Seal(secret, token string) (string, error) {
	key, err := sealKey(secret)
	if err != nil {
		return "", err
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(gcm.Seal(nonce, nonce, []byte(token), nil)), nil
}

// Unseal decrypts a sealed refresh token; a token sealed under another
// client_secret does not open.
func Unseal(secret, sealed string) (string, error) {
	key, err := sealKey(secret)
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return "", err
	}
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	if len(b) < gcm.NonceSize() {
		return "", errors.New("sealed token too short")
	}
	out, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], nil)
	if err != nil {
		return "", errors.New("sealed token does not open with this client_secret")
	}
	return string(out), nil
}
