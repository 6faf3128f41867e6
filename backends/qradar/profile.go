package qradar

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/mappings"
)

// Profile is mappings/qradar/<logsource>.yaml: how each logical field
// reaches a QRadar event and how the query is laid out.
type Profile struct {
	// DSM describes, for the docs, the log source the console needs.
	DSM string `yaml:"dsm"`
	// DeviceTypes are the log source types of the DSMs that parse the
	// records. Empty where no QRadar DSM parses them (GitHub audit
	// events): then every field must be unavailable, so no query is
	// generated and no device type has to be made up.
	DeviceTypes []int `yaml:"device_types"`
	// Forms maps a record form (package reader) to the device type of the
	// DSM that parses it. Records of a form not listed arrive through
	// another DSM: another device type and none of these properties.
	// Without Forms every record is parsed by DeviceTypes[0].
	Forms map[string]int `yaml:"forms"`
	// Scope narrows the device type to the log source's records, in the
	// spec's detection syntax over mapped fields (Windows process
	// creation: EventID 1 or 4688 among the Windows DSM's events).
	Scope *mappings.Scope `yaml:"scope"`
	// Payload says how the DSM stores the raw event: "json" (the
	// default: the record as received) or "text" (key=value text, as the
	// Windows DSM stores every channel). A keyword search is rendered as
	// the value's JSON text; on a text payload a value JSON writes
	// otherwise (quotes, backslashes, control characters, <, >, &) is
	// refused, and no field has a payload fallback.
	Payload    string      `yaml:"payload"`
	Limit      int         `yaml:"limit" detgen:"required"`
	Last       string      `yaml:"last" detgen:"required"`
	ScoreAlias string      `yaml:"score_alias" detgen:"required"`
	OrderBy    []string    `yaml:"order_by" detgen:"required"`
	Select     []Column    `yaml:"select" detgen:"required"`
	Fields     []FieldSpec `yaml:"fields" detgen:"required"`
}

// Column is one selected column: a raw AQL expression from the profile, or
// a logical field rendered through its mapping.
type Column struct {
	Pos   diag.Pos
	Expr  string `yaml:"expr"`
	Field string `yaml:"field"`
	Alias string `yaml:"alias"`
}

// FieldSpec maps one logical field. Property is a custom event property
// (double-quoted in AQL), Column a built-in event column; PayloadKey is the
// JSON text that precedes the value in the raw payload; PayloadArrays
// name the JSON keys whose values are arrays of strings holding the
// field's elements (a container's command and args).
type FieldSpec struct {
	Pos           diag.Pos
	Field         string   `yaml:"field" detgen:"required"`
	Property      string   `yaml:"property"`
	Column        string   `yaml:"column"`
	PayloadKey    string   `yaml:"payload_key"`
	PayloadArrays []string `yaml:"payload_arrays"`
	// PayloadObject names the JSON object the payload_key sits in (a
	// hostPath volume's "path"): its members may come in any order.
	PayloadObject string `yaml:"payload_object"`
	// Builtin marks a property the DSM (or IBM's content extension for
	// it) defines already: no JSON-expression property is shipped for it.
	Builtin bool `yaml:"builtin"`
	// Unavailable says why the field cannot be tested on QRadar; using
	// it is a compile error that quotes the reason.
	Unavailable string `yaml:"unavailable"`
}

// ConsoleName is the name the console knows f's property by: a builtin
// property is the DSM's and keeps IBM's name; one detgen ships is
// namespaced with prefix, so it cannot collide with a console's own.
func (f FieldSpec) ConsoleName(prefix string) string {
	if f.Builtin {
		return f.Property
	}
	return content.PropertyName(prefix, f.Property)
}

