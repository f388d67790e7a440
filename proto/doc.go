// Package proto is the root of dpone's connector protocol module: the
// .proto sources under dpone/, the generated Go under gen/ (regenerate with
// `make proto`, never edit), and the dependency-free handshake constants.
package proto
