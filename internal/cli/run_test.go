package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dpone-go/dpone/host/connector"
	"github.com/dpone-go/dpone/host/evidence"
	"github.com/dpone-go/dpone/host/plan"
)

func TestOnlyConfigErrors(t *testing.T) {
	unit := func(status, code string) evidence.UnitReport {
		u := evidence.UnitReport{Status: status}
		if code != "" {
			u.Error = &evidence.ErrorInfo{Code: code}
		}
		return u
	}
	tests := []struct {
		name  string
		units []evidence.UnitReport
		want  bool
	}{
		{"all ok", []evidence.UnitReport{unit("ok", "")}, false},
		{"config", []evidence.UnitReport{unit("ok", ""), unit("failed", "CONFIG"), unit("skipped", "SKIPPED")}, true},
		{"unsupported", []evidence.UnitReport{unit("failed", "UNSUPPORTED")}, true},
		{"config and data", []evidence.UnitReport{unit("failed", "CONFIG"), unit("failed", "DATA")}, false},
		{"schema refusal is not config", []evidence.UnitReport{unit("failed", "SCHEMA")}, false},
		{"cancelled", []evidence.UnitReport{unit("cancelled", "")}, false},
	}
	for _, tt := range tests {
		if got := onlyConfigErrors(&evidence.Report{Units: tt.units}); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestConfigError(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("unit a: %w", plan.ErrConfig), true},
		{fmt.Errorf("x: %w", plan.ErrUnsupported), true},
		{fmt.Errorf("start: %w", connector.ErrPluginNotFound), true},
		{fmt.Errorf("x: %w", plan.ErrSchemaChange), false},
		{errors.New("connection refused"), false},
	} {
		if got := configError(tt.err); got != tt.want {
			t.Errorf("configError(%v): got %v, want %v", tt.err, got, tt.want)
		}
	}
}
