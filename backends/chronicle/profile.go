package chronicle

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/detgen/detgen/compile"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/mappings"
)

// Profile is mappings/chronicle/<logsource>.yaml.
type Profile struct {
	LogTypes []LogType `yaml:"log_types" detgen:"required"`
	// Forms maps a record form (package reader) to the log type SecOps
	// ingests it as; a form may map to a log type the rules do not
	// select. Without Forms every record is the first log type.
	Forms    map[string]string `yaml:"forms"`
	Fields   []UDMField        `yaml:"fields"`
	Outcomes []Outcome         `yaml:"outcomes"`
	// Scope narrows the log types to the log source's records where their
	// event types do not (Sysmon events the parser gives no event type
	// of their own): a detection over catalog fields, added to every log
	// type's branch of every rule.
	Scope *mappings.Scope `yaml:"scope"`
	// scope is Scope compiled.
	scope ir.Expr
}

// LogType is one UDM log type and its type-specific field paths.
type LogType struct {
	Pos  diag.Pos
	Name string `yaml:"name" detgen:"required"`
	// EventTypes, when set, are the metadata.event_type values of the
	// log source's records in this log type.
	EventTypes []string `yaml:"event_types"`
	// EventTypeBy, when set, is how the default parser chooses
	// metadata.event_type: from a catalog field's value. The test runner
	// uses it to build the UDM view of a record.
	EventTypeBy *EventTypeBy `yaml:"event_type_by"`
	// ParserFields are further UDM fields the default parser fills from
	// the record (read by outcomes): path is a catalog-style path into
	// the event, or with raw into the record as received.
	ParserFields []ParserField `yaml:"parser_fields"`
	Fields       []UDMField    `yaml:"fields"`
}

// UDMField maps a logical field to a UDM path (relative to the event
// variable). Wrap, when set, embeds the value alternation into a larger
// regex; DefaultParser records whether Google's parser fills the path.
type UDMField struct {
	Pos           diag.Pos
	Field         string `yaml:"field" detgen:"required"`
	UDM           string `yaml:"udm" detgen:"required"`
	Nocase        bool   `yaml:"nocase"`
	Wrap          string `yaml:"wrap"`
	DefaultParser bool   `yaml:"default_parser"`
	// Extension says how the parser extension a non-default field needs
	// must fill its label from the field's values: "first" value,
	// "joined" (all values, one per line: joined by line breaks) or "any_true" ("true" when
	// any value is true).
	Extension string `yaml:"extension"`
	// Int marks a UDM field of integer type: compared with numbers, not
	// strings.
	Int bool `yaml:"int"`
	// Enum maps the record values the parser rewrites to a UDM enum value
	// (Okta's outcome.result SUCCESS -> security_result.action ALLOW):
	// such a field supports equals on mapped values only, and only on a
	// value no other record value is rewritten to, so the test stays exact.
	Enum map[string]string `yaml:"enum"`
	// Unavailable says why the field cannot be tested on Chronicle.
	Unavailable string `yaml:"unavailable"`
}

// EventTypeBy maps a catalog field's values to UDM event types.
type EventTypeBy struct {
	Field  string            `yaml:"field" detgen:"required"`
	Values map[string]string `yaml:"values" detgen:"required"`
}

// ParserField is a UDM field the default parser fills from a record path.
type ParserField struct {
	Pos  diag.Pos
	UDM  string `yaml:"udm" detgen:"required"`
	Path string `yaml:"path" detgen:"required"`
	Raw  bool   `yaml:"raw"`
}

// Outcome is an extra outcome variable, written as given.
type Outcome struct {
	Pos  diag.Pos
	Name string `yaml:"name" detgen:"required"`
	Expr string `yaml:"expr" detgen:"required"`
}

