// Package sigmain reads Sigma rule files (Sigma specification v2.1,
// ../shared/specs/sigma) into ir.Rules that detgen's backends compile like
// any spec. A document it cannot read faithfully is refused with the
// reason at file:line:col, never approximated: an unknown log source or
// field, a placeholder, a modifier detgen does not implement, a
// correlation detgen cannot express (correlation.go). docs/sigma.md ("Reading Sigma") records every choice.
package sigmain

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/fastyaml"
	"github.com/detgen/detgen/internal/input"
	"github.com/detgen/detgen/internal/strictyaml"
	"github.com/detgen/detgen/ir"
	"gopkg.in/yaml.v3"
)

// Kind is what a Sigma document is.
type Kind string

const (
	KindRule        Kind = "rule"
	KindFilter      Kind = "filter"
	KindCorrelation Kind = "correlation"
	KindOther       Kind = "other"
)

// Result is what one YAML document of a Sigma file became: a rule
// (Rule set), or a refusal (Refused set), plus warnings either way.
type Result struct {
	Pos   diag.Pos // the document
	Kind  Kind
	ID    string // the rule's id, or the one derived from its path
	Title string
	// SigmaName is the document's optional Sigma `name`, which filters
	// and correlations may use instead of the id.
	SigmaName string
	// SigmaLogsource is the logsource as written, "product/category/service"
	// with "-" for an absent key.
	SigmaLogsource string
	// Logsource is the detgen log source it resolved to ("" if none).
	Logsource string
	Rule      *ir.Rule // nil when refused, and for filter documents
	Refused   diag.List
	Warnings  diag.List
	// Filters are the filter documents applied to the rule.
	Filters []diag.Pos

	// Name is the detgen name of the rule, "" when the document is
	// refused or has no rule (a filter): Rule.Name, kept when
	// ConvertFiles drops the rule.
	Name string

	// Parts are the rules and correlations a correlation names that are
	// not generated on their own (Sigma's generate: false, the default):
	// they are left out of the results and kept here.
	Parts []*Result

	filter *filterDoc // for a filter document
	corr   *corrDoc   // for a correlation document
	key    string     // the path the derived id and name come from
}

// Group is the log source a result is counted under in summaries: the
// detgen log source, or the Sigma one when it did not resolve.
func (r *Result) Group() string {
	if r.Logsource != "" {
		return r.Logsource
	}
	return "sigma:" + r.SigmaLogsource
}

// FindFiles returns the Sigma files a list of paths names: a file as it
// is, a directory as every *.yml and *.yaml below it, sorted.
func FindFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Load reads every Sigma file the paths name (see FindFiles), applies the
// filter documents among them to the rules they name, and returns one
// Result per document in path order. errs lists the inputs that could not
// be read at all (a missing file, invalid YAML): refusals are results.
func Load(paths []string) ([]*Result, diag.List) { return Config{}.Load(paths) }

// Config holds what reading Sigma takes beyond the files; its zero value
// is the package functions' setting.
type Config struct {
	// Placeholders are the values of expand placeholders by name, without
	// the % signs (ReadPlaceholders reads them from a file). Nil refuses
	// every rule that uses expand, as the specification asks of a tool
	// that cannot resolve them.
	Placeholders map[string][]string
}

// Load is the package's Load with c's settings.
func (c Config) Load(paths []string) ([]*Result, diag.List) {
	rd, errs := newReader(c)
	if len(errs) > 0 {
		return nil, errs
	}
	// Files are read and parsed on every core (the reader is read-only
	// once built); results and errors keep the input order.
	jobs := listFiles(paths)
	driver.Parallel(len(jobs), func(i int) { jobs[i].read(rd) })
	var out []*Result
	for _, j := range jobs {
		errs.Append(j.errs)
		out = append(out, j.res...)
	}
	return finish(out), errs
}

// fileJob is one input file and what reading it gave.
type fileJob struct {
	root, file string
	res        []*Result
	errs       diag.List
}

// listFiles lists the files the paths name, in order; a path that cannot
// be listed is a job holding only its error.
func listFiles(paths []string) []*fileJob {
	var jobs []*fileJob
	for _, root := range paths {
		files, err := FindFiles([]string{root})
		if err != nil {
			j := &fileJob{}
			j.errs.Add(diag.Pos{File: root}, "%v", err)
			jobs = append(jobs, j)
			continue
		}
		for _, f := range files {
			jobs = append(jobs, &fileJob{root: root, file: f})
		}
	}
	return jobs
}

