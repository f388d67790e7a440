// Package exportcheck validates what `dpone export` writes against the
// orchestrators' own definitions: Kubernetes objects by strict decoding
// into k8s.io/api types, Argo Workflows by Argo's JSON schema (shipped in
// the argo-workflows v4.0.5 module, kept here as test data rather than a
// dependency) plus a strict walk that refuses keys the schema does not
// define. A module of its own so that k8s.io/api never enters dpone.
package exportcheck
