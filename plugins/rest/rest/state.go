package rest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"

	"github.com/dpone-go/dpone/sdk"
)

// stateVersion is the version of the checkpoints the rest source writes.
const stateVersion = 1

// state is a rest stream's checkpoint.
type state struct {
	V        int    `json:"v"`
	Strategy string `json:"strategy,omitempty"`
	// Cursor is the largest incremental_column value committed (a
	// resource without parent).
	Cursor *string `json:"cursor,omitempty"`
	// Seen are the fingerprints of the records read at Cursor.
	Seen []string `json:"seen,omitempty"`
	// Parents are a child resource's cursors, one per parent record (by
	// the parent's primary key): never shared between parents.
	Parents map[string]parentState `json:"parents,omitempty"`
	// ParentCursor is the largest parent cursor read with
	// parent.incremental: the next read asks the parent for the records
	// changed since (minus lookback) and reads only their children.
	ParentCursor *string `json:"parent_cursor,omitempty"`
	// OAuth is the rotated OAuth2 refresh token, sealed (AES-GCM under a
	// key derived from client_secret): state never holds it in clear.
	OAuth string `json:"oauth,omitempty"`
}

// parentState is one parent's cursor and tie group.
type parentState struct {
	Cursor string   `json:"cursor"`
	Seen   []string `json:"seen,omitempty"`
}

// parseState reads a prior checkpoint; nil or empty is a fresh state.
func parseState(raw []byte) (*state, error) {
	st := &state{V: stateVersion, Strategy: strategyColumn}
	if len(raw) == 0 {
		return st, nil
	}
	if err := json.Unmarshal(raw, st); err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "prior state is not a rest checkpoint (%w): reset the stream's state (dpone state reset)", err)
	}
	if st.V != stateVersion {
		return nil, sdk.Errorf(sdk.CodeConfig, "rest checkpoint version %d is not supported (want %d): reset the stream's state (dpone state reset)", st.V, stateVersion)
	}
	return st, nil
}

// sealKey derives the state encryption key from the client secret.
func sealKey(secret string) ([]byte, error) {
	if secret == "" {
		return nil, errors.New("no client_secret to seal it with")
	}
	k := sha256.Sum256([]byte("dpone rest oauth state\x00" + secret))
	return k[:], nil
}

// seal encrypts a refresh token for the state.
func seal(secret, token string) (string, error) {
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

// unseal decrypts a sealed refresh token; a token sealed under another
// client_secret does not open.
func unseal(secret, sealed string) (string, error) {
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
