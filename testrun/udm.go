package testrun

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/strictyaml"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/record"
)

// The Chronicle test view is built from udm/<LOG_TYPE>.yaml, a statement
// of how Google's default parser of each log type fills UDM from the
// record as ingested, written from Google's parser documentation and
// rules (each entry cites its source), not from mappings/chronicle: a
// wrong UDM path in a profile then makes the rule's own tests fail.
// docs/testing.md ("The Chronicle UDM view") describes the files.
//
//go:embed udm/*.yaml
var udmFiles embed.FS

// Oracle is udm/<LOG_TYPE>.yaml.
type Oracle struct {
	LogType string `yaml:"log_type" detgen:"required"`
	// Parser cites Google's documentation of the log type's parser.
	Parser     string            `yaml:"parser" detgen:"required"`
	EventTypes []OracleEventType `yaml:"event_types"`
	Fields     []OracleField     `yaml:"fields"`
}

// OracleEventType is one metadata.event_type rule; the first whose When
// holds sets the event type.
type OracleEventType struct {
	Pos    diag.Pos
	Type   string              `yaml:"type" detgen:"required"`
	When   map[string][]string `yaml:"when"`
	Source string              `yaml:"source" detgen:"required"`
}

// OracleField is one UDM field the parser fills: from the first path of
// From that holds a value in the raw record, when every path of When holds
// one of its listed values. Enum, when set, is the parser's rewrite of
// the value; a value it has no rewrite for is not written.
type OracleField struct {
	Pos    diag.Pos
	UDM    string              `yaml:"udm" detgen:"required"`
	From   []string            `yaml:"from" detgen:"required"`
	When   map[string][]string `yaml:"when"`
	Enum   map[string]string   `yaml:"enum"`
	Source string              `yaml:"source" detgen:"required"`
}

var (
	oracleUDM = regexp.MustCompile(`^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*(\["[^"\\]+"\])?$`)
	// A citation is a URL, a research section or an admitted gap.
	oracleSource = regexp.MustCompile(`^(https://\S+|research/[a-z0-9-]+\.md §[0-9.]+|VERIFY: .+)`)
)

var oracles = sync.OnceValues(loadOracles)

