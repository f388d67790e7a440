package v1convert

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/loadopts"
)

// WireBegin converts a load's request.
func WireBegin(b *catalog.BeginLoad) *connectorv1.BeginLoadRequest {
	if b == nil {
		return nil
	}
	return &connectorv1.BeginLoadRequest{ConfigJson: b.ConfigJSON, LoadId: b.LoadID, Target: WireTable(b.Target),
		Schema: WireSchema(b.Schema), Mode: b.Mode, UniqueKey: b.UniqueKey, OptionsJson: b.OptionsJSON,
		Load: wireLoadOptions(b.Load), FenceGeneration: b.FenceGeneration, ManifestId: b.ManifestID,
		UnitId: b.UnitID, SharedTarget: b.SharedTarget, PayloadFormat: b.PayloadFormat, Staging: wireStaging(b.Staging),
		Writers: int32(b.Writers)}
}

// Begin converts a v1 BeginLoad request.
func Begin(b *connectorv1.BeginLoadRequest) *catalog.BeginLoad {
	if b == nil {
		return nil
	}
	return &catalog.BeginLoad{ConfigJSON: b.GetConfigJson(), LoadID: b.GetLoadId(), Target: Table(b.GetTarget()),
		Schema: Schema(b.GetSchema()), Mode: b.GetMode(), UniqueKey: b.GetUniqueKey(), OptionsJSON: b.GetOptionsJson(),
		Load: loadOptions(b.GetLoad()), FenceGeneration: b.GetFenceGeneration(), ManifestID: b.GetManifestId(),
		UnitID: b.GetUnitId(), SharedTarget: b.GetSharedTarget(), PayloadFormat: b.GetPayloadFormat(), Staging: staging(b.GetStaging()),
		Writers: int(b.GetWriters())}
}

func wireStaging(s *catalog.Staging) *connectorv1.Staging {
	if s == nil {
		return nil
	}
	return &connectorv1.Staging{Type: s.Type, Bucket: s.Bucket, Prefix: s.Prefix, Keep: s.Keep,
		Endpoint: s.Endpoint, Region: s.Region, CredentialsJson: s.CredentialsJSON}
}

func staging(s *connectorv1.Staging) *catalog.Staging {
	if s == nil {
		return nil
	}
	return &catalog.Staging{Type: s.GetType(), Bucket: s.GetBucket(), Prefix: s.GetPrefix(), Keep: s.GetKeep(),
		Endpoint: s.GetEndpoint(), Region: s.GetRegion(), CredentialsJSON: s.GetCredentialsJson()}
}

// BeginJSON renders a load's request as protojson with the protocol's
// field names, the form `dpone plan` shows.
func BeginJSON(b *catalog.BeginLoad) ([]byte, error) {
	return protojson.MarshalOptions{UseProtoNames: true}.Marshal(WireBegin(b))
}

// MarshalBegin encodes a load's request as the v1 BeginLoadRequest message
// (the form state keeps pending loads in).
func MarshalBegin(b *catalog.BeginLoad) ([]byte, error) {
	return proto.Marshal(WireBegin(b))
}

// UnmarshalBegin decodes a v1 BeginLoadRequest message.
func UnmarshalBegin(raw []byte) (*catalog.BeginLoad, error) {
	m := &connectorv1.BeginLoadRequest{}
	if err := proto.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("decode v1 BeginLoadRequest: %w", err)
	}
	return Begin(m), nil
}

// ApplyLoad sets b's mode, unique key, options JSON and typed options from
// l as protocol v1 carries them, through proto/loadopts (the one definition
// the SDK reads back): typed for a sink with typed_options, the v1.0
// options_json otherwise. Its errors are loadopts' (a *loadopts.KeyError
// names the manifest key).
func ApplyLoad(l loadopts.Load, b *catalog.BeginLoad, typed bool) error {
	w := &connectorv1.BeginLoadRequest{}
	if err := l.Apply(w, typed); err != nil {
		return err
	}
	b.Mode, b.UniqueKey, b.OptionsJSON, b.Load = w.GetMode(), w.GetUniqueKey(), w.GetOptionsJson(), loadOptions(w.GetLoad())
	return nil
}

