package plan

import (
	"slices"
	"strings"

	"github.com/dpone-go/dpone/host/catalog"
)

// PathArrow names the general path in plans: Arrow batches, which host
// steps can read.
const PathArrow = "arrow"

// payloadPath decides how the unit's rows travel (protocol v1.2): a native
// payload format the source lists for the stream and the sink accepts,
// forwarded untouched, when no host step needs the values; else Arrow. It
// returns the format ("" for Arrow) and the plan's path line, which says
// why. The sink confirms a native format at BeginLoad (its staging column
// types must be the source's); when it does not, run falls back to Arrow
// and the run report says why.
func payloadPath(up *Unit, streamFormats []string) (format, path string) {
	arrow := func(why string) (string, string) { return "", PathArrow + ": " + why }
	switch {
	case up.Incremental:
		return arrow("incremental read (the checkpoint is computed from the cursor's values)")
	case up.Checker != nil:
		return arrow("data contract on")
	case len(up.Gates.NotNull) > 0 || len(up.Gates.Unique) > 0:
		return arrow("quality gates check key values")
	case len(up.DropColumns) > 0:
		return arrow("source columns named like lineage columns are dropped")
	case up.Ev != nil && len(up.Ev.Renames) > 0:
		return arrow("schema evolution routes values into new columns")
	case up.SourceCreatedBy != "":
		return arrow("the source table is created by an earlier unit of this plan")
	case len(streamFormats) == 0:
		return arrow("the source has no native format for this stream")
	}
	for _, f := range streamFormats {
		if slices.Contains(up.SourceSpec.Capabilities.SourcePayloadFormats, f) && slices.Contains(up.SinkSpec.Capabilities.SinkPayloadFormats, f) {
			if Handoff(up.SourceSpec, up.SinkSpec) {
				return f, "passthrough " + f + " " + InProcess + " (no host step needs values; the sink checks its column types at begin; " +
					"source and sink are one plugin process, so the bytes do not cross the host)"
			}
			return f, "passthrough " + f + " (no host step needs values; the sink checks its column types at begin)"
		}
	}
	return arrow("the sink accepts none of the source's native formats (" + strings.Join(streamFormats, ", ") + ")")
}

// InProcess marks a passthrough path whose payloads a plugin hands from
// its Read to its Write in memory (protocol v1.4).
const InProcess = "in process"

// Handoff reports whether a unit from src to sink can pass native payloads
// inside one plugin process: the same connector (the host runs one
// process per connector) declaring payload_handoff.
func Handoff(src, sink *catalog.Spec) bool {
	return src != nil && sink != nil && src.Name == sink.Name &&
		src.Capabilities.PayloadHandoff && sink.Capabilities.PayloadHandoff
}
