module github.com/dpone-go/dpone/plugins/file

go 1.26.8

require (
	github.com/dpone-go/dpone/proto v0.0.0
	github.com/dpone-go/dpone/sdk v0.0.0
)

require (
	github.com/apache/arrow-go/v18 v18.8.0 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
)

replace github.com/dpone-go/dpone/proto => ../../proto

replace github.com/dpone-go/dpone/sdk => ../../sdk
