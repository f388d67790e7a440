package sdktest

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	connectorv1 "github.com/dpone-go/dpone/proto/gen/dpone/connector/v1"
	"github.com/dpone-go/dpone/proto/handshake"
)

var (
	nameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
)

// specChecks runs the checks every connector gets: spec, check and
// capabilities. s.spec stays nil when GetSpec fails.
func (s *session) specChecks(t T) {
	s.check(t, "spec", func(c *checkT) {
		p := s.client(c)
		ctx, cancel := s.ctx()
		defer cancel()
		spec, err := p.GetSpec(ctx, &connectorv1.GetSpecRequest{})
		if err != nil {
			c.Fatalf("GetSpec: %v", err)
		}
		if spec.GetError() != nil {
			c.Fatalf("GetSpec: %s", errText(spec.GetError()))
		}
		s.spec = spec
		s.rep.Plugin.Name, s.rep.Plugin.Version = spec.GetName(), spec.GetVersion()
		s.rep.Plugin.ProtocolVersion = spec.GetProtocolVersion()
		s.rep.Plugin.SDKVersion = spec.GetSdkVersion()
		s.rep.Plugin.Capabilities = capabilityList(spec.GetCapabilities())
		if !nameRE.MatchString(spec.GetName()) {
			c.Errorf("name %q: want lowercase letters, digits, - and _ (the binary is dpone-connector-<name>)", spec.GetName())
		}
		if !semverRE.MatchString(spec.GetVersion()) {
			c.Errorf("version %q is not a semantic version (1.2.3)", spec.GetVersion())
		}
		if !slices.Contains(handshake.SupportedProtocolVersions(), int(spec.GetProtocolVersion())) {
			c.Errorf("protocol version %d: want one of %v", spec.GetProtocolVersion(), handshake.SupportedProtocolVersions())
		}
		c.notef("local time zone of the plugin: %s", s.tz)
		if s.strict {
			c.notef("strict: any skipped check fails")
		}
		s.configSchema(c, spec.GetConfigSchemaJson())
		caps := spec.GetCapabilities()
		if !caps.GetSource() && !caps.GetDestination() {
			c.Errorf("capabilities: neither source nor destination")
		}
		if caps.GetDestination() && len(caps.GetSinkModes()) == 0 {
			c.Errorf("capabilities: a destination must list its sink modes")
		}
		if !caps.GetDestination() && len(caps.GetSinkModes()) > 0 {
			c.Errorf("capabilities: sink modes %v listed by a connector that is not a destination", caps.GetSinkModes())
		}
		inc := slices.Contains(caps.GetSourceModes(), connectorv1.SourceMode_SOURCE_MODE_INCREMENTAL)
		if inc != (len(caps.GetIncrementalStrategies()) > 0) {
			c.Errorf("capabilities: incremental source mode %v but incremental strategies %v", inc, caps.GetIncrementalStrategies())
		}
	})
	if s.spec == nil {
		return
	}
	s.checkChecks(t)
	s.check(t, "capabilities", s.capabilityCheck)
}

// configSchema compiles the config JSON Schema and validates the
// fixture's configs against it.
func (s *session) configSchema(c *checkT, text string) {
	if strings.TrimSpace(text) == "" {
		c.Errorf("config schema is empty: set Spec.ConfigSchema to the JSON Schema of the config")
		return
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		c.Errorf("config schema is not JSON: %v", err)
		return
	}
	comp := jsonschema.NewCompiler()
	comp.DefaultDraft(jsonschema.Draft2020)
	if err := comp.AddResource("config.schema.json", doc); err != nil {
		c.Errorf("config schema: %v", err)
		return
	}
	sch, err := comp.Compile("config.schema.json")
	if err != nil {
		c.Errorf("config schema does not compile: %v", err)
		return
	}
	for _, cfg := range []struct {
		name string
		raw  json.RawMessage
	}{{"config", s.f.Config}, {"bad_credentials", s.f.BadCredentials}, {"unreachable", s.f.Unreachable}} {
		if len(cfg.raw) == 0 {
			continue
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(string(cfg.raw)))
		if err != nil {
			c.Errorf("fixture %s is not JSON: %v", cfg.name, err)
			continue
		}
		if err := sch.Validate(v); err != nil {
			c.Errorf("fixture %s does not validate against the config schema: %v", cfg.name, err)
		}
	}
}

func capabilityList(c *connectorv1.Capabilities) []string {
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	add(c.GetSource(), "source")
	add(c.GetDestination(), "destination")
	for _, m := range c.GetSinkModes() {
		out = append(out, "sink:"+m)
	}
	for _, st := range c.GetIncrementalStrategies() {
		out = append(out, "incremental:"+st)
	}
	add(c.GetParallelPartitions(), "partitions")
	add(c.GetAtomicReceipts(), "atomic_receipts")
	add(c.GetTransactions(), "transactions")
	add(c.GetLoadStatus(), "load_status")
	add(c.GetDescribeTarget(), "describe_target")
	add(c.GetDescribeStream(), "describe_stream")
	add(c.GetApplySchema(), "apply_schema")
	add(c.GetCheck(), "check")
	add(c.GetTypedOptions(), "typed_options")
	return out
}

