package sdktest

import (
	"encoding/xml"
	"testing"
)

func TestJUnit(t *testing.T) {
	r := newReport()
	r.Plugin = PluginInfo{Name: "acme", Version: "1.2.0", ProtocolVersion: 1, SHA256: "ab12", Mode: "out-of-process"}
	r.add(Check{Name: "spec", Status: Pass, Duration: "12ms", Notes: []string{"ok"}})
	r.add(Check{Name: "crash", Status: Fail, Duration: "1.5s", Errors: []string{"target changed", "<second> & more"}})
	r.add(Check{Name: "partitions", Status: Skip, Reason: "no Partitioner", Duration: "0s"})
	r.add(Check{Name: "load_status", Status: NotApplicable, Reason: "the connector does not implement LoadStatuser", Duration: "0s"})
	b, err := r.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b, &got); err != nil {
		t.Fatalf("JUnit output does not parse: %v\n%s", err, b)
	}
	if len(got.Suites) != 1 {
		t.Fatalf("got %d suites, want 1", len(got.Suites))
	}
	s := got.Suites[0]
	if s.Name != "certify.acme" || s.Tests != 4 || s.Failures != 1 || s.Skipped != 2 || len(s.Cases) != 4 {
		t.Errorf("suite: got %s tests=%d failures=%d skipped=%d cases=%d, want certify.acme 4 1 2 4", s.Name, s.Tests, s.Failures, s.Skipped, len(s.Cases))
	}
	crash := s.Cases[1]
	if crash.Failure == nil || crash.Failure.Message != "target changed" || crash.Failure.Text != "target changed\n<second> & more" || crash.Time != "1.500" {
		t.Errorf("failed case: got %+v", crash)
	}
	if sk := s.Cases[2].Skipped; sk == nil || sk.Message != "no Partitioner" {
		t.Errorf("skipped case: got %+v", s.Cases[2])
	}
	if na := s.Cases[3].Skipped; na == nil || na.Message != "n/a: the connector does not implement LoadStatuser" || s.Cases[3].Failure != nil {
		t.Errorf("n/a case: got %+v, want skipped with message n/a: <reason>", s.Cases[3])
	}
	if s.Cases[0].Failure != nil || s.Cases[0].Skipped != nil || s.Cases[0].SystemOut != "ok" {
		t.Errorf("passed case: got %+v", s.Cases[0])
	}
}
