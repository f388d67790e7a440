# dpone: thin targets; anything longer lives in scripts/.
.PHONY: build test test-bigquery test-mssql test-vault demo proto proto-check lint bench vuln clean

# go.mod asks for go1.27.3; the go command fetches it through the module proxy.
export GOTOOLCHAIN = go1.27.3

build:
	@scripts/build.sh

test:
	@scripts/test.sh

# Opt-in: builds the BigQuery emulator once (30-40 min), never part of test.
test-bigquery:
	@scripts/test-bigquery.sh

test-mssql:
	@scripts/test-mssql.sh

test-vault:
	@scripts/test-vault.sh

demo: build
	@scripts/demo.sh

proto:
	@scripts/proto.sh

proto-check:
	@scripts/proto-check.sh

lint:
	@scripts/lint.sh

bench: build
	@scripts/bench.sh

vuln:
	@scripts/vuln.sh

clean:
	rm -rf bin .dpone
