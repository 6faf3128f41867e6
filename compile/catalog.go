package compile

import (
	"strings"

	"github.com/detgen/detgen/detection"
	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/reader"
)

// Catalog checks a logsource catalog (field types, format, summary
// fields) and compiles its scope: the records of the format that belong
// to the log source. scope is nil when every record does.
func Catalog(ls *mappings.Logsource) (scope ir.Expr, errs diag.List) {
	if ls.Format != "" {
		if _, ok := reader.Lookup(ls.Format); !ok {
			errs.Add(ls.Pos, "format %q is unknown (known: %s)", ls.Format, strings.Join(reader.Formats(), ", "))
		}
	}
	names := map[string]bool{}
	for _, f := range ls.Fields {
		switch ir.FieldType(f.Type) {
		case ir.String, ir.Int, ir.Bool, ir.IP, ir.List:
		default:
			errs.Add(ls.Pos, "field %s: type %q is not one of string, int, bool, ip, list", f.Name, f.Type)
		}
		if names[f.Name] {
			errs.Add(ls.Pos, "field %s is listed twice", f.Name)
		}
		names[f.Name] = true
	}
	for _, s := range ls.Summary {
		if !names[s] {
			errs.Add(ls.Pos, "summary field %s is not a field of the catalog", s)
		}
	}
	if ls.Scope == nil || len(errs) > 0 {
		return nil, errs
	}
	scope, e := Scope(ls, ls.Scope)
	errs.Append(e)
	return scope, errs
}

// Scope compiles a record filter written over a catalog's fields: a
// catalog's own scope, or a target mapping's narrowing of its record
// type (QRadar's EventID filter).
func Scope(ls *mappings.Logsource, sc *mappings.Scope) (ir.Expr, diag.List) {
	var errs diag.List
	file := sc.Pos.File
	opt := detection.Options{
		File: file,
		Resolve: func(name string) (detection.Field, bool) {
			f, ok := ls.Field(name)
			return detection.Field{Name: f.Name, Type: ir.FieldType(f.Type)}, ok
		},
	}
	sels, e := detection.ReadSelections(&sc.Selections, opt)
	errs.Append(e)
	if len(e) > 0 {
		return nil, errs
	}
	scope, e := detection.Condition(sc.Condition, sc.Keys.At("condition"), sels)
	errs.Append(e)
	return scope, errs
}
