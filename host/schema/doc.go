// Package schema decides how a target's schema may follow its source and
// checks data contracts on Arrow batches. It is pure: no I/O, no global
// state. The run engine calls it; connectors never see it.
//
// Doc for the rules lands with the contract code.
package schema
