package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dpone-go/dpone/host/backfill"
	"github.com/dpone-go/dpone/host/plan"
	"github.com/dpone-go/dpone/host/state"
)

// backfillPlan is what dpone plan shows of a backfill: the chunks, what
// the ledger holds of the unit, and the plan of the first chunk (every
// chunk is planned alike, with its own range and where).
type backfillPlan struct {
	Manifest string `json:"manifest"`
	Unit     string `json:"unit"`
	Column   string `json:"column"`
	Kind     string `json:"kind"`
	From     string `json:"from"`
	To       string `json:"to"`
	Chunk    string `json:"chunk"`
	// Ledger says whether the command starts a backfill, resumes one, or
	// is refused because another is unfinished.
	Ledger string      `json:"ledger"`
	Chunks []planChunk `json:"chunks"`
	First  *plan.Unit  `json:"first_chunk"`
}

type planChunk struct {
	Index  int    `json:"index"`
	Lower  string `json:"lower"`
	Upper  string `json:"upper"`
	Where  string `json:"where"`
	Status string `json:"status"`
}

// planBackfill plans dpone backfill of the one selected unit.
func planBackfill(ctx context.Context, app *App, s *session, o *planOptions) error {
	if o.from == "" || o.to == "" || o.chunk == "" {
		return usagef("a backfill plan needs --from, --to and --chunk")
	}
	if len(s.units) != 1 {
		return usagef("a backfill plan takes one unit: --select matches %d", len(s.units))
	}
	u := s.units[0]
	pl := plan.NewPlanner(plan.Options{Manifest: s.m, Connectors: s.pool, Store: s.store, RunID: state.NewRunID(time.Now()), At: time.Now()})
	cur, ranges, err := backfill.Chunks(ctx, pl, u, o.from, o.to, o.chunk)
	if err != nil {
		if configError(err) || errors.Is(err, backfill.ErrUsage) {
			return asUsage(err)
		}
		return exitError{code: ExitFailed, err: err}
	}
	bp := &backfillPlan{Manifest: s.m.Metadata.ID, Unit: u.ID, Column: cur.Column, Kind: cur.Kind, From: o.from, To: o.to, Chunk: o.chunk, Ledger: "starts a new backfill"}
	status := map[int]string{}
	if l, ok := s.store.(state.Ledger); ok {
		active, err := l.ActiveBackfill(ctx, state.StreamKey{Manifest: s.m.Metadata.ID, Unit: u.ID})
		switch {
		case err == nil && active.From == o.from && active.To == o.to && active.Chunk == o.chunk:
			bp.Ledger = fmt.Sprintf("resumes backfill %s (%s): loads only the chunks not done", active.ID, active.Status)
			for _, c := range active.Chunks {
				status[c.Index] = c.Status
			}
		case err == nil:
			bp.Ledger = fmt.Sprintf("REFUSED: backfill %s of [%s, %s) in chunks of %s is unfinished; finish it with those flags or pass --restart to dpone backfill",
				active.ID, active.From, active.To, active.Chunk)
		case !errors.Is(err, state.ErrNotFound):
			return err
		}
	}
	for i, r := range ranges {
		st := status[i]
		if st == "" {
			st = state.ChunkPending
		}
		bp.Chunks = append(bp.Chunks, planChunk{Index: i, Lower: r.Lower, Upper: r.Upper, Where: backfill.Where(u.Sink.Type, cur, r), Status: st})
	}
	first, planErr := pl.ResolveSlice(ctx, u, ranges[0], bp.Chunks[0].Where)
	bp.First = first
	if o.json {
		enc := json.NewEncoder(app.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(bp); err != nil {
			return err
		}
	} else {
		bp.writeText(app)
	}
	if planErr != nil {
		if configError(planErr) {
			return asUsage(planErr)
		}
		return exitError{code: ExitFailed, err: planErr}
	}
	return nil
}

func (bp *backfillPlan) writeText(app *App) {
	w := app.Out
	fmt.Fprintf(w, "Backfill plan for %s: [%s, %s) on %s (%s) in chunks of %s: %d chunk(s)\n", bp.Unit, bp.From, bp.To, bp.Column, bp.Kind, bp.Chunk, len(bp.Chunks))
	fmt.Fprintf(w, "  ledger: %s\n", bp.Ledger)
	for _, c := range bp.Chunks {
		fmt.Fprintf(w, "  chunk %d/%d  %-8s replace where %s\n", c.Index+1, len(bp.Chunks), c.Status, c.Where)
	}
	fmt.Fprintf(w, "\nEvery chunk is loaded like chunk 1:\n")
	(&plan.Plan{Manifest: bp.Manifest, Units: []*plan.Unit{bp.First}}).WriteText(w)
}