var (
	udmRE     = regexp.MustCompile(`^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*(\["[A-Za-z0-9_.\-]+"\])?$`)
	logTypeRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	varRE     = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// LoadProfile loads and checks mappings/chronicle/<logsource>.yaml.
func LoadProfile(logsource string) (*Profile, error) {
	return mappings.Derive("chronicle-profile/"+logsource, func() (*Profile, error) { return loadProfile(logsource) })
}

func loadProfile(logsource string) (*Profile, error) {
	var p Profile
	if errs := mappings.Load("chronicle", logsource, &p); len(errs) > 0 {
		return nil, errs
	}
	ls, errs := mappings.LoadLogsource(logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	var bad diag.List
	// check validates one mapping; a log type's own fields are the default
	// parser's, the shared ones may need a parser extension.
	check := func(f UDMField, logTypeOwn bool) {
		if _, ok := ls.Field(f.Field); !ok {
			bad.Add(f.Pos, "field %q is not in logsource %s", f.Field, logsource)
		}
		if !udmRE.MatchString(f.UDM) {
			bad.Add(f.Pos, "udm %q is not a UDM field path (with an optional [\"key\"])", f.UDM)
		}
		switch f.Extension {
		case "", "first", "joined", "any_true":
		default:
			bad.Add(f.Pos, "extension %q must be first, joined or any_true", f.Extension)
		}
		if !f.DefaultParser && f.Extension == "" && !logTypeOwn && f.Unavailable == "" {
			bad.Add(f.Pos, "field %q is not filled by the default parser: say how the parser extension fills it (extension: first|joined|any_true)", f.Field)
		}
		if f.Wrap != "" {
			if strings.Count(f.Wrap, "%s") != 1 || strings.ContainsAny(f.Wrap, "\n\r") {
				bad.Add(f.Pos, "wrap must hold exactly one %%s and no line break")
			} else if _, err := regexp.Compile(fmt.Sprintf(f.Wrap, "x")); err != nil {
				bad.Add(f.Pos, "wrap is not a valid RE2 regex: %v", err)
			}
		}
	}
	for _, lt := range p.LogTypes {
		if !logTypeRE.MatchString(lt.Name) {
			bad.Add(lt.Pos, "log type %q must be upper-case letters, digits and _", lt.Name)
		} else if !yaral.IsKnownLogType(lt.Name) {
			bad.Add(lt.Pos, "log type %q is not in lang/yaral/logtypes.txt: add it there with its evidence", lt.Name)
		}
		for _, f := range lt.Fields {
			check(f, true)
		}
	}
	for _, f := range p.Fields {
		check(f, false)
	}
	for _, o := range p.Outcomes {
		if !varRE.MatchString(o.Name) || o.Name == "risk_score" {
			bad.Add(o.Pos, "outcome name %q must match [a-z][a-z0-9_]* and not be risk_score", o.Name)
		}
	}
	if p.Scope != nil {
		scope, errs := compile.Scope(ls, p.Scope)
		bad = append(bad, errs...)
		p.scope = scope
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return &p, nil
}

// resolve returns the mapping of a field for one log type: its own entry
// first, then the shared one.
func (p *Profile) resolve(lt LogType, field string) (UDMField, bool) {
	for _, f := range lt.Fields {
		if f.Field == field {
			return f, true
		}
	}
	for _, f := range p.Fields {
		if f.Field == field {
			return f, true
		}
	}
	return UDMField{}, false
}

// Requirement is a UDM field a rule reads, per log type.
type Requirement struct {
	LogType       string
	Field         string // logical field
	UDM           string // path below the event variable
	DefaultParser bool   // Google's default parser fills it
	Extension     string // else: how the parser extension must fill it
}

// Requirements lists the UDM fields and labels the rule for r relies on,
// and whether the default parser of each log type fills them; the others
// need a parser extension.
func Requirements(r *ir.Rule) ([]Requirement, error) {
	prof, err := LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	order := r.Fields()
	var out []Requirement
	for _, lt := range prof.LogTypes {
		for _, f := range order {
			m, ok := prof.resolve(lt, f)
			if !ok {
				return nil, fmt.Errorf("field %q has no UDM mapping for log type %s", f, lt.Name)
			}
			// Log-type entries are the default parser's own fields.
			def := m.DefaultParser || slices.ContainsFunc(lt.Fields, func(x UDMField) bool { return x.Field == f })
			out = append(out, Requirement{LogType: lt.Name, Field: f, UDM: m.UDM, DefaultParser: def, Extension: m.Extension})
		}
	}
	return out, nil
}

// Covers reports whether a logical field has a UDM path for a log type
// (its own or a shared one), possibly marked unavailable with a reason.
func (p *Profile) Covers(lt LogType, field string) bool {
	_, ok := p.resolve(lt, field)
	return ok
}
