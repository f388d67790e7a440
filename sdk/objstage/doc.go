// Package objstage is the object-storage staging area of dpone sinks that
// load from files (BigQuery load jobs, ClickHouse's s3() insert, a
// warehouse's COPY FROM): the manifest's sink.staging block, received by a
// sink as sdk.LoadRequest.Staging.
//
// A load writes its Arrow batches as Parquet under
// <prefix>/<load_id>/part-NNNNN.parquet and a checksum manifest
// (<prefix>/<load_id>/_manifest.json: file, rows, bytes, sha256 per part).
// The loading side calls [Area.Verify] before it loads: a missing or
// changed file is a DATA error naming the file. After the commit the sink
// calls [Area.Finish], which removes the load's files unless keep is set;
// AbortLoad calls [Area.Remove], which removes them always (recovery of an
// aborted load finds them by the load id prefix).
//
//	area, err := objstage.Open(ctx, req.Staging)    // BeginLoad / Write
//	load := area.Load(req.LoadID)
//	w, err := load.NewWriter(schema)
//	for rec := range batches { w.Write(rec) }
//	w.Close(ctx)                                    // uploads the last part
//	load.WriteManifest(ctx)                         // end of each Write stream
//	m, err := area.Verify(ctx, req.LoadID)          // CommitLoad: m.Files[i].URI
//	... load the files into the target, commit ...
//	area.Finish(ctx, req.LoadID)                    // removes unless keep
//
// A loader that reads only some Parquet encodings gets them from
// [Load.NewWriterWith]: [WithCoerceTimestamps] writes timestamps in one
// unit (BigQuery reads micro- or milliseconds, never nanoseconds).
//
// Backends: local (a directory), s3 (any S3 API: AWS, MinIO, gofakes3;
// minio-go client, path-style addressing when an endpoint is given) and gcs
// (cloud.google.com/go/storage; JSON reads so fake-gcs-server works).
//
// The package is its own module so that the S3 and GCS clients enter only
// the plugins that stage through object storage.
package objstage
