package sdk

import (
	"strings"
	"testing"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

// TestFenceFromTheWire: the fence fields of a BeginLoad request reach the
// destination's LoadRequest, and Spec.Fencing is advertised.
func TestFenceFromTheWire(t *testing.T) {
	lr, err := loadRequest(nil, "", &connectorv1.BeginLoadRequest{LoadId: "l1", Target: &connectorv1.TableRef{Name: "t"},
		FenceGeneration: 42, ManifestId: "m", UnitId: "s.t", SharedTarget: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := Fence{Manifest: "m", Unit: "s.t", Generation: 42, SharedTarget: true}
	if lr.Fence != want || !lr.Fence.Set() {
		t.Errorf("fence: got %+v, want %+v", lr.Fence, want)
	}
	if (Fence{}).Set() {
		t.Errorf("a zero fence: Set() is true, want false")
	}
	err = want.StaleError("l1", 50)
	if CodeOf(err) != CodeConfig || !strings.Contains(err.Error(), "generation 42 is older than the target's fence 50") {
		t.Errorf("StaleError: got %v", err)
	}
	err = want.SharedTargetError("s.t", "other", "u")
	if CodeOf(err) != CodeConfig || !strings.Contains(err.Error(), "shared_target: true on unit s.t") {
		t.Errorf("SharedTargetError: got %v", err)
	}
	if !capabilities(fencingDest{}, Spec{Fencing: true}).GetFencing() {
		t.Errorf("capabilities: fencing not advertised")
	}
}

type fencingDest struct{}

func (fencingDest) Spec() Spec { return Spec{Fencing: true} }
