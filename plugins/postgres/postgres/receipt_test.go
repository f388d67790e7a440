package postgres

import (
	"encoding/json"
	"testing"
)

func TestReceiptRows(t *testing.T) {
	tests := []struct {
		receipt string
		rows    int64
		ok      bool
	}{
		{`{"run_id":"r-1","rows":5000000,"checkpoint_sha256":""}`, 5000000, true},
		{`{"rows":0}`, 0, true},
		{`{}`, 0, false},
		{``, 0, false},
		{`{"quarantine":true}`, 0, false},
		{`{"rows":-1}`, 0, false},
		{`{"rows":"7"}`, 0, false},
		{`not json`, 0, false},
	}
	for _, tt := range tests {
		rows, ok := receiptRows(json.RawMessage(tt.receipt))
		if rows != tt.rows || ok != tt.ok {
			t.Errorf("receiptRows(%s): got %d, %v, want %d, %v", tt.receipt, rows, ok, tt.rows, tt.ok)
		}
	}
}