// read reads and parses the job's file.
func (j *fileJob) read(rd *reader) {
	if j.file == "" {
		return
	}
	// Only regular files, of a bounded size: a FIFO named *.yml would
	// block the read.
	src, err := input.Read(j.file, "a Sigma file", input.MaxSpec)
	if err != nil {
		j.errs.Add(diag.Pos{File: j.file}, "%v", err)
		return
	}
	j.res, j.errs = rd.parse(j.file, idKey(j.root, j.file), src)
}

// Parse reads the documents of one Sigma file; key is what a derived id
// and name come from (the path relative to the directory given). Filters
// in the file apply to the file's rules.
func Parse(file, key string, src []byte) ([]*Result, diag.List) {
	return Config{}.Parse(file, key, src)
}

// Parse is the package's Parse with c's settings.
func (c Config) Parse(file, key string, src []byte) ([]*Result, diag.List) {
	rd, errs := newReader(c)
	if len(errs) > 0 {
		return nil, errs
	}
	out, errs := rd.parse(file, key, src)
	return finish(out), errs
}

// idKey is the stable, machine-independent name of a file: its path
// relative to the directory given on the command line, or its base name
// when the file itself was given.
func idKey(root, file string) string {
	if rel, err := filepath.Rel(root, file); err == nil && rel != "." {
		return filepath.ToSlash(rel)
	}
	return filepath.Base(file)
}

// parse splits a file into its YAML documents and reads each.
func (rd *reader) parse(file, key string, src []byte) ([]*Result, diag.List) {
	var out []*Result
	var errs diag.List
	// Most files are one document the fast parser reads; the rest (and
	// every error) go to yaml.v3, document by document.
	fast, ok := fastyaml.Parse(src)
	var dec *yaml.Decoder // made only when needed: its buffers cost more than the fast parse
	for n := 1; ; n++ {
		var doc yaml.Node
		var err error
		switch {
		case ok && n > 1:
			err = io.EOF
		case ok:
			doc = *fast
		default:
			if dec == nil {
				dec = yaml.NewDecoder(bytes.NewReader(src))
			}
			err = dec.Decode(&doc)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			pos, msg := strictyaml.SyntaxError(file, err)
			errs.Add(pos, "%s", msg)
			return nil, errs
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue // an empty document, as after a trailing ---
		}
		pos := diag.Pos{File: file, Line: root.Line, Col: root.Column}
		if root.Kind != yaml.MappingNode {
			r := &Result{Pos: pos, Kind: KindOther, SigmaLogsource: "-/-/-"}
			r.refuse(pos, "not a Sigma document: a mapping of keys is expected, found a %s", kindName(root))
			out = append(out, r)
			continue
		}
		docKey := key
		if n > 1 {
			docKey = key + "#" + itoa(n)
		}
		out = append(out, rd.document(pos, docKey, root))
	}
	return out, errs
}

// finish applies filters, resolves correlations (leaving out the rules
// only they use) and makes ids and names unique across results.
func finish(all []*Result) []*Result {
	applyFilters(all)
	all = correlate(all)
	ids := map[string]*Result{}
	names := map[string]bool{}
	for _, r := range all {
		if r.Kind != KindRule && r.Kind != KindCorrelation || r.Rule == nil {
			continue
		}
		if other, dup := ids[r.ID]; dup {
			r.refuse(r.Pos, "id %s is already used by %s", r.ID, other.Pos)
			continue
		}
		ids[r.ID] = r
		name := r.Rule.Name
		for i := 2; names[name]; i++ {
			name = suffixName(r.Rule.Name, i)
		}
		if name != r.Rule.Name {
			r.Warnings.Add(r.Pos, "name %s is taken by another rule: named %s", r.Rule.Name, name)
			r.Rule.Name = name
		}
		names[name] = true
	}
	for _, r := range all {
		r.Name = ""
		if r.Rule != nil {
			r.Name = r.Rule.Name
		}
	}
	return all
}

// refuse records why the document cannot be converted and drops its rule.
func (r *Result) refuse(pos diag.Pos, format string, args ...any) {
	r.Refused.Add(pos, format, args...)
	r.Rule = nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "plain value"
}