// loadOracles reads and checks every udm/*.yaml.
func loadOracles() (map[string]*Oracle, error) {
	out := map[string]*Oracle{}
	var bad diag.List
	names, _ := fs.Glob(udmFiles, "udm/*.yaml")
	for _, name := range names {
		src, _ := udmFiles.ReadFile(name)
		o, errs := decodeOracle("testrun/"+name, path.Base(name), src)
		bad = append(bad, errs...)
		if o != nil {
			out[o.LogType] = o
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return out, nil
}

// decodeOracle reads and checks one oracle file.
func decodeOracle(file, base string, src []byte) (*Oracle, diag.List) {
	var o Oracle
	if errs := strictyaml.Decode(file, src, &o); len(errs) > 0 {
		return nil, errs
	}
	var bad diag.List
	if o.LogType+".yaml" != base {
		bad.Add(diag.Pos{File: file, Line: 1}, "log_type %q must be the file's name", o.LogType)
	}
	if !yaral.IsKnownLogType(o.LogType) {
		bad.Add(diag.Pos{File: file, Line: 1}, "log type %q is not in lang/yaral/logtypes.txt", o.LogType)
	}
	for _, e := range o.EventTypes {
		if !oracleSource.MatchString(e.Source) {
			bad.Add(e.Pos, "source %q: cite a URL, a research/<doc>.md §section, or say \"VERIFY: <why>\"", e.Source)
		}
	}
	for _, f := range o.Fields {
		if !oracleUDM.MatchString(f.UDM) {
			bad.Add(f.Pos, "udm %q is not a UDM field path", f.UDM)
		}
		if !oracleSource.MatchString(f.Source) {
			bad.Add(f.Pos, "source %q: cite a URL, a research/<doc>.md §section, or say \"VERIFY: <why>\"", f.Source)
		}
	}

	return &o, bad
}

// LoadOracle returns the parser statement of a log type: from the
// mappings overlay's udm/ directory when it has one (a log source added
// from files alone states its parser there too), else the built-in one.
func LoadOracle(logType string) (*Oracle, error) {
	// Once per log type and overlay: the test runner asks for every event.
	return mappings.Derive("udm-oracle/"+logType, func() (*Oracle, error) { return loadOracle(logType) })
}

func loadOracle(logType string) (*Oracle, error) {
	if dir := mappings.OverlayDir(); dir != "" {
		file := filepath.Join(dir, "udm", logType+".yaml")
		if src, err := os.ReadFile(file); err == nil {
			o, errs := decodeOracle(file, logType+".yaml", src)
			if len(errs) > 0 {
				return nil, errs
			}
			return o, nil
		}
	}
	all, err := oracles()
	if err != nil {
		return nil, err
	}
	o, ok := all[logType]
	if !ok {
		return nil, fmt.Errorf("no testrun/udm/%s.yaml: the Chronicle test view cannot map a %s record to UDM", logType, logType)
	}
	return o, nil
}

// rawValues reads a path of the record as ingested; an element that
// carries XML attributes (a Windows EventID with Qualifiers) holds its
// value in #text.
func rawValues(rec map[string]any, p string) []string {
	if vs := record.Values(rec, p); len(vs) > 0 {
		return vs
	}
	return record.Values(rec, p+".#text")
}

func (o *Oracle) holds(rec map[string]any, when map[string][]string) bool {
	for p, want := range when {
		if !slices.ContainsFunc(rawValues(rec, p), func(v string) bool { return slices.Contains(want, v) }) {
			return false
		}
	}
	return true
}

// View maps a raw record to UDM as the default parser would.
func (o *Oracle) View(rec map[string]any) map[string][]string {
	out := map[string][]string{"metadata.log_type": {o.LogType}}
	for _, e := range o.EventTypes {
		if o.holds(rec, e.When) {
			out["metadata.event_type"] = []string{e.Type}
			break
		}
	}
	for _, f := range o.Fields {
		if !o.holds(rec, f.When) {
			continue
		}
		var vs []string
		for _, p := range f.From {
			if vs = rawValues(rec, p); len(vs) > 0 {
				break
			}
		}
		if f.Enum != nil {
			var mapped []string
			for _, v := range vs {
				if t, ok := f.Enum[v]; ok {
					mapped = append(mapped, t)
				}
			}
			vs = mapped
		}
		if len(vs) > 0 {
			out[f.UDM] = append(out[f.UDM], vs...)
		}
	}
	return out
}

// Writes reports whether an entry of the oracle writes a UDM path.
func (o *Oracle) Writes(udm string) bool {
	return slices.ContainsFunc(o.Fields, func(f OracleField) bool { return f.UDM == udm })
}

// extensionLabel is one label the parser extension shipped with a rule
// writes: an entry of chronicle/<id>.requirements.json.
type extensionLabel struct {
	LogType       string `json:"log_type"`
	Field         string `json:"field"`
	UDM           string `json:"udm"`
	DefaultParser bool   `json:"default_parser"`
	Extension     string `json:"parser_extension"`
}

// shippedExtension reads the labels of the requirements artifact a build
// ships with r: what the parser extension must write, per log type.
func shippedExtension(r *ir.Rule, artifact []byte) ([]extensionLabel, error) {
	tg, _ := driver.LookupTarget("chronicle")
	extra, err := driver.Prerequisites(driver.Artifact{Rule: r, Target: tg, Data: artifact})
	if err != nil {
		return nil, err
	}
	for _, a := range extra {
		if a.Target != "chronicle-requirements" {
			continue
		}
		var all, out []extensionLabel
		if err := json.Unmarshal(a.Data, &all); err != nil {
			return nil, fmt.Errorf("%s: %w", a.Path, err)
		}
		for _, l := range all {
			if l.DefaultParser {
				continue // the default parser's: the oracle says where it goes
			}
			switch l.Extension {
			case "first", "joined", "any_true":
				out = append(out, l)
			default:
				return nil, fmt.Errorf("%s: field %s is not the default parser's and has no parser extension mode", a.Path, l.Field)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("the build ships no chronicle requirements for %s", r.Name)
}

// extend writes a label from a field's values the way its extension mode
// says.
func extend(out map[string][]string, udm, mode string, vs []string) {
	if len(vs) == 0 {
		return
	}
	switch mode {
	case "first":
		out[udm] = vs[:1]
	case "joined":
		out[udm] = []string{strings.Join(vs, "\n")}
	case "any_true":
		if slices.Contains(vs, "true") {
			out[udm] = []string{"true"}
		}
	}
}
