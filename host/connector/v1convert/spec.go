package v1convert

import (
	"slices"

	"github.com/dpone-go/dpone/host/catalog"
	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
)

var sourceModes = map[connectorv1.SourceMode]catalog.SourceMode{
	connectorv1.SourceMode_SOURCE_MODE_UNSPECIFIED: catalog.SourceModeUnspecified,
	connectorv1.SourceMode_SOURCE_MODE_FULL:        catalog.SourceModeFull,
	connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL: catalog.SourceModeIncremental,
}

var wireSourceModes = invert(sourceModes)

// Spec converts a v1 GetSpec response (its in-band error is the client's
// business, not the spec's). A connector built before a field existed
// (an older v1 minor) leaves it zero: no capability, no schema.
func Spec(s *connectorv1.GetSpecResponse) *catalog.Spec {
	if s == nil {
		return nil
	}
	return &catalog.Spec{
		Name:                    s.GetName(),
		Version:                 s.GetVersion(),
		ProtocolVersion:         s.GetProtocolVersion(),
		ConfigSchemaJSON:        s.GetConfigSchemaJson(),
		Description:             s.GetDescription(),
		SourceOptionsSchemaJSON: s.GetSourceOptionsSchemaJson(),
		SinkOptionsSchemaJSON:   s.GetSinkOptionsSchemaJson(),
		SDKVersion:              s.GetSdkVersion(),
		Capabilities:            Capabilities(s.GetCapabilities()),
	}
}

// WireSpec converts a spec to a v1 GetSpec response.
func WireSpec(s *catalog.Spec) *connectorv1.GetSpecResponse {
	if s == nil {
		return nil
	}
	return &connectorv1.GetSpecResponse{
		Name:                    s.Name,
		Version:                 s.Version,
		ProtocolVersion:         s.ProtocolVersion,
		ConfigSchemaJson:        s.ConfigSchemaJSON,
		Description:             s.Description,
		SourceOptionsSchemaJson: s.SourceOptionsSchemaJSON,
		SinkOptionsSchemaJson:   s.SinkOptionsSchemaJSON,
		SdkVersion:              s.SDKVersion,
		Capabilities:            WireCapabilities(s.Capabilities),
	}
}

// Capabilities converts v1 capabilities; nil reads as none.
func Capabilities(c *connectorv1.Capabilities) catalog.Capabilities {
	out := catalog.Capabilities{
		Source:                c.GetSource(),
		Destination:           c.GetDestination(),
		SinkModes:             slices.Clone(c.GetSinkModes()),
		IncrementalStrategies: slices.Clone(c.GetIncrementalStrategies()),
		ParallelPartitions:    c.GetParallelPartitions(),
		AtomicReceipts:        c.GetAtomicReceipts(),
		DescribeTarget:        c.GetDescribeTarget(),
		ApplySchema:           c.GetApplySchema(),
		Check:                 c.GetCheck(),
		Transactions:          c.GetTransactions(),
		LoadStatus:            c.GetLoadStatus(),
		SchemaOps:             slices.Clone(c.GetSchemaOps()),
		DescribeStream:        c.GetDescribeStream(),
		TypedOptions:          c.GetTypedOptions(),
		LoadSchema:            c.GetLoadSchema(),
		Fencing:               c.GetFencing(),
		SourcePayloadFormats:  slices.Clone(c.GetSourcePayloadFormats()),
		SinkPayloadFormats:    slices.Clone(c.GetSinkPayloadFormats()),
		PayloadHandoff:        c.GetPayloadHandoff(),
		CursorRange:           c.GetCursorRange(),
		StagingTypes:          slices.Clone(c.GetStagingTypes()),
		StagingRequired:       c.GetStagingRequired(),
	}
	for _, m := range c.GetSourceModes() {
		out.SourceModes = append(out.SourceModes, sourceModes[m])
	}
	return out
}

// WireCapabilities converts capabilities to v1.
func WireCapabilities(c catalog.Capabilities) *connectorv1.Capabilities {
	out := &connectorv1.Capabilities{
		Source:                c.Source,
		Destination:           c.Destination,
		SinkModes:             slices.Clone(c.SinkModes),
		IncrementalStrategies: slices.Clone(c.IncrementalStrategies),
		ParallelPartitions:    c.ParallelPartitions,
		AtomicReceipts:        c.AtomicReceipts,
		DescribeTarget:        c.DescribeTarget,
		ApplySchema:           c.ApplySchema,
		Check:                 c.Check,
		Transactions:          c.Transactions,
		LoadStatus:            c.LoadStatus,
		SchemaOps:             slices.Clone(c.SchemaOps),
		DescribeStream:        c.DescribeStream,
		TypedOptions:          c.TypedOptions,
		LoadSchema:            c.LoadSchema,
		Fencing:               c.Fencing,
		SourcePayloadFormats:  slices.Clone(c.SourcePayloadFormats),
		SinkPayloadFormats:    slices.Clone(c.SinkPayloadFormats),
		PayloadHandoff:        c.PayloadHandoff,
		CursorRange:           c.CursorRange,
		StagingTypes:          slices.Clone(c.StagingTypes),
		StagingRequired:       c.StagingRequired,
	}
	for _, m := range c.SourceModes {
		out.SourceModes = append(out.SourceModes, wireSourceModes[m])
	}
	return out
}

// Stream converts a v1 discovered stream; nil stays nil.
func Stream(s *connectorv1.Stream) *catalog.Stream {
	if s == nil {
		return nil
	}
	return &catalog.Stream{
		Name:             s.GetName(),
		Namespace:        s.GetNamespace(),
		Schema:           Schema(s.GetSchema()),
		PrimaryKey:       slices.Clone(s.GetPrimaryKey()),
		CursorCandidates: slices.Clone(s.GetCursorCandidates()),
		RowEstimate:      s.GetRowEstimate(),
		ByteEstimate:     s.GetByteEstimate(),
		PayloadFormats:   slices.Clone(s.GetPayloadFormats()),
	}
}

// Target converts a v1 DescribeTarget response (its in-band error is the
// client's business).
func Target(r *connectorv1.DescribeTargetResponse) *catalog.Target {
	if r == nil {
		return nil
	}
	return &catalog.Target{Exists: r.GetExists(), Schema: Schema(r.GetSchema()), PrimaryKey: slices.Clone(r.GetPrimaryKey())}
}

// WireStream converts a discovered stream to v1; nil stays nil.
func WireStream(s *catalog.Stream) *connectorv1.Stream {
	if s == nil {
		return nil
	}
	return &connectorv1.Stream{
		Name:             s.Name,
		Namespace:        s.Namespace,
		Schema:           WireSchema(s.Schema),
		PrimaryKey:       slices.Clone(s.PrimaryKey),
		CursorCandidates: slices.Clone(s.CursorCandidates),
		RowEstimate:      s.RowEstimate,
		ByteEstimate:     s.ByteEstimate,
		PayloadFormats:   slices.Clone(s.PayloadFormats),
	}
}

// WireDiscover is the v1 Discover response listing streams, the form
// `dpone discover --json` prints.
func WireDiscover(streams []*catalog.Stream) *connectorv1.DiscoverResponse {
	out := &connectorv1.DiscoverResponse{}
	for _, s := range streams {
		out.Streams = append(out.Streams, WireStream(s))
	}
	return out
}
