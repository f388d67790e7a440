package plan

import "testing"

// TestOptionKeysDescribed: every key Validate accepts is described for
// `dpone connectors info`, and no description names a key it does not.
func TestOptionKeysDescribed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range OptionKeys() {
		seen[k.Section+"."+k.Key] = true
		if k.Want == "" {
			t.Errorf("%s.%s: no description in keyWants", k.Section, k.Key)
		}
	}
	for k := range keyWants {
		if !seen[k] {
			t.Errorf("keyWants describes %s, which Validate does not read", k)
		}
	}
}
