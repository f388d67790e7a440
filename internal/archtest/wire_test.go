package archtest

import (
	"strings"
	"testing"
)

// wireAllowed are the host-side packages that may import the generated
// protocol code (proto/gen) and proto/logical, whose API is in generated
// types (STYLE §21: wire types stay at the wire).
var wireAllowed = map[string]string{
	root + "/host/connector":                        "the gRPC client: builds requests, reads responses",
	root + "/host/connector/v1convert":              "the one converter between catalog types and dpone.connector.v1",
	root + "/host/connector/internal/testplugin":    "a plugin that serves the protocol, for the client's own tests",
	root + "/host/connector/internal/v10/v10plugin": "a plugin built against the frozen protocol v1.0, for the N-1 test",
}

// wireTestsAllowed are host-side packages whose tests (not their code) may
// import the generated protocol code.
var wireTestsAllowed = map[string]string{
	root + "/host/state": "writes load records as dpone before state schema 2 did (v1 protobuf with secrets), for the scrub migration",
}

func wireImport(imp string) bool {
	return strings.HasPrefix(imp, root+"/proto/gen/") || imp == root+"/proto/logical" ||
		imp == root+"/host/connector/internal/v10/connectorv10"
}

func TestWireTypesStayAtTheWire(t *testing.T) {
	pkgs := listPackages(t)
	importers := map[string]bool{}
	for _, p := range pkgs {
		host := strings.HasPrefix(p.ImportPath, root+"/host/") || strings.HasPrefix(p.ImportPath, root+"/internal/") ||
			strings.HasPrefix(p.ImportPath, root+"/cmd/")
		if !host {
			continue
		}
		for _, imp := range p.Imports {
			if !wireImport(imp) {
				continue
			}
			importers[p.ImportPath] = true
			if _, ok := wireAllowed[p.ImportPath]; ok {
				continue
			}
			t.Errorf("%s imports %s: the host speaks catalog types; convert at the client through host/connector/v1convert", p.ImportPath, imp)
		}
	}
	for p := range wireAllowed {
		if !importers[p] {
			t.Errorf("%s no longer imports generated protocol code: remove it from wireAllowed", p)
		}
	}
	// Tests speak the host's types too (they show how the code is used);
	// only a package's own tests of the protocol may build wire messages.
	testImporters := map[string]bool{}
	for _, p := range pkgs {
		if !strings.HasPrefix(p.ImportPath, root+"/host/") && !strings.HasPrefix(p.ImportPath, root+"/internal/") &&
			!strings.HasPrefix(p.ImportPath, root+"/cmd/") {
			continue
		}
		_, allowed := wireAllowed[p.ImportPath]
		_, testAllowed := wireTestsAllowed[p.ImportPath]
		for _, imp := range append(p.TestImports, p.XTestImports...) {
			if !wireImport(imp) || allowed {
				continue
			}
			testImporters[p.ImportPath] = true
			if !testAllowed {
				t.Errorf("tests of %s import %s: build catalog types and convert through v1convert", p.ImportPath, imp)
			}
		}
	}
	for p := range wireTestsAllowed {
		if !testImporters[p] {
			t.Errorf("tests of %s no longer import generated protocol code: remove it from wireTestsAllowed", p)
		}
	}
}
