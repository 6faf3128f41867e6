// Package report renders detgen's findings in formats code-review and CI
// tools read: SARIF 2.1.0 for detgen validate and detgen lint, so that a
// problem shows on the spec line it is about.
package report

import (
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/lint"
)

// SARIF 2.1.0, the subset code scanning reads.
const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
)

// Finding is one problem in a file, the form both diag errors and lint
// findings are converted to.
type Finding struct {
	File      string
	Line, Col int    // 1-based; 0 when unknown
	Level     string // "error", "warning" or "note"
	Rule      string // rule id: a lint code, or "spec" for spec errors
	Msg       string
}

// FromDiag converts spec, compile and generation errors. An error without
// a line whose message holds its file's file:line:col (a target refusing
// a construct names the spec position in its message) is placed there.
func FromDiag(errs diag.List) []Finding {
	var out []Finding
	for _, e := range errs {
		f := Finding{File: e.Pos.File, Line: e.Pos.Line, Col: e.Pos.Col, Level: "error", Rule: SpecRule, Msg: e.Msg}
		if f.Line == 0 && f.File != "" {
			re := regexp.MustCompile(regexp.QuoteMeta(f.File) + `:(\d+):(\d+)(: )?`)
			if m := re.FindStringSubmatch(e.Msg); m != nil {
				f.Line, _ = strconv.Atoi(m[1])
				f.Col, _ = strconv.Atoi(m[2])
				f.Msg = strings.Replace(e.Msg, m[0], "", 1)
			}
		}
		out = append(out, f)
	}
	return out
}

// FromLint converts the findings of detgen lint on one file.
func FromLint(file string, findings []lint.Finding) []Finding {
	var out []Finding
	for _, lf := range findings {
		level := "warning"
		if lf.Severity == lint.Error {
			level = "error"
		}
		out = append(out, Finding{File: file, Line: lf.Line, Col: lf.Col, Level: level, Rule: lf.Code, Msg: lf.Msg})
	}
	return out
}

// SpecRule is the rule id of every spec error (they carry no code).
const SpecRule = "spec"

// ruleHelp describes the rule ids detgen reports.
var ruleHelp = map[string]string{
	SpecRule: "The detection spec is invalid or a target cannot compile it (docs/spec.md).",
	"syntax": "The query does not parse.",
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool     `json:"tool"`
	ColumnKind string        `json:"columnKind"`
	Results    []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string        `json:"id"`
	ShortDescription *sarifMessage `json:"shortDescription,omitempty"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// WriteSARIF writes findings as one SARIF 2.1.0 run of tool "detgen"
// (version given), with one reporting rule per rule id. File paths are
// made relative to the working directory (relative to %SRCROOT%, the
// repository root when detgen runs there), slash-separated and
// URI-escaped.
func WriteSARIF(w io.Writer, version string, findings []Finding) error {
	ids := map[string]int{}
	var names []string
	for _, f := range findings {
		if _, ok := ids[f.Rule]; !ok {
			ids[f.Rule] = 0
			names = append(names, f.Rule)
		}
	}
	sort.Strings(names)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "detgen",
			Version:        version,
			InformationURI: "https://github.com/detgen/detgen",
			Rules:          []sarifRule{},
		}},
		ColumnKind: "unicodeCodePoints",
		Results:    []sarifResult{},
	}
	for i, id := range names {
		ids[id] = i
		r := sarifRule{ID: id}
		if h, ok := ruleHelp[id]; ok {
			r.ShortDescription = &sarifMessage{Text: h}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
	}
	for _, f := range findings {
		res := sarifResult{RuleID: f.Rule, RuleIndex: ids[f.Rule], Level: f.Level, Message: sarifMessage{Text: f.Msg}}
		if f.File != "" {
			loc := sarifPhysical{ArtifactLocation: location(f.File)}
			if f.Line > 0 {
				loc.Region = &sarifRegion{StartLine: f.Line, StartColumn: f.Col}
			}
			res.Locations = []sarifLocation{{PhysicalLocation: loc}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// location is path as an artifact location: relative to the working
// directory (and %SRCROOT%) when it is under it or given relative, else
// an absolute file URI.
func location(path string) sarifArtifact {
	p := filepath.Clean(path)
	if filepath.IsAbs(p) {
		wd, err := os.Getwd()
		rel, rerr := filepath.Rel(wd, p)
		if err != nil || rerr != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()}
		}
		p = rel
	}
	return sarifArtifact{URI: (&url.URL{Path: filepath.ToSlash(p)}).String(), URIBaseID: "%SRCROOT%"}
}
