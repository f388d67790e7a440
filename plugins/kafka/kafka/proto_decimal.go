package kafka

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/confluent"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/confluent/types"
	"github.com/jhump/protoreflect/desc"
	"github.com/jhump/protoreflect/desc/protoprint"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Decimals travel in Protobuf as Confluent's decimal type,
// confluent.type.Decimal (confluent/type/decimal.proto, built into the
// Schema Registry and the serdes): the unscaled value as big-endian two's
// complement bytes with its precision and scale. The column's precision
// and scale are also in the field's options, (confluent.field_meta).params
// "precision" and "scale", as Confluent's tools write them, so a reader
// knows the Arrow type before any message; a Decimal field without them
// reads as the exact decimal text (a string).
const (
	protoDecimal     = "confluent.type.Decimal"
	protoDecimalPath = "confluent/type/decimal.proto"
	protoMetaPath    = "confluent/meta.proto"
)

// decimalFile is confluent.type.Decimal under the import path schemas use
// (Go registers it as confluent/types/decimal.proto).
var decimalFile = func() protoreflect.FileDescriptor {
	fdp := protodesc.ToFileDescriptorProto(types.File_confluent_types_decimal_proto)
	fdp.Name = proto.String(protoDecimalPath)
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		panic(err)
	}
	return fd
}()

// protoResolver resolves the imports of dpone's schemas: decimalFile, else
// the compiled-in descriptors.
type protoResolver struct{}

func (protoResolver) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if path == protoDecimalPath {
		return decimalFile, nil
	}
	return protoregistry.GlobalFiles.FindFileByPath(path)
}

func (protoResolver) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if name == protoDecimal {
		return decimalFile.Messages().Get(0), nil
	}
	return protoregistry.GlobalFiles.FindDescriptorByName(name)
}

// lookupImport resolves a parsed schema's imports.
func lookupImport(path string) (*desc.FileDescriptor, error) {
	if path == protoDecimalPath {
		return desc.WrapFile(decimalFile)
	}
	return desc.LoadFileDescriptor(path)
}

// decimalOptions are the field options naming a decimal's precision and
// scale.
func decimalOptions(t *arrow.Decimal128Type) *descriptorpb.FieldOptions {
	o := &descriptorpb.FieldOptions{}
	proto.SetExtension(o, confluent.E_FieldMeta, &confluent.Meta{Params: map[string]string{
		"precision": strconv.Itoa(int(t.Precision)), "scale": strconv.Itoa(int(t.Scale))}})
	return o
}

// decimalType is the Arrow type of a Decimal field: decimal(p,s) from its
// options, or nil without them.
func decimalType(fd protoreflect.FieldDescriptor) arrow.DataType {
	opts, ok := fd.Options().(*descriptorpb.FieldOptions)
	if !ok || opts == nil {
		return nil
	}
	// A parsed schema may hold the extension as unknown bytes: read it
	// again with the registered extension types.
	b, err := proto.Marshal(opts)
	if err != nil {
		return nil
	}
	o := &descriptorpb.FieldOptions{}
	if err := (proto.UnmarshalOptions{Resolver: protoregistry.GlobalTypes}).Unmarshal(b, o); err != nil {
		return nil
	}
	meta, _ := proto.GetExtension(o, confluent.E_FieldMeta).(*confluent.Meta)
	p, err1 := strconv.Atoi(meta.GetParams()["precision"])
	s, err2 := strconv.Atoi(meta.GetParams()["scale"])
	if err1 != nil || err2 != nil || p < 1 || p > 38 || s < 0 || s > p {
		return nil
	}
	return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
}

// protoDecimalValue is n of type t as a confluent.type.Decimal of field
// fd.
func protoDecimalValue(fd protoreflect.FieldDescriptor, n decimal128.Num, t *arrow.Decimal128Type) (protoreflect.Value, error) {
	b, err := appendAvroDecimal(nil, n, t.Precision) // length-prefixed two's complement
	if err != nil {
		return protoreflect.Value{}, err
	}
	_, w := binary.Varint(b)
	m := dynamicpb.NewMessage(fd.Message())
	fs := fd.Message().Fields()
	m.Set(fs.ByName("value"), protoreflect.ValueOfBytes(b[w:]))
	m.Set(fs.ByName("precision"), protoreflect.ValueOfUint32(uint32(t.Precision)))
	m.Set(fs.ByName("scale"), protoreflect.ValueOfInt32(t.Scale))
	return protoreflect.ValueOfMessage(m), nil
}

// decimalOf reads a confluent.type.Decimal message: its unscaled value
// and scale.
func decimalOf(msg protoreflect.Message) (*big.Int, int32) {
	fs := msg.Descriptor().Fields()
	b := msg.Get(fs.ByName("value")).Bytes()
	n := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return n, int32(msg.Get(fs.ByName("scale")).Int())
}

// appendDecimalMessage appends a Decimal message to a decimal column
// (rescaled to the column's scale, an error if that loses digits) or as
// its exact text to a string column.
func appendDecimalMessage(b array.Builder, msg protoreflect.Message) error {
	n, scale := decimalOf(msg)
	switch b := b.(type) {
	case *array.Decimal128Builder:
		t := b.Type().(*arrow.Decimal128Type)
		v := decimal128.FromBigInt(n)
		if scale != t.Scale {
			var err error
			if v, err = v.Rescale(scale, t.Scale); err != nil {
				return fmt.Errorf("decimal with scale %d into decimal(%d,%d): %w", scale, t.Precision, t.Scale, err)
			}
		}
		if !v.FitsInPrecision(t.Precision) {
			return fmt.Errorf("decimal %s does not fit decimal(%d,%d)", v.ToString(t.Scale), t.Precision, t.Scale)
		}
		b.Append(v)
	case *array.StringBuilder:
		b.Append(decimal128.FromBigInt(n).ToString(scale))
	default:
		return fmt.Errorf("a decimal into a %s column", b.Type())
	}
	return nil
}

// protoReferences registers decimal.proto as the subject
// confluent.type.Decimal when the schema text imports it, and returns the
// reference (named by its import path). (The Schema Registry knows it as a built-in, but
// confluent-kafka-go's deserializer looks built-ins up under the Go
// package's path, confluent/types/decimal.proto, and fails without the
// reference.)
func protoReferences(client schemaregistry.Client, text string) ([]schemaregistry.Reference, error) {
	if !strings.Contains(text, `import "`+protoDecimalPath+`"`) {
		return nil, nil
	}
	wrapped, err := desc.WrapFile(decimalFile)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	if err := (&protoprint.Printer{OmitComments: protoprint.CommentsAll}).PrintProtoFile(wrapped, &b); err != nil {
		return nil, err
	}
	info := schemaregistry.SchemaInfo{Schema: b.String(), SchemaType: "PROTOBUF"}
	if _, err := client.Register(protoDecimal, info, false); err != nil {
		return nil, classifyRegistry(fmt.Errorf("register %s as subject %s (a reference of protobuf schemas with decimals): %w", protoDecimalPath, protoDecimal, err))
	}
	md, err := client.GetLatestSchemaMetadata(protoDecimal)
	if err != nil {
		return nil, classifyRegistry(fmt.Errorf("version of subject %s: %w", protoDecimal, err))
	}
	return []schemaregistry.Reference{{Name: protoDecimalPath, Subject: protoDecimal, Version: md.Version}}, nil
}
