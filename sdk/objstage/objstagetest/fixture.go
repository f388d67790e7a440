// Package objstagetest gives certification fixtures for object-storage
// staging areas.
package objstagetest

import (
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/dpone-go/dpone/sdk/objstage"
	"github.com/dpone-go/dpone/sdk/sdktest"
)

// Fixture is the certification suite's StagingFixture for the area st
// (s3 or gcs): its sink.staging fields, and Files and Corrupt through the
// area itself (list <prefix>/<load id>/, flip a byte in the middle of a
// file).
func Fixture(st *objstage.Config) *sdktest.StagingFixture {
	return &sdktest.StagingFixture{Type: st.Type, Bucket: st.Bucket, Prefix: st.Prefix, Endpoint: st.Endpoint,
		Region: st.Region, Credentials: st.Credentials,
		Files: func(ctx context.Context, loadID string) ([]string, error) {
			a, err := objstage.Open(ctx, st)
			if err != nil {
				return nil, err
			}
			keys, err := a.Bucket().List(ctx, st.Prefix+"/"+loadID+"/")
			for i, k := range keys {
				keys[i] = k[strings.LastIndex(k, "/")+1:]
			}
			return keys, err
		},
		Corrupt: func(ctx context.Context, loadID, name string) error {
			a, err := objstage.Open(ctx, st)
			if err != nil {
				return err
			}
			r, err := a.OpenFile(ctx, loadID, name)
			if err != nil {
				return err
			}
			data, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				return err
			}
			data[len(data)/2] ^= 0xff
			return a.Bucket().Put(ctx, st.Prefix+"/"+loadID+"/"+name, bytes.NewReader(data), int64(len(data)))
		},
	}
}
