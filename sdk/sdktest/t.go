package sdktest

import "testing"

// T is the part of *testing.T the suite uses. Use Std to adapt a
// *testing.T; Runner implements it outside `go test`.
//
// Fatalf and Skipf end the calling goroutine (runtime.Goexit), like their
// testing counterparts; Run runs f in a new goroutine and waits for it.
type T interface {
	Helper()
	Name() string
	Run(name string, f func(t T)) bool
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Logf(format string, args ...any)
	Failed() bool
}

// Std adapts a *testing.T to T.
func Std(t *testing.T) T { return stdT{t} }

type stdT struct{ *testing.T }

func (s stdT) Run(name string, f func(t T)) bool {
	return s.T.Run(name, func(t *testing.T) { f(stdT{t}) })
}
