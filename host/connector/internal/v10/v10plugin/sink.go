package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	v1 "github.com/dpone-go/dpone/host/connector/internal/v10/connectorv10"
)

// legacyOptions is the v1.0 layout of BeginLoadRequest.options_json: the
// host puts the strategy and the lineage columns in it.
type legacyOptions struct {
	Strategy struct {
		Mode      string   `json:"mode"`
		UniqueKey []string `json:"unique_key"`
	} `json:"strategy"`
	Lineage struct {
		RunID          string `json:"run_id"`
		LoadedAt       string `json:"loaded_at"`
		RunIDColumn    string `json:"run_id_column"`
		LoadedAtColumn string `json:"loaded_at_column"`
	} `json:"lineage"`
}

func staged(dir, loadID string) string  { return filepath.Join(dir, "staged_"+loadID+".jsonl") }
func receipt(dir, loadID string) string { return filepath.Join(dir, "receipt_"+loadID+".json") }
func target(dir string, t *v1.TableRef) string {
	return filepath.Join(dir, t.GetNamespace()+"."+t.GetName()+".jsonl")
}

func dataErr(err error) *v1.Error {
	return &v1.Error{Code: v1.ErrorCode_ERROR_CODE_DATA, Message: err.Error()}
}

func (*server) BeginLoad(_ context.Context, req *v1.BeginLoadRequest) (*v1.BeginLoadResponse, error) {
	c, e := parseConfig(req.GetConfigJson())
	if e != nil {
		return &v1.BeginLoadResponse{Error: e}, nil
	}
	var o legacyOptions
	if err := json.Unmarshal(orEmpty(req.GetOptionsJson()), &o); err != nil || o.Strategy.Mode != req.GetMode() {
		return &v1.BeginLoadResponse{Error: &v1.Error{Code: v1.ErrorCode_ERROR_CODE_CONFIG,
			Message: fmt.Sprintf("options_json is not the v1.0 layout with the strategy: %s", req.GetOptionsJson())}}, nil
	}
	if err := record(c.Dir, "begin_"+req.GetLoadId()+".json", map[string]any{"mode": req.GetMode(), "unique_key": req.GetUniqueKey(),
		"options_json": json.RawMessage(orEmpty(req.GetOptionsJson())), "unknown_fields": unknownFields(req)}); err != nil {
		return nil, err
	}
	if err := os.WriteFile(staged(c.Dir, req.GetLoadId()), nil, 0o644); err != nil {
		return nil, err
	}
	return &v1.BeginLoadResponse{Staging: "staged_" + req.GetLoadId()}, nil
}

func (*server) Write(in v1.Connector_WriteServer) error {
	first, err := in.Recv()
	if err != nil {
		return err
	}
	h := first.GetHeader()
	c, e := parseConfig(h.GetConfigJson())
	if e != nil {
		return in.SendAndClose(&v1.WriteResponse{Error: e})
	}
	f, err := os.OpenFile(staged(c.Dir, h.GetLoadId()), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return in.SendAndClose(&v1.WriteResponse{Error: dataErr(fmt.Errorf("load %s was not begun: %w", h.GetLoadId(), err))})
	}
	defer f.Close()
	var rows, size int64
	for {
		m, err := in.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		n, err := stage(f, m.GetBatch().GetArrowIpc())
		if err != nil {
			return in.SendAndClose(&v1.WriteResponse{Error: dataErr(err)})
		}
		rows, size = rows+n, size+int64(len(m.GetBatch().GetArrowIpc()))
	}
	return in.SendAndClose(&v1.WriteResponse{Rows: rows, Bytes: size})
}

// stage appends a batch's rows to staging as JSON objects.
func stage(w io.Writer, b []byte) (int64, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	defer r.Release()
	var n int64
	for r.Next() {
		rec := r.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := map[string]any{}
			for j, col := range rec.Columns() {
				if !col.IsNull(i) {
					row[rec.ColumnName(j)] = col.(interface{ GetOneForMarshal(int) any }).GetOneForMarshal(i)
				}
			}
			line, err := json.Marshal(row)
			if err != nil {
				return n, err
			}
			if _, err := w.Write(append(line, '\n')); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, r.Err()
}

func (*server) CommitLoad(_ context.Context, req *v1.CommitLoadRequest) (*v1.CommitLoadResponse, error) {
	c, e := parseConfig(req.GetConfigJson())
	if e != nil {
		return &v1.CommitLoadResponse{Error: e}, nil
	}
	if _, err := os.Stat(receipt(c.Dir, req.GetLoadId())); err == nil {
		return &v1.CommitLoadResponse{}, nil // committed before: idempotent
	}
	begin := req.GetBegin()
	var o legacyOptions
	if err := json.Unmarshal(orEmpty(begin.GetOptionsJson()), &o); err != nil {
		return &v1.CommitLoadResponse{Error: &v1.Error{Code: v1.ErrorCode_ERROR_CODE_CONFIG, Message: err.Error()}}, nil
	}
	in, err := os.Open(staged(c.Dir, req.GetLoadId()))
	if err != nil {
		return &v1.CommitLoadResponse{Error: &v1.Error{Code: v1.ErrorCode_ERROR_CODE_NOT_FOUND, Message: err.Error()}}, nil
	}
	defer in.Close()
	var out bytes.Buffer
	if o.Strategy.Mode != "full_refresh" {
		old, err := os.ReadFile(target(c.Dir, begin.GetTarget()))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		out.Write(old)
	}
	var n int64
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		var row map[string]any
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, err
		}
		if col := o.Lineage.RunIDColumn; col != "" {
			row[col] = o.Lineage.RunID
		}
		if col := o.Lineage.LoadedAtColumn; col != "" {
			row[col] = o.Lineage.LoadedAt
		}
		line, _ := json.Marshal(row)
		out.Write(append(line, '\n'))
		n++
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(target(c.Dir, begin.GetTarget()), out.Bytes(), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(receipt(c.Dir, req.GetLoadId()), orEmpty(req.GetReceiptJson()), 0o644); err != nil {
		return nil, err
	}
	_ = os.Remove(staged(c.Dir, req.GetLoadId()))
	return &v1.CommitLoadResponse{RowsInserted: n}, nil
}

func (*server) AbortLoad(_ context.Context, req *v1.AbortLoadRequest) (*v1.AbortLoadResponse, error) {
	c, e := parseConfig(req.GetConfigJson())
	if e != nil {
		return &v1.AbortLoadResponse{Error: e}, nil
	}
	if err := os.Remove(staged(c.Dir, req.GetLoadId())); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	return &v1.AbortLoadResponse{}, nil
}

func (*server) LoadStatus(_ context.Context, req *v1.LoadStatusRequest) (*v1.LoadStatusResponse, error) {
	c, e := parseConfig(req.GetConfigJson())
	if e != nil {
		return &v1.LoadStatusResponse{Error: e}, nil
	}
	switch {
	case exists(receipt(c.Dir, req.GetLoadId())):
		return &v1.LoadStatusResponse{State: v1.LoadState_LOAD_STATE_COMMITTED}, nil
	case exists(staged(c.Dir, req.GetLoadId())):
		return &v1.LoadStatusResponse{State: v1.LoadState_LOAD_STATE_STAGED}, nil
	}
	return &v1.LoadStatusResponse{State: v1.LoadState_LOAD_STATE_UNKNOWN}, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
