package kafka

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/jhump/protoreflect/desc"
	"github.com/jhump/protoreflect/desc/protoparse"
	"github.com/jhump/protoreflect/desc/protoprint"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/dpone-go/dpone/sdk"
)

// Value format through a Schema Registry with Protobuf schemas.
const formatProtobuf = "protobuf"

const (
	protoTimestamp = "google.protobuf.Timestamp"
	protoDate      = "google.type.Date"
)

// protoMessage builds the proto3 message of a load's values (one field
// per column, numbered in column order; nullable columns are proto3
// optional so NULL and zero differ) and returns it with its .proto text,
// as the registry stores it. Timestamps are google.protobuf.Timestamp,
// dates google.type.Date, lists of scalars repeated fields; decimals,
// json and types without a Protobuf counterpart travel as strings.
func protoMessage(topic string, s *arrow.Schema) (protoreflect.MessageDescriptor, string, error) {
	name := unsafeAvro.ReplaceAllString(topic, "_")
	if !avroName.MatchString(name) {
		name = "t_" + name
	}
	msg := &descriptorpb.DescriptorProto{Name: proto.String(name)}
	imports := map[string]bool{}
	var oneofs []*descriptorpb.OneofDescriptorProto
	for i, f := range s.Fields() {
		if !avroName.MatchString(f.Name) {
			return nil, "", sdk.Errorf(sdk.CodeSchema, "column %q is not a valid Protobuf field name ([A-Za-z_][A-Za-z0-9_]*): rename it, or use format json", f.Name)
		}
		fd := &descriptorpb.FieldDescriptorProto{Name: proto.String(f.Name), Number: proto.Int32(int32(i + 1)),
			Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(), JsonName: proto.String(f.Name)}
		t, elem := f.Type, false
		if l, ok := t.(*arrow.ListType); ok {
			if _, nested := l.Elem().(arrow.NestedType); !nested {
				t, elem = l.Elem(), true
				fd.Label = descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
			}
		}
		kind, typeName := protoKind(t)
		fd.Type = kind.Enum()
		if typeName != "" {
			fd.TypeName = proto.String("." + typeName)
			imports[map[string]string{protoTimestamp: "google/protobuf/timestamp.proto", protoDate: "google/type/date.proto",
				protoDecimal: protoDecimalPath}[typeName]] = true
		}
		if d, ok := t.(*arrow.Decimal128Type); ok {
			fd.Options = decimalOptions(d)
			imports[protoMetaPath] = true
		}
		if f.Nullable && !elem && kind != descriptorpb.FieldDescriptorProto_TYPE_MESSAGE {
			fd.Proto3Optional = proto.Bool(true)
			fd.OneofIndex = proto.Int32(int32(len(oneofs)))
			oneofs = append(oneofs, &descriptorpb.OneofDescriptorProto{Name: proto.String("_" + f.Name)})
		}
		msg.Field = append(msg.Field, fd)
	}
	msg.OneofDecl = oneofs
	file := &descriptorpb.FileDescriptorProto{Name: proto.String(name + ".proto"), Package: proto.String("dpone"),
		Syntax: proto.String("proto3"), MessageType: []*descriptorpb.DescriptorProto{msg}}
	for imp := range imports {
		file.Dependency = append(file.Dependency, imp)
	}
	sort.Strings(file.Dependency) // the same text for the same columns
	fd, err := protodesc.NewFile(file, protoResolver{})
	if err != nil {
		return nil, "", sdk.Errorf(sdk.CodeSchema, "protobuf schema of %s: %w", topic, err)
	}
	wrapped, err := desc.WrapFile(fd)
	if err != nil {
		return nil, "", sdk.Errorf(sdk.CodeSchema, "protobuf schema of %s: %w", topic, err)
	}
	var text strings.Builder
	if err := (&protoprint.Printer{}).PrintProtoFile(wrapped, &text); err != nil {
		return nil, "", fmt.Errorf("print the protobuf schema of %s: %w", topic, err)
	}
	return fd.Messages().Get(0), text.String(), nil
}

// protoKind is the field type of an Arrow type (and the message's name
// for message fields).
func protoKind(t arrow.DataType) (descriptorpb.FieldDescriptorProto_Type, string) {
	switch t.(type) {
	case *arrow.BooleanType:
		return descriptorpb.FieldDescriptorProto_TYPE_BOOL, ""
	case *arrow.Int8Type, *arrow.Int16Type, *arrow.Int32Type, *arrow.Uint8Type, *arrow.Uint16Type:
		return descriptorpb.FieldDescriptorProto_TYPE_INT32, ""
	case *arrow.Int64Type, *arrow.Uint32Type:
		return descriptorpb.FieldDescriptorProto_TYPE_INT64, ""
	case *arrow.Uint64Type:
		return descriptorpb.FieldDescriptorProto_TYPE_UINT64, ""
	case *arrow.Float32Type:
		return descriptorpb.FieldDescriptorProto_TYPE_FLOAT, ""
	case *arrow.Float64Type:
		return descriptorpb.FieldDescriptorProto_TYPE_DOUBLE, ""
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType:
		return descriptorpb.FieldDescriptorProto_TYPE_BYTES, ""
	case *arrow.TimestampType:
		return descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, protoTimestamp
	case *arrow.Date32Type, *arrow.Date64Type:
		return descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, protoDate
	case *arrow.Decimal128Type:
		return descriptorpb.FieldDescriptorProto_TYPE_MESSAGE, protoDecimal
	}
	return descriptorpb.FieldDescriptorProto_TYPE_STRING, ""
}

