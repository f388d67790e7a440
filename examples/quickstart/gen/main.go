// Command gen writes the quickstart's small shop dataset, deterministically:
// customers as CSV, orders as JSONL and order items as Parquet.
//
//	go run ./examples/quickstart/gen -dir examples/quickstart/data
package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

var (
	firstNames = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis", "Zoë", "José", "Łukasz", "Søren", "Ngozi", "Aiko"}
	lastNames  = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Ritchie", "Müller", "García", "Nowak", "Kierkegaard", "Okafor", "Tanaka"}
	countries  = []string{"DE", "FR", "GB", "US", "PL", "DK", "NG", "JP", "ES", "NL"}
	statuses   = []string{"placed", "paid", "shipped", "delivered", "returned"}
	products   = []string{"keyboard", "mouse", "monitor", "laptop stand", "usb-c hub", "headset", "webcam", "desk lamp", "chair mat", "notebook"}
)

func main() {
	dir := flag.String("dir", "data", "output directory")
	customers := flag.Int("customers", 1000, "number of customers")
	orders := flag.Int("orders", 10000, "number of orders")
	flag.Parse()
	if err := run(*dir, *customers, *orders); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, customers, orders int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(42, 2026))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := writeCustomers(filepath.Join(dir, "customers.csv"), rng, customers, base); err != nil {
		return err
	}
	if err := writeOrders(filepath.Join(dir, "orders.jsonl"), rng, customers, orders, base); err != nil {
		return err
	}
	return writeItems(filepath.Join(dir, "order_items.parquet"), rng, orders)
}

func writeCustomers(path string, rng *rand.Rand, n int, base time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"id", "first_name", "last_name", "email", "country", "signed_up_at", "vip"})
	for i := 1; i <= n; i++ {
		fn, ln := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		email := fmt.Sprintf("customer%04d@example.com", i)
		if i%97 == 0 {
			email = "" // some customers gave no email
		}
		signed := base.Add(-time.Duration(rng.IntN(3*365*24)) * time.Hour).Format(time.RFC3339)
		_ = w.Write([]string{strconv.Itoa(i), fn, ln, email, countries[rng.IntN(len(countries))], signed, strconv.FormatBool(rng.IntN(10) == 0)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return f.Close()
}

type order struct {
	ID         int64             `json:"id"`
	CustomerID int64             `json:"customer_id"`
	Status     string            `json:"status"`
	Total      float64           `json:"total"`
	Currency   string            `json:"currency"`
	OrderedAt  string            `json:"ordered_at"`
	Note       *string           `json:"note"`
	Shipping   map[string]string `json:"shipping"`
}

func writeOrders(path string, rng *rand.Rand, customers, n int, base time.Time) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for i := 1; i <= n; i++ {
		o := order{
			ID: int64(i), CustomerID: int64(1 + rng.IntN(customers)), Status: statuses[rng.IntN(len(statuses))],
			Total: float64(rng.IntN(50000)) / 100, Currency: "EUR",
			OrderedAt: base.Add(time.Duration(i) * 37 * time.Minute).Format(time.RFC3339),
			Shipping:  map[string]string{"method": []string{"standard", "express"}[rng.IntN(2)], "country": countries[rng.IntN(len(countries))]},
		}
		if i%11 == 0 {
			s := "gift wrap, please 🎁"
			o.Note = &s
		}
		if err := enc.Encode(o); err != nil {
			return err
		}
	}
	return f.Close()
}

func writeItems(path string, rng *rand.Rand, orders int) error {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "line", Type: arrow.PrimitiveTypes.Int32},
		{Name: "product", Type: arrow.BinaryTypes.String},
		{Name: "quantity", Type: arrow.PrimitiveTypes.Int32},
		{Name: "unit_price", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
		{Name: "discount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for o := 1; o <= orders; o++ {
		lines := 1 + rng.IntN(5)
		for l := 1; l <= lines; l++ {
			b.Field(0).(*array.Int64Builder).Append(int64(o))
			b.Field(1).(*array.Int32Builder).Append(int32(l))
			b.Field(2).(*array.StringBuilder).Append(products[rng.IntN(len(products))])
			b.Field(3).(*array.Int32Builder).Append(int32(1 + rng.IntN(4)))
			b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(199 + rng.IntN(30000))))
			if rng.IntN(4) == 0 {
				b.Field(5).(*array.Float64Builder).Append(float64(rng.IntN(30)) / 100)
			} else {
				b.Field(5).AppendNull()
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(schema, []arrow.RecordBatch{rec})
	defer tbl.Release()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy))
	// WriteTable closes f when it is done.
	return pqarrow.WriteTable(tbl, f, 8192, props, pqarrow.DefaultWriterProps())
}
