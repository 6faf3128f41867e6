package lint

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The Sigma specification's JSON schema of correlation rules (public
// domain, SigmaHQ/sigma-specification v2.1).
//
//go:embed sigma-correlation-rules-schema.json
var correlationSchemaJSON []byte

var (
	correlationSchemaOnce sync.Once
	correlationSchema     *jsonschema.Schema
	correlationSchemaErr  error
)

func compiledCorrelationSchema() (*jsonschema.Schema, error) {
	correlationSchemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(correlationSchemaJSON))
		if err != nil {
			correlationSchemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource("sigma-correlation.json", doc); err != nil {
			correlationSchemaErr = err
			return
		}
		correlationSchema, correlationSchemaErr = c.Compile("sigma-correlation.json")
	})
	return correlationSchema, correlationSchemaErr
}

type document struct {
	src  []byte
	line int // 1-based line of the document's first line in the file
}

// splitDocuments splits a YAML stream at its "---" lines.
func splitDocuments(src []byte) []document {
	var out []document
	startLine := 1
	lines := strings.SplitAfter(string(src), "\n")
	var cur strings.Builder
	for i, l := range lines {
		if strings.TrimRight(l, "\r\n") == "---" {
			if strings.TrimSpace(cur.String()) != "" {
				out = append(out, document{src: []byte(cur.String()), line: startLine})
			}
			cur.Reset()
			startLine = i + 2
			continue
		}
		cur.WriteString(l)
	}
	if strings.TrimSpace(cur.String()) != "" || len(out) == 0 {
		out = append(out, document{src: []byte(cur.String()), line: startLine})
	}
	return out
}

// checkCorrelation validates a correlation rule against the
// specification's JSON schema and checks that the rules it correlates
// are in the file.
func checkCorrelation(top map[string]any, names map[string]bool) []Finding {
	data, err := json.Marshal(normalizeYAML(top))
	if err != nil {
		return []Finding{syntax(1, 1, "correlation: "+err.Error())}
	}
	sch, err := compiledCorrelationSchema()
	if err != nil {
		return []Finding{{Line: 1, Col: 1, Severity: Error, Code: "sigma-correlation", Msg: "schema: " + err.Error()}}
	}
	inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	var out []Finding
	if err := sch.Validate(inst); err != nil {
		out = append(out, Finding{Line: 1, Col: 1, Severity: Error, Code: "sigma-correlation", Msg: "does not follow the correlation rule schema: " + strings.ReplaceAll(err.Error(), "\n", "; ")})
	}
	corr, _ := top["correlation"].(map[string]any)
	rules, _ := corr["rules"].([]any)
	for _, v := range rules {
		if r, ok := v.(string); ok && !names[r] {
			out = append(out, Finding{Line: 1, Col: 1, Severity: Error, Code: "sigma-correlation", Msg: fmt.Sprintf("correlation names rule %q, which is not in the file", r)})
		}
	}
	return out
}

// normalizeYAML turns yaml.v3's map[string]any trees into JSON-ready
// values (it already uses string keys; dates stay strings).
func normalizeYAML(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeYAML(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeYAML(e)
		}
		return x
	case time.Time:
		return x.Format("2006-01-02")
	}
	return v
}