// parseProto parses a registry's .proto text and returns its first
// message. Imports resolve from deps (the texts of the schema's
// references, by import name), else from the compiled-in descriptors (the
// well-known, google.type and confluent protos).
func parseProto(text string, deps map[string]string) (protoreflect.MessageDescriptor, error) {
	p := protoparse.Parser{
		Accessor: func(name string) (io.ReadCloser, error) {
			if name == "." {
				return io.NopCloser(strings.NewReader(text)), nil
			}
			if dep, ok := deps[name]; ok {
				return io.NopCloser(strings.NewReader(dep)), nil
			}
			return nil, os.ErrNotExist
		},
		LookupImport: lookupImport,
	}
	fds, err := p.ParseFiles(".")
	if err != nil {
		return nil, err
	}
	msgs := fds[0].UnwrapFile().Messages()
	if msgs.Len() == 0 {
		return nil, fmt.Errorf("the schema declares no message")
	}
	return msgs.Get(0), nil
}

// protoFields are the Arrow columns of a message: scalars as their
// types, proto3 optional (and message) fields nullable, Timestamp and
// Date as timestamp and date, repeated scalars as lists; other messages,
// maps and repeated messages as json text.
func protoFields(md protoreflect.MessageDescriptor) []arrow.Field {
	fs := md.Fields()
	out := make([]arrow.Field, 0, fs.Len())
	for i := range fs.Len() {
		fd := fs.Get(i)
		f := protoField(fd)
		f.Name = string(fd.Name())
		if fd.IsList() {
			if _, nested := f.Type.(arrow.NestedType); nested || isJSONField(f) {
				f = arrow.Field{Name: f.Name, Type: arrow.BinaryTypes.String, Metadata: jsonMeta}
			} else {
				f = arrow.Field{Name: f.Name, Type: arrow.ListOfField(arrow.Field{Name: "item", Type: f.Type, Nullable: true})}
			}
		}
		if fd.IsMap() {
			f = arrow.Field{Name: f.Name, Type: arrow.BinaryTypes.String, Metadata: jsonMeta}
		}
		f.Nullable = fd.HasPresence() || fd.IsList() || fd.IsMap()
		out = append(out, f)
	}
	return out
}

func protoField(fd protoreflect.FieldDescriptor) arrow.Field {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return arrow.Field{Type: arrow.FixedWidthTypes.Boolean}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return arrow.Field{Type: arrow.PrimitiveTypes.Int32}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind, protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return arrow.Field{Type: arrow.PrimitiveTypes.Int64}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return arrow.Field{Type: arrow.PrimitiveTypes.Uint64}
	case protoreflect.FloatKind:
		return arrow.Field{Type: arrow.PrimitiveTypes.Float32}
	case protoreflect.DoubleKind:
		return arrow.Field{Type: arrow.PrimitiveTypes.Float64}
	case protoreflect.StringKind, protoreflect.EnumKind:
		return arrow.Field{Type: arrow.BinaryTypes.String}
	case protoreflect.BytesKind:
		return arrow.Field{Type: arrow.BinaryTypes.Binary}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		switch fd.Message().FullName() {
		case protoTimestamp:
			return arrow.Field{Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}}
		case protoDate:
			return arrow.Field{Type: arrow.FixedWidthTypes.Date32}
		case protoDecimal:
			if t := decimalType(fd); t != nil {
				return arrow.Field{Type: t}
			}
			return arrow.Field{Type: arrow.BinaryTypes.String}
		}
		if isWrapper(fd.Message()) {
			// google.protobuf.Int64Value etc.: the wrapped scalar, NULL
			// when the field is unset.
			return protoField(fd.Message().Fields().ByNumber(1))
		}
	}
	return arrow.Field{Type: arrow.BinaryTypes.String, Metadata: jsonMeta}
}

// protoLatest is the message of the latest schema of topic's value
// subject.
func protoLatest(cfg Config, topic string) (protoreflect.MessageDescriptor, error) {
	client, err := registryClient(cfg, formatProtobuf)
	if err != nil {
		return nil, err
	}
	md, err := client.GetLatestSchemaMetadata(valueSubject(topic))
	if err != nil {
		if isNotFound(err) {
			return nil, sdk.Errorf(sdk.CodeNotFound, "schema registry %s has no subject %s: register the topic's value schema, or read it with format json, string or bytes", cfg.SchemaRegistryURL, valueSubject(topic))
		}
		return nil, classifyRegistry(fmt.Errorf("latest schema of subject %s: %w", valueSubject(topic), err))
	}
	if md.SchemaType != "PROTOBUF" {
		return nil, sdk.Errorf(sdk.CodeSchema, "subject %s holds a %s schema, not protobuf: set format to match the topic", valueSubject(topic), orAvro(md.SchemaType))
	}
	// Schema references (imports registered as subjects of their own),
	// transitively.
	deps := map[string]string{}
	if err := serde.ResolveReferences(client, md.SchemaInfo, deps); err != nil {
		return nil, classifyRegistry(fmt.Errorf("references of subject %s version %d: %w", valueSubject(topic), md.Version, err))
	}
	msg, err := parseProto(md.Schema, deps)
	if err != nil {
		return nil, sdk.Errorf(sdk.CodeSchema, "subject %s version %d: %w", valueSubject(topic), md.Version, err)
	}
	return msg, nil
}

func orAvro(t string) string {
	if t == "" {
		return "AVRO"
	}
	return t
}

// isWrapper reports a google.protobuf wrapper message (wrappers.proto):
// one field, value, number 1.
func isWrapper(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile().Path() == "google/protobuf/wrappers.proto" && md.Fields().Len() == 1
}