// checkChecks: Check with the good config passes; bad credentials,
// unreachable and unknown keys are refused with the right codes.
func (s *session) checkChecks(t T) {
	caps := s.spec.GetCapabilities()
	call := func(c *checkT, cfg []byte) *connectorv1.Error {
		p := s.client(c)
		ctx, cancel := s.ctx()
		defer cancel()
		resp, err := p.Check(ctx, &connectorv1.CheckRequest{ConfigJson: cfg})
		if err != nil {
			c.Fatalf("Check: %v", err)
		}
		return resp.GetError()
	}
	s.check(t, "check", func(c *checkT) {
		if e := call(c, s.f.Config); e != nil {
			c.Errorf("Check with the fixture's config: got %s, want success", errText(e))
		}
	})
	want := func(name string, cfg []byte, code connectorv1.ErrorCode, what string) {
		s.check(t, "check/"+name, func(c *checkT) {
			if !caps.GetCheck() {
				c.notApplicable("the connector does not implement Checker")
			}
			if len(cfg) == 0 {
				c.skipOptional("fixture has no %s config (or declare the check in not_applicable, with the reason)", what)
			}
			e := call(c, cfg)
			// A host that refuses or does not resolve may be down only
			// for now: UNAVAILABLE and retryable is right for it too.
			transient := code == connectorv1.ErrorCode_ERROR_CODE_CONNECT && e != nil &&
				e.GetCode() == connectorv1.ErrorCode_ERROR_CODE_UNAVAILABLE && e.GetRetryable()
			switch {
			case e == nil:
				c.Errorf("Check with the %s config: got success, want %s", what, codeName(code))
			case e.GetCode() != code && !transient:
				c.Errorf("Check with the %s config: got %s, want %s", what, errText(e), codeName(code))
			}
		})
	}
	want("bad_credentials", s.f.BadCredentials, connectorv1.ErrorCode_ERROR_CODE_AUTH, "bad_credentials")
	want("unreachable", s.f.Unreachable, connectorv1.ErrorCode_ERROR_CODE_CONNECT, "unreachable")
	want("unknown_key", withUnknownKey(s.f.Config), connectorv1.ErrorCode_ERROR_CODE_CONFIG, "unknown-key")
}

// withUnknownKey adds a key no connector knows to cfg (nil when cfg is not
// an object).
func withUnknownKey(cfg json.RawMessage) []byte {
	var m map[string]any
	if len(cfg) == 0 {
		m = map[string]any{}
	} else if err := json.Unmarshal(cfg, &m); err != nil || m == nil {
		return nil
	}
	m["dpone_certify_unknown_key"] = true
	b, _ := json.Marshal(m)
	return b
}

// capabilityCheck verifies that optional calls behave as advertised:
// UNSUPPORTED exactly when the capability is absent.
func (s *session) capabilityCheck(c *checkT) {
	caps := s.spec.GetCapabilities()
	p := s.client(c)
	ctx, cancel := s.ctx()
	defer cancel()
	cfg := s.f.Config
	absent := &connectorv1.TableRef{Namespace: s.loadNamespace(), Name: "dpone_certify_absent_" + s.run}
	probe := func(name string, advertised bool, e *connectorv1.Error, err error) {
		if err != nil {
			c.Errorf("%s: %v", name, err)
			return
		}
		unsupported := e.GetCode() == connectorv1.ErrorCode_ERROR_CODE_UNSUPPORTED
		switch {
		case advertised && unsupported:
			c.Errorf("%s is advertised but answers %s", name, errText(e))
		case !advertised && !unsupported:
			c.Errorf("%s is not advertised: got %s, want UNSUPPORTED", name, errText(e))
		}
	}
	if !caps.GetSource() {
		r, err := p.Discover(ctx, &connectorv1.DiscoverRequest{ConfigJson: cfg})
		probe("Discover", false, r.GetError(), err)
	}
	if !caps.GetDestination() {
		r, err := p.BeginLoad(ctx, &connectorv1.BeginLoadRequest{ConfigJson: cfg, LoadId: s.loadID("probe"), Target: absent, Mode: "full_refresh"})
		probe("BeginLoad", false, r.GetError(), err)
	}
	if !caps.GetParallelPartitions() {
		r, err := p.Partition(ctx, &connectorv1.PartitionRequest{ConfigJson: cfg, Stream: "x", Count: 2})
		probe("Partition", false, r.GetError(), err)
	}
	if !caps.GetLoadStatus() {
		r, err := p.LoadStatus(ctx, &connectorv1.LoadStatusRequest{ConfigJson: cfg, LoadId: s.loadID("probe"),
			Begin: &connectorv1.BeginLoadRequest{Target: absent}})
		probe("LoadStatus", false, r.GetError(), err)
	}
	r, err := p.DescribeTarget(ctx, &connectorv1.DescribeTargetRequest{ConfigJson: cfg, Table: absent})
	probe("DescribeTarget", caps.GetDescribeTarget(), r.GetError(), err)
	if caps.GetDescribeTarget() && err == nil && r.GetError() == nil && r.GetExists() {
		c.Errorf("DescribeTarget of absent table %s.%s: got exists, want absent", absent.GetNamespace(), absent.GetName())
	}
	if !caps.GetDescribeStream() {
		r, err := p.DescribeStream(ctx, &connectorv1.ReadRequest{ConfigJson: cfg, Stream: "x"})
		probe("DescribeStream", false, r.GetError(), err)
	}
	if !caps.GetApplySchema() {
		r, err := p.ApplySchema(ctx, &connectorv1.ApplySchemaRequest{ConfigJson: cfg, Table: absent, DryRun: true})
		probe("ApplySchema", false, r.GetError(), err)
	}
	c.notef("capabilities: %s", strings.Join(s.rep.Plugin.Capabilities, ", "))
}

func (s *session) loadNamespace() string {
	if s.f.Load != nil {
		return s.f.Load.Namespace
	}
	return ""
}
