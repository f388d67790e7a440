package sdktest

import (
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"time"
)

// junitSuites is the JUnit XML layout CI systems read (Jenkins, GitLab,
// GitHub test reporters): one testsuite, one testcase per check.
type junitSuites struct {
	XMLName xml.Name   `xml:"testsuites"`
	Suites  []junitRun `xml:"testsuite"`
}

type junitRun struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Props     []junitProp `xml:"properties>property,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// JUnit renders the report as JUnit XML: each check a testcase (classname
// certify.<plugin>) with its failure or skip reason, notes as system-out,
// and the plugin's identity as suite properties. JUnit has no "not
// applicable": an n/a check is a skipped testcase whose message starts
// "n/a: ", counted among the skipped (it fails nothing, as in the report).
func (r *Report) JUnit() ([]byte, error) {
	pass, fail, skip := r.Counts()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.Checks {
		if c.Status == NotApplicable {
			skip++
		}
	}
	name := "certify." + r.Plugin.Name
	run := junitRun{Name: name, Tests: pass + fail + skip, Failures: fail, Skipped: skip,
		Time: seconds(r.Duration), Timestamp: r.Started.Format(time.RFC3339)}
	for _, p := range []junitProp{{"plugin.version", r.Plugin.Version}, {"plugin.sha256", r.Plugin.SHA256},
		{"plugin.mode", r.Plugin.Mode}, {"protocol_version", fmt.Sprint(r.Plugin.ProtocolVersion)},
		{"sdk_version", r.Plugin.SDKVersion}, {"suite_version", r.Plugin.SuiteVersion}} {
		if p.Value != "" {
			run.Props = append(run.Props, p)
		}
	}
	for _, c := range r.Checks {
		tc := junitCase{Name: c.Name, ClassName: name, Time: seconds(c.Duration), SystemOut: strings.Join(c.Notes, "\n")}
		switch c.Status {
		case Fail:
			msg := "failed"
			if len(c.Errors) > 0 {
				msg = c.Errors[0]
			}
			tc.Failure = &junitMessage{Message: msg, Text: strings.Join(c.Errors, "\n")}
		case Skip:
			tc.Skipped = &junitMessage{Message: c.Reason}
		case NotApplicable:
			tc.Skipped = &junitMessage{Message: "n/a: " + c.Reason}
		}
		run.Cases = append(run.Cases, tc)
	}
	b, err := xml.MarshalIndent(junitSuites{Suites: []junitRun{run}}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// WriteJUnit writes JUnit XML (see JUnit) to path.
func (r *Report) WriteJUnit(path string) error {
	b, err := r.JUnit()
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// seconds renders a Go duration string as JUnit's decimal seconds.
func seconds(d string) string {
	v, err := time.ParseDuration(d)
	if err != nil {
		return "0"
	}
	return fmt.Sprintf("%.3f", v.Seconds())
}
