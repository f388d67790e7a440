package bigquery

import (
	"context"
	"encoding/json"
)

// Check verifies the config: the dataset exists and is readable with the
// credentials, and the staging bucket, when set, exists.
func (c *Connector) Check(ctx context.Context, config json.RawMessage) error {
	cfg, err := parseConfig(config)
	if err != nil {
		return err
	}
	cl, err := connect(ctx, cfg)
	if err != nil {
		return err
	}
	defer cl.Close()
	if _, err := cl.bq.Datasets.Get(cfg.Project, cfg.Dataset).Context(ctx).Do(); err != nil {
		return classify("check dataset "+cfg.Project+"."+cfg.Dataset, err)
	}
	if cfg.Bucket == "" { // a source, or a sink with write_api storage_write
		return nil
	}
	return checkBucket(ctx, cl, cfg)
}

// checkBucket verifies the staging bucket exists.
func checkBucket(ctx context.Context, cl *clients, cfg Config) error {
	if _, err := cl.gcs.Bucket(cfg.Bucket).Attrs(ctx); err != nil {
		return classify("check staging bucket gs://"+cfg.Bucket+" (create it, or set bucket)", err)
	}
	return nil
}
