package objstage

import (
	"net/url"
	"strings"
)

// HTTPURL is the http(s) URL of file name of loadID, for a loader that
// fetches objects itself over the S3 or GCS XML API (ClickHouse's s3()
// table function, DuckDB's httpfs): path-style under the area's endpoint
// when it has one, else the cloud's public endpoint. A local area has
// none ("").
func (a *Area) HTTPURL(loadID, name string) string {
	key := a.loadPrefix(loadID) + name
	esc := (&url.URL{Path: key}).EscapedPath()
	switch a.cfg.Type {
	case TypeS3:
		if a.cfg.Endpoint != "" {
			return strings.TrimSuffix(a.cfg.Endpoint, "/") + "/" + a.cfg.Bucket + "/" + esc
		}
		if a.cfg.Region != "" {
			return "https://" + a.cfg.Bucket + ".s3." + a.cfg.Region + ".amazonaws.com/" + esc
		}
		return "https://" + a.cfg.Bucket + ".s3.amazonaws.com/" + esc
	case TypeGCS:
		if a.cfg.Endpoint != "" {
			return strings.TrimSuffix(a.cfg.Endpoint, "/") + "/" + a.cfg.Bucket + "/" + esc
		}
		return "https://storage.googleapis.com/" + a.cfg.Bucket + "/" + esc
	}
	return ""
}
