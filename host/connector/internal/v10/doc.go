// Package v10 holds a frozen copy of connector protocol v1.0 (proto/, and
// its generated code in connectorv10, written by `make proto`) and a
// plugin built against it (v10plugin): the release before typed load
// options and fencing. Tests build the plugin as a child process and run
// the host against it, to prove the host still serves the previous
// release (DESIGN §2: the host supports N and N-1).
package v10