func loadOptions(o *connectorv1.LoadOptions) *catalog.LoadOptions {
	if o == nil {
		return nil
	}
	out := &catalog.LoadOptions{}
	if l := o.GetLineage(); l != nil {
		out.Lineage = &catalog.Lineage{RunID: l.GetRunId(), LoadedAt: l.GetLoadedAt(),
			RunIDColumn: l.GetRunIdColumn(), LoadedAtColumn: l.GetLoadedAtColumn()}
	}
	if m := o.GetModeOptions(); m != nil {
		out.ModeOptions = &catalog.ModeOptions{Deletes: m.GetDeletes(), Where: m.GetWhere(), PartitionBy: m.GetPartitionBy(),
			TrackedColumns: m.GetTrackedColumns(), ValidFrom: m.GetValidFromColumn(), ValidTo: m.GetValidToColumn(),
			IsCurrent: m.GetIsCurrentColumn(), HardDeletes: m.GetHardDeletes()}
		if m.MaxDeleteRatio != nil {
			r := m.GetMaxDeleteRatio()
			out.ModeOptions.MaxDeleteRatio = &r
		}
	}
	return out
}

func wireLoadOptions(o *catalog.LoadOptions) *connectorv1.LoadOptions {
	if o == nil {
		return nil
	}
	out := &connectorv1.LoadOptions{}
	if l := o.Lineage; l != nil {
		out.Lineage = &connectorv1.Lineage{RunId: l.RunID, LoadedAt: l.LoadedAt,
			RunIdColumn: l.RunIDColumn, LoadedAtColumn: l.LoadedAtColumn}
	}
	if m := o.ModeOptions; m != nil {
		out.ModeOptions = &connectorv1.ModeOptions{Deletes: m.Deletes, Where: m.Where, PartitionBy: m.PartitionBy,
			TrackedColumns: m.TrackedColumns, ValidFromColumn: m.ValidFrom, ValidToColumn: m.ValidTo,
			IsCurrentColumn: m.IsCurrent, HardDeletes: m.HardDeletes}
		if m.MaxDeleteRatio != nil {
			r := *m.MaxDeleteRatio
			out.ModeOptions.MaxDeleteRatio = &r
		}
	}
	return out
}

var loadStates = map[connectorv1.LoadState]catalog.LoadState{
	connectorv1.LoadState_LOAD_STATE_UNSPECIFIED: catalog.LoadStateUnspecified,
	connectorv1.LoadState_LOAD_STATE_UNKNOWN:     catalog.LoadStateUnknown,
	connectorv1.LoadState_LOAD_STATE_STAGED:      catalog.LoadStateStaged,
	connectorv1.LoadState_LOAD_STATE_COMMITTED:   catalog.LoadStateCommitted,
}

var wireLoadStates = invert(loadStates)

// LoadState maps a load state; one this host does not know (a newer
// minor) reads as unspecified, never as committed.
func LoadState(s connectorv1.LoadState) catalog.LoadState { return loadStates[s] }

// WireLoadState maps a load state.
func WireLoadState(s catalog.LoadState) connectorv1.LoadState { return wireLoadStates[s] }

// WriteResult converts a Write's answer.
func WriteResult(r *connectorv1.WriteResponse) catalog.WriteResult {
	return catalog.WriteResult{Rows: r.GetRows(), Bytes: r.GetBytes()}
}

// CommitResult converts a CommitLoad's answer.
func CommitResult(r *connectorv1.CommitLoadResponse) catalog.CommitResult {
	return catalog.CommitResult{RowsInserted: r.GetRowsInserted(), RowsUpdated: r.GetRowsUpdated(), RowsDeleted: r.GetRowsDeleted()}
}
