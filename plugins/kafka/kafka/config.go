package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	ck "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/dpone-go/dpone/sdk"
)

const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["brokers"],
  "properties": {
    "brokers": {"type": "string", "minLength": 1, "description": "bootstrap servers, host:port[,host:port...]"},
    "client_id": {"type": "string", "default": "dpone", "description": "client.id sent to the brokers"},
    "security_protocol": {"enum": ["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"], "default": "plaintext"},
    "sasl_mechanism": {"enum": ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"], "description": "with sasl_plaintext or sasl_ssl"},
    "username": {"type": "string", "description": "SASL user name"},
    "password": {"type": "string", "description": "SASL password"},
    "ssl_ca_location": {"type": "string", "description": "PEM file of the CA certificates that sign the brokers' certificates"},
    "ssl_certificate_location": {"type": "string", "description": "client certificate (PEM) for mutual TLS"},
    "ssl_key_location": {"type": "string", "description": "client private key (PEM) for mutual TLS"},
    "ssl_key_password": {"type": "string"},
    "timeout": {"type": "string", "default": "30s", "description": "bound of one broker request (metadata, offsets, transaction steps)"},
    "topic_partitions": {"type": "integer", "minimum": 1, "default": 3, "description": "partitions of target topics the sink creates"},
    "replication_factor": {"type": "integer", "minimum": 1, "default": 1, "description": "replication factor of topics the sink creates"},
    "create_topics": {"type": "boolean", "default": true, "description": "the sink creates missing target topics; false: a missing target is a CONFIG error"},
    "schema_registry_url": {"type": "string", "description": "Confluent Schema Registry URL, for the avro format (source and sink)"},
    "schema_registry_username": {"type": "string", "description": "Schema Registry basic-auth user (API key)"},
    "schema_registry_password": {"type": "string", "description": "Schema Registry basic-auth password (API secret)"}
  }
}`

// Config is the connection config.
type Config struct {
	Brokers                string `json:"brokers"`
	ClientID               string `json:"client_id"`
	SecurityProtocol       string `json:"security_protocol"`
	SASLMechanism          string `json:"sasl_mechanism"`
	Username               string `json:"username"`
	Password               string `json:"password"`
	SSLCALocation          string `json:"ssl_ca_location"`
	SSLCertificateLocation string `json:"ssl_certificate_location"`
	SSLKeyLocation         string `json:"ssl_key_location"`
	SSLKeyPassword         string `json:"ssl_key_password"`
	Timeout                string `json:"timeout"`
	TopicPartitions        int    `json:"topic_partitions"`
	ReplicationFactor      int    `json:"replication_factor"`
	CreateTopics           *bool  `json:"create_topics"`
	SchemaRegistryURL      string `json:"schema_registry_url"`
	SchemaRegistryUsername string `json:"schema_registry_username"`
	SchemaRegistryPassword string `json:"schema_registry_password"`

	timeout time.Duration
}

// decodeConfig parses and checks a config, filling defaults.
func decodeConfig(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sdk.DecodeConfig(raw, &c); err != nil {
		return c, err
	}
	if strings.TrimSpace(c.Brokers) == "" {
		return c, sdk.Errorf(sdk.CodeConfig, "config: brokers is required (host:port of the bootstrap servers)")
	}
	if c.ClientID == "" {
		c.ClientID = "dpone"
	}
	c.timeout = 30 * time.Second
	if c.Timeout != "" {
		d, err := time.ParseDuration(c.Timeout)
		if err != nil || d <= 0 {
			return c, sdk.Errorf(sdk.CodeConfig, "config: timeout %q: want a positive duration such as 30s", c.Timeout)
		}
		c.timeout = d
	}
	if c.TopicPartitions == 0 {
		c.TopicPartitions = 3
	}
	if c.ReplicationFactor == 0 {
		c.ReplicationFactor = 1
	}
	if c.CreateTopics == nil {
		t := true
		c.CreateTopics = &t
	}
	switch c.SecurityProtocol {
	case "", "plaintext", "ssl":
		if c.SASLMechanism != "" {
			return c, sdk.Errorf(sdk.CodeConfig, "config: sasl_mechanism needs security_protocol sasl_plaintext or sasl_ssl")
		}
	case "sasl_plaintext", "sasl_ssl":
		switch c.SASLMechanism {
		case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
		default:
			return c, sdk.Errorf(sdk.CodeConfig, "config: security_protocol %s needs sasl_mechanism PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.SecurityProtocol)
		}
		if c.Username == "" {
			return c, sdk.Errorf(sdk.CodeConfig, "config: security_protocol %s needs username and password", c.SecurityProtocol)
		}
	default:
		return c, sdk.Errorf(sdk.CodeConfig, "config: security_protocol %q: want plaintext, ssl, sasl_plaintext or sasl_ssl", c.SecurityProtocol)
	}
	return c, nil
}

// clientConfig is the librdkafka configuration shared by every client.
func (c Config) clientConfig() ck.ConfigMap {
	m := ck.ConfigMap{
		"bootstrap.servers":                  c.Brokers,
		"client.id":                          c.ClientID,
		"socket.timeout.ms":                  int(c.timeout / time.Millisecond),
		"log.connection.close":               false,
		"log_level":                          4,
		"allow.auto.create.topics":           false,
		"topic.metadata.refresh.interval.ms": 10000,
	}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("security.protocol", c.SecurityProtocol)
	set("sasl.mechanisms", c.SASLMechanism)
	set("sasl.username", c.Username)
	set("sasl.password", c.Password)
	set("ssl.ca.location", c.SSLCALocation)
	set("ssl.certificate.location", c.SSLCertificateLocation)
	set("ssl.key.location", c.SSLKeyLocation)
	set("ssl.key.password", c.SSLKeyPassword)
	return m
}

// with returns a copy of base with extra keys set.
func with(base ck.ConfigMap, extra ck.ConfigMap) *ck.ConfigMap {
	m := ck.ConfigMap{}
	for k, v := range base {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return &m
}

// Check asks the cluster for its metadata. Authentication failures reach
// the client as error events, not as the metadata call's error (which
// only times out), so Check watches them.
func (c *Connector) Check(ctx context.Context, raw json.RawMessage) error {
	cfg, err := decodeConfig(raw)
	if err != nil {
		return err
	}
	p, err := ck.NewProducer(with(cfg.clientConfig(), nil))
	if err != nil {
		return sdk.Errorf(sdk.CodeConfig, "kafka client: %w", err)
	}
	defer p.Close()
	authErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case ev := <-p.Events():
				if e, ok := ev.(ck.Error); ok && (codeOf(e.Code()) == sdk.CodeAuth || saslRefused(cfg, e)) {
					select {
					case authErr <- sdk.Errorf(sdk.CodeAuth, "kafka %s: %w (check username, password and sasl_mechanism)", cfg.Brokers, e):
					default:
					}
				}
			}
		}
	}()
	done := make(chan error, 1)
	go func() {
		d := cfg.timeout
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			d = max(time.Until(dl), time.Millisecond)
		}
		_, err := p.GetMetadata(nil, true, int(d/time.Millisecond))
		done <- err
	}()
	select {
	case err := <-authErr:
		return err
	case err := <-done:
		if err == nil {
			return nil
		}
		select {
		case aerr := <-authErr:
			return aerr
		default:
		}
		err = classify(fmt.Errorf("kafka %s: metadata: %w", cfg.Brokers, err))
		if sdk.CodeOf(err) == sdk.CodeUnavailable {
			return sdk.Errorf(sdk.CodeConnect, "kafka %s: no broker answered within %s (check brokers, network and security_protocol): %w", cfg.Brokers, cfg.timeout, err)
		}
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// saslRefused reports a SASL exchange the broker ended by closing the
// connection. A broker that answers SASL_AUTHENTICATION_FAILED reaches
// the client as ErrAuthentication (AUTH by its code); one that closes the
// connection instead (older brokers, the test broker kfake) reaches it as
// a transport error whose only distinguishing mark is librdkafka's fixed
// message prefix for failures in its SASL state, so that prefix is
// matched here, for a client configured for SASL only.
func saslRefused(cfg Config, e ck.Error) bool {
	return strings.HasPrefix(cfg.SecurityProtocol, "sasl_") && e.Code() == ck.ErrTransport &&
		strings.Contains(e.String(), "SASL authentication error")
}
