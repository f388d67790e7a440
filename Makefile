# dpone: thin targets; anything longer lives in scripts/.
.PHONY: build test demo proto proto-check lint bench vuln clean

# go.mod asks for go1.27.3; the go command fetches it through the module proxy.
export GOTOOLCHAIN = go1.27.3

build:
	@scripts/build.sh

test:
	@scripts/test.sh

demo: build
	@scripts/demo.sh

proto:
	@scripts/proto.sh

proto-check:
	@scripts/proto-check.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v /gen/))" || (gofmt -l $$(git ls-files '*.go' | grep -v /gen/); exit 1)
	@for m in $$(go list -m -f '{{.Dir}}'); do (cd $$m && go vet ./...) || exit 1; done

bench: build
	@scripts/bench.sh

vuln:
	@scripts/vuln.sh

clean:
	rm -rf bin .dpone