var (
	lastRE   = regexp.MustCompile(`^[1-9][0-9]* (MINUTES|HOURS|DAYS)$`)
	columnRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// LoadProfile loads and checks mappings/qradar/<logsource>.yaml.
func LoadProfile(logsource string) (*Profile, *mappings.Logsource, error) {
	type loaded struct {
		p  *Profile
		ls *mappings.Logsource
	}
	l, err := mappings.Derive("qradar-profile/"+logsource, func() (loaded, error) {
		p, ls, err := loadProfile(logsource)
		return loaded{p, ls}, err
	})
	return l.p, l.ls, err
}

func loadProfile(logsource string) (*Profile, *mappings.Logsource, error) {
	var p Profile
	if errs := mappings.Load("qradar", logsource, &p); len(errs) > 0 {
		return nil, nil, errs
	}
	ls, errs := mappings.LoadLogsource(logsource)
	if len(errs) > 0 {
		return nil, nil, errs
	}
	var errs2 diag.List
	if !lastRE.MatchString(p.Last) {
		errs2.Add(diag.Pos{File: "mappings/qradar/" + logsource + ".yaml"}, "last %q must be like \"24 HOURS\" (MINUTES, HOURS or DAYS)", p.Last)
	}
	for _, c := range p.Select {
		if (c.Expr == "") == (c.Field == "") {
			errs2.Add(c.Pos, "a select column needs exactly one of expr and field")
		}
		if c.Alias != "" && !columnRE.MatchString(c.Alias) {
			errs2.Add(c.Pos, "alias %q must be a plain identifier", c.Alias)
		}
	}
	if p.Payload != "" && p.Payload != "json" && p.Payload != "text" {
		errs2.Add(diag.Pos{File: "mappings/qradar/" + logsource + ".yaml"}, "payload %q must be json or text", p.Payload)
	}
	if !columnRE.MatchString(p.ScoreAlias) {
		errs2.Add(diag.Pos{File: "mappings/qradar/" + logsource + ".yaml"}, "score_alias %q must be a plain identifier", p.ScoreAlias)
	}
	if len(p.DeviceTypes) == 0 {
		for _, f := range p.Fields {
			if f.Unavailable == "" {
				errs2.Add(f.Pos, "field %q is mapped, but the profile names no device_types: a field of a log source no DSM parses must be unavailable", f.Field)
			}
		}
	}
	for _, f := range p.Fields {
		if _, ok := ls.Field(f.Field); !ok {
			errs2.Add(f.Pos, "field %q is not in logsource %s", f.Field, logsource)
		}
		if f.Property != "" && f.Column != "" {
			errs2.Add(f.Pos, "field %q: give property or column, not both", f.Field)
		}
		if f.Column != "" && !columnRE.MatchString(f.Column) {
			errs2.Add(f.Pos, "column %q must be a plain identifier", f.Column)
		}
		if _, err := aql.QuoteIdent(f.Property); f.Property != "" && err != nil {
			errs2.Add(f.Pos, "property: %v", err)
		}
		if f.PayloadObject != "" {
			if _, ok := plainPayloadKey(f.PayloadKey); !ok || !columnRE.MatchString(f.PayloadObject) {
				errs2.Add(f.Pos, "field %q: payload_object %q needs a plain JSON key name and a payload_key of the form \"key\":", f.Field, f.PayloadObject)
			}
		}
		if p.Payload == "text" && (f.PayloadKey != "" || len(f.PayloadArrays) > 0) {
			errs2.Add(f.Pos, "field %q: a payload_key or payload_arrays fallback reads JSON, and this log source's payload is text", f.Field)
		}
		if f.PayloadKey != "" && len(f.PayloadArrays) > 0 {
			errs2.Add(f.Pos, "field %q: give payload_key or payload_arrays, not both", f.Field)
		}
		for _, k := range f.PayloadArrays {
			if !columnRE.MatchString(k) {
				errs2.Add(f.Pos, "payload_arrays key %q must be a plain JSON key (letters, digits, _)", k)
			}
		}
	}
	if len(errs2) > 0 {
		return nil, nil, errs2
	}
	return &p, ls, nil
}

func (p *Profile) field(name string) (FieldSpec, bool) {
	for _, f := range p.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// deviceFilter is the cheap integer pre-filter IBM recommends first.
func (p *Profile) deviceFilter() string {
	if len(p.DeviceTypes) == 1 {
		return fmt.Sprintf("devicetype = %d", p.DeviceTypes[0])
	}
	ids := make([]string, len(p.DeviceTypes))
	for i, d := range p.DeviceTypes {
		ids[i] = fmt.Sprint(d)
	}
	return "devicetype IN (" + strings.Join(ids, ", ") + ")"
}

// Property is a QRadar custom event property a rule's query reads.
type Property struct {
	Name            string // as the mapping gives it; the console's is content.PropertyName(prefix, Name)
	Field           string // logical field
	JSONExpression  string // QRadar JSON expression into the DSM payload
	LogSourceTypeID int
}

// Properties lists, sorted by name, the custom properties the query for r
// reads: the console must define them (as JSON-expression properties of
// the log source type) or the property tests never match and only the
// payload fallback works. Names are bare (the mapping's): the extension
// builder and the driver's per-rule list namespace them, once each.
func Properties(r *ir.Rule) ([]Property, error) {
	prof, ls, err := LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	// An aggregation's or a sequence's search selects its groups and
	// aggregates, not the profile's columns.
	if r.Aggregate == nil && r.Sequence == nil {
		for _, c := range prof.Select {
			if c.Field != "" {
				used[c.Field] = true
			}
		}
	}
	// r.Fields() holds the aggregation's and the sequence's fields too: a
	// property the search groups by and the extension lacks would be NULL
	// on the console, and the group would never form.
	for _, f := range r.Fields() {
		used[f] = true
	}
	// The profile's own record filter reads fields too.
	if prof.Scope != nil {
		scope, errs := compile.Scope(ls, prof.Scope)
		if len(errs) > 0 {
			return nil, errs
		}
		for _, m := range ir.Matches(scope) {
			used[m.Field] = true
		}
	}
	var out []Property
	for _, f := range prof.Fields {
		if f.Property == "" || f.Builtin || !used[f.Field] {
			continue
		}
		lf, _ := ls.Field(f.Field)
		if len(lf.Paths) != 1 || strings.Contains(lf.Paths[0], "[]") {
			return nil, fmt.Errorf("field %q: a custom property needs a single path without lists, found %v", f.Field, lf.Paths)
		}
		var expr strings.Builder
		for _, seg := range strings.Split(lf.Paths[0], ".") {
			expr.WriteString(`/"` + seg + `"`)
		}
		out = append(out, Property{Name: f.Property, Field: f.Field, JSONExpression: expr.String(), LogSourceTypeID: prof.DeviceTypes[0]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Covers reports whether a logical field is mapped (property, column or
// payload key) or marked unavailable with a reason.
func (p *Profile) Covers(field string) bool {
	f, ok := p.field(field)
	return ok && (f.Property != "" || f.Column != "" || f.PayloadKey != "" || len(f.PayloadArrays) > 0 || f.Unavailable != "")
}
