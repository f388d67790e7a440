package kafka

import (
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rest"

	"github.com/dpone-go/dpone/sdk"
)

// Value formats that go through a Schema Registry.
const formatAvro = "avro"

// registryClient connects to the config's Schema Registry; without
// schema_registry_url it is a CONFIG error naming the format that needs
// one.
func registryClient(cfg Config, format string) (schemaregistry.Client, error) {
	if cfg.SchemaRegistryURL == "" {
		return nil, sdk.Errorf(sdk.CodeConfig, "config: format %s needs schema_registry_url (the Schema Registry that holds the topic's schemas)", format)
	}
	var c *schemaregistry.Config
	if cfg.SchemaRegistryUsername != "" {
		c = schemaregistry.NewConfigWithBasicAuthentication(cfg.SchemaRegistryURL, cfg.SchemaRegistryUsername, cfg.SchemaRegistryPassword)
	} else {
		c = schemaregistry.NewConfig(cfg.SchemaRegistryURL)
	}
	c.RequestTimeoutMs = int(cfg.timeout.Milliseconds())
	client, err := schemaregistry.NewClient(c)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeConfig, "schema registry %s: %w", cfg.SchemaRegistryURL, err)
	}
	return client, nil
}

// valueSubject is the subject of a topic's value schemas (Confluent's
// TopicNameStrategy, the serializers' default).
func valueSubject(topic string) string { return topic + "-value" }

// classifyRegistry gives a Schema Registry error its protocol code, by
// the registry's error code (HTTP status, or status*100+n) or the
// transport failure.
func classifyRegistry(err error) error {
	if err == nil {
		return nil
	}
	var se *sdk.Error
	if errors.As(err, &se) {
		return err
	}
	var re *rest.Error
	if errors.As(err, &re) {
		status := re.Code
		if status >= 1000 {
			status /= 100
		}
		switch {
		case status == 401 || status == 403:
			return sdk.WithCode(sdk.CodeAuth, fmt.Errorf("%w (check schema_registry_username and schema_registry_password)", err))
		case status == 404:
			return sdk.WithCode(sdk.CodeNotFound, err)
		case status == 409 || status == 422:
			return sdk.WithCode(sdk.CodeSchema, err)
		case status == 429:
			return sdk.WithCode(sdk.CodeRateLimited, err)
		case status >= 500:
			return sdk.WithCode(sdk.CodeUnavailable, err)
		}
		return sdk.WithCode(sdk.CodeInternal, err)
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return sdk.WithCode(sdk.CodeUnavailable, err)
	}
	return err
}

// isNotFound reports a registry answer that the subject or version does
// not exist.
func isNotFound(err error) bool {
	var re *rest.Error
	return errors.As(err, &re) && (re.Code == 404 || re.Code/100 == 404)
}
