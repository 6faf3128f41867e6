// Package mappings holds, as data, everything that ties a logical field of
// a spec to a platform: the logsource catalogs (which fields exist and where
// they sit in the raw event) and one profile per backend and logsource.
// Adding a rule needs no Go change; adding a logsource needs only files here.
package mappings

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/strictyaml"
	"gopkg.in/yaml.v3"
)

//go:embed logsources/*.yaml qradar/*.yaml chronicle/*.yaml sigma/*.yaml
var files embed.FS

// overlay is a directory of extra mapping files (same layout as this
// package: logsources/, qradar/, chronicle/, sigma/) that take precedence
// over the built-in ones: how a team adds a log source without a Go
// change (detgen --mappings DIR).
var overlay string

// SetOverlay makes dir's mapping files take precedence; "" removes it.
func SetOverlay(dir string) {
	overlay = dir
	cache.Clear()
	derived.Clear()
}

// OverlayDir is the overlay SetOverlay set, "" for none (the test runner
// reads parser statements from its udm/ directory).
func OverlayDir() string { return overlay }

// read returns a mapping file and the name to report it under.
func read(name string) ([]byte, string, error) {
	if overlay != "" {
		p := filepath.Join(overlay, filepath.FromSlash(name))
		if src, err := os.ReadFile(p); err == nil {
			return src, p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, p, err
		}
	}
	src, err := fs.ReadFile(files, name)
	return src, "mappings/" + name, err
}

// cache holds decoded mapping files: a build reads the same few files for
// every rule. Entries are keyed by overlay, file and Go type; values are
// shared, so callers treat what Load gives them as read-only.
var cache sync.Map

type cacheKey struct {
	overlay, name string
	typ           reflect.Type
}

type cacheEntry struct {
	val  reflect.Value
	errs diag.List
}

// Load strictly decodes mappings/<dir>/<logsource>.yaml into out, a
// pointer to a struct. Slices and maps in the result are shared between
// calls: never modify them.
func Load(dir, logsource string, out any) diag.List {
	v := reflect.ValueOf(out).Elem()
	key := cacheKey{overlay, dir + "/" + logsource, v.Type()}
	if e, ok := cache.Load(key); ok {
		v.Set(e.(cacheEntry).val)
		return e.(cacheEntry).errs
	}
	errs := load(dir, logsource, out)
	cp := reflect.New(v.Type()).Elem()
	cp.Set(v)
	cache.Store(key, cacheEntry{val: cp, errs: errs})
	return errs
}

func load(dir, logsource string, out any) diag.List {
	name := fmt.Sprintf("%s/%s.yaml", dir, logsource)
	src, file, err := read(name)
	if err != nil {
		var errs diag.List
		errs.Add(diag.Pos{File: file}, "no %s mapping for logsource %q", dir, logsource)
		return errs
	}
	return strictyaml.Decode(file, src, out)
}

// Logsource is a catalog of the logical fields a spec may test.
type Logsource struct {
	Pos         diag.Pos
	Name        string `yaml:"name" detgen:"required"`
	Description string `yaml:"description" detgen:"required"`
	// Format names the reader (package reader) that turns a raw record
	// into the event the paths below are written for: json (default),
	// k8s_audit, windows_event.
	Format string `yaml:"format"`
	// Scope, when set, says which records of the format belong to this
	// log source, in the spec's detection syntax over the fields below
	// (Windows process creation: EventID 1 or 4688). Every rule of the
	// log source is evaluated within it; the targets express it with
	// their own record filters (device type, log type, logsource).
	Scope *Scope `yaml:"scope"`
	// Summary names the fields detgen scan prints for a hit.
	Summary []string `yaml:"summary"`
	// Timestamp is the path of the record's event time (RFC 3339), which
	// the test runner uses as the time the SIEM received the record.
	Timestamp string `yaml:"timestamp"`
	// RawTimestamp is the same time's path in the record as received,
	// when the reader moves it (Windows: Event.System.TimeCreated...);
	// aggregation tests set it to place events in time.
	RawTimestamp string `yaml:"raw_timestamp"`
	// RawTimestampAlternatives are tried in order when a record has no
	// RawTimestamp (or Timestamp): the same time in the format's other
	// record forms (a GKE LogEntry's timestamp).
	RawTimestampAlternatives []string `yaml:"raw_timestamp_alternatives"`
	Fields                   []Field  `yaml:"fields" detgen:"required"`
}

// Scope is a detection over a catalog's own fields.
type Scope struct {
	Pos        diag.Pos
	Keys       diag.Keys
	Selections yaml.Node `yaml:"selections" detgen:"required"`
	Condition  string    `yaml:"condition" detgen:"required"`
}

// Field is one logical field: its value type and where it sits in the raw
// event, as dotted paths in which "[]" marks a list whose every element is
// searched.
type Field struct {
	Name        string   `yaml:"name" detgen:"required"`
	Type        string   `yaml:"type" detgen:"required"`
	Description string   `yaml:"description" detgen:"required"`
	Paths       []string `yaml:"paths" detgen:"required"`
}

// LoadLogsource loads the catalog of one logsource.
func LoadLogsource(name string) (*Logsource, diag.List) {
	var ls Logsource
	errs := Load("logsources", name, &ls)
	return &ls, errs
}

// Derive returns what f computes from the mapping files under name (a
// validated profile, say), computed once per overlay: a build asks for the
// same few logsources' profiles for every rule. The value is shared.
func Derive[T any](name string, f func() (T, error)) (T, error) {
	key := cacheKey{overlay, "derived:" + name, reflect.TypeFor[T]()}
	if e, ok := derived.Load(key); ok {
		d := e.(derivedEntry[T])
		return d.val, d.err
	}
	v, err := f()
	derived.Store(key, derivedEntry[T]{v, err})
	return v, err
}

// derived holds Derive's values; SetOverlay clears it with cache.
var derived sync.Map

type derivedEntry[T any] struct {
	val T
	err error
}

// LogsourceNames lists the logsources that have a catalog, sorted. The
// slice is shared: never modify it.
func LogsourceNames() []string {
	names, _ := Derive("logsource-names", func() ([]string, error) { return logsourceNames(), nil })
	return names
}

func logsourceNames() []string {
	entries, _ := fs.Glob(files, "logsources/*.yaml")
	if overlay != "" {
		more, _ := filepath.Glob(filepath.Join(overlay, "logsources", "*.yaml"))
		entries = append(entries, more...)
	}
	seen := map[string]bool{}
	var names []string
	for _, e := range entries {
		n := strings.TrimSuffix(filepath.Base(e), ".yaml")
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Field returns the catalog entry for a logical field name.
func (l *Logsource) Field(name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}
