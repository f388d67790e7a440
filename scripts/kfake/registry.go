package main

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// testRegistry is a Schema Registry for tests (the -registry flag; the
// Kafka plugin's tests serve the same subset with httptest): the subset of Confluent's
// REST API that confluent-kafka-go's client and serdes call (register,
// look up, latest/by-version, by id), in memory, served over HTTP. No
// compatibility checks. With user set, every request needs basic auth.
type testRegistry struct {
	mu       sync.Mutex
	schemas  []registered     // by id-1
	subjects map[string][]int // subject -> ids by version-1
	user     string
	pass     string
	requests map[string]int // "METHOD /path" -> count, for tests
}

type registered struct {
	Schema     string          `json:"schema"`
	SchemaType string          `json:"schemaType,omitempty"`
	References json.RawMessage `json:"references,omitempty"`
}

// newTestRegistry returns an empty registry.
func newTestRegistry() *testRegistry {
	return &testRegistry{subjects: map[string][]int{}, requests: map[string]int{}}
}

func (r *testRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[req.Method+" "+req.URL.Path]++
	if r.user != "" {
		if u, p, ok := req.BasicAuth(); !ok || u != r.user || p != r.pass {
			regError(w, 401, 40101, "Unauthorized")
			return
		}
	}
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	switch {
	case req.Method == "GET" && len(parts) == 3 && parts[0] == "schemas" && parts[1] == "ids":
		id, err := strconv.Atoi(parts[2])
		if err != nil || id < 1 || id > len(r.schemas) {
			regError(w, 404, 40403, "Schema not found")
			return
		}
		regJSON(w, r.schemas[id-1])
	case req.Method == "GET" && len(parts) == 1 && parts[0] == "subjects":
		names := []string{}
		for s := range r.subjects {
			names = append(names, s)
		}
		regJSON(w, names)
	case req.Method == "POST" && len(parts) == 3 && parts[0] == "subjects" && parts[2] == "versions":
		var in registered
		if err := json.NewDecoder(req.Body).Decode(&in); err != nil || in.Schema == "" {
			regError(w, 422, 42201, "Invalid schema")
			return
		}
		regJSON(w, map[string]int{"id": r.register(parts[1], in)})
	case req.Method == "POST" && len(parts) == 2 && parts[0] == "subjects":
		var in registered
		_ = json.NewDecoder(req.Body).Decode(&in)
		ids, ok := r.subjects[parts[1]]
		if !ok {
			regError(w, 404, 40401, "Subject not found")
			return
		}
		for v, id := range ids {
			if r.schemas[id-1].Schema == in.Schema {
				r.metadata(w, parts[1], v+1)
				return
			}
		}
		regError(w, 404, 40403, "Schema not found")
	case req.Method == "GET" && len(parts) == 4 && parts[0] == "subjects" && parts[2] == "versions":
		ids, ok := r.subjects[parts[1]]
		if !ok {
			regError(w, 404, 40401, "Subject not found")
			return
		}
		v := len(ids)
		if parts[3] != "latest" {
			n, err := strconv.Atoi(parts[3])
			if err != nil || n < 1 || n > len(ids) {
				regError(w, 404, 40402, "Version not found")
				return
			}
			v = n
		}
		r.metadata(w, parts[1], v)
	default:
		regError(w, 404, 404, "not served by the test registry: "+req.Method+" "+req.URL.Path)
	}
}

// register adds schema under subject (the same text keeps its id and
// version) and returns its id.
func (r *testRegistry) register(subject string, in registered) int {
	id := 0
	for i, s := range r.schemas {
		if s.Schema == in.Schema && s.SchemaType == in.SchemaType {
			id = i + 1
		}
	}
	if id == 0 {
		r.schemas = append(r.schemas, in)
		id = len(r.schemas)
	}
	for _, have := range r.subjects[subject] {
		if have == id {
			return id
		}
	}
	r.subjects[subject] = append(r.subjects[subject], id)
	return id
}

func (r *testRegistry) metadata(w http.ResponseWriter, subject string, version int) {
	id := r.subjects[subject][version-1]
	s := r.schemas[id-1]
	regJSON(w, map[string]any{"subject": subject, "id": id, "version": version, "schema": s.Schema,
		"schemaType": s.SchemaType, "references": s.References})
}

func regJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	_ = json.NewEncoder(w).Encode(v)
}

func regError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": code, "message": msg})
}
