// Package record reads values out of a decoded JSON event: the field
// paths of the logsource catalogs, and all of an event's text for keyword
// searches.
package record

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Values returns every value at a dotted path, in which a "[]" suffix on
// a segment expands a list (containers[].image); a list at the end of the
// path yields each element. Scalars are returned as text: booleans as
// "true"/"false", numbers in plain decimal (never exponent form). null and
// missing values yield nothing.
func Values(ev map[string]any, path string) []string {
	return Compile(path).Append(nil, ev)
}

// Path is a dotted path split once, for reading many events.
type Path []step

type step struct {
	key  string
	list bool // the segment ended in "[]"
}

var pathCache sync.Map // string -> Path

// Compile splits path (cached: records are read at the few paths of the
// catalogs and specs, millions of times in a scan, and splitting each
// time was a tenth of scan's CPU).
func Compile(path string) Path {
	if v, ok := pathCache.Load(path); ok {
		return v.(Path)
	}
	var p Path
	for _, seg := range segments(path) {
		key, list := strings.CutSuffix(seg, "[]")
		p = append(p, step{key, list})
	}
	pathCache.Store(path, p)
	return p
}

// Append appends every value at p in ev to out, as Values reads them.
func (p Path) Append(out []string, ev map[string]any) []string {
	return p.walk(out, ev)
}

func (p Path) walk(out []string, v any) []string {
	if len(p) == 0 {
		if x, ok := v.([]any); ok {
			for _, e := range x {
				if s, ok := Scalar(e); ok {
					out = append(out, s)
				}
			}
			return out
		}
		if s, ok := Scalar(v); ok {
			out = append(out, s)
		}
		return out
	}
	m, ok := v.(map[string]any)
	if !ok {
		return out
	}
	next, ok := m[p[0].key]
	if !ok {
		return out
	}
	if p[0].list {
		items, ok := next.([]any)
		if !ok {
			return out
		}
		for _, it := range items {
			out = p[1:].walk(out, it)
		}
		return out
	}
	return p[1:].walk(out, next)
}

// Has reports whether ev has a value at p (Values would return some).
func (p Path) Has(v any) bool {
	if len(p) == 0 {
		if x, ok := v.([]any); ok {
			for _, e := range x {
				if _, ok := Scalar(e); ok {
					return true
				}
			}
			return false
		}
		_, ok := Scalar(v)
		return ok
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	next, ok := m[p[0].key]
	if !ok {
		return false
	}
	if p[0].list {
		items, _ := next.([]any)
		for _, it := range items {
			if p[1:].Has(it) {
				return true
			}
		}
		return false
	}
	return p[1:].Has(next)
}

// Scalar is the text of a JSON scalar; ok is false for null, maps and
// lists.
func Scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	}
	return "", false
}

// Strings returns every scalar value of the event, depth first with map
// keys in sorted order: the text a keyword search looks in.
func Strings(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		default:
			if s, ok := Scalar(x); ok {
				out = append(out, s)
			}
		}
	}
	walk(v)
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Dotted returns every value at a dotted path in which any level may be a
// list (each element is searched), the way Sigma field names such as
// requestObject.spec.containers.image read a nested JSON event. A key
// that itself holds dots (Sigma's flattened names) is tried whole first.
func Dotted(ev map[string]any, path string) []string {
	if v, ok := ev[path]; ok {
		return leaf(v)
	}
	var out []string
	var walk func(v any, segs []string)
	walk = func(v any, segs []string) {
		if list, ok := v.([]any); ok {
			for _, e := range list {
				walk(e, segs)
			}
			return
		}
		if len(segs) == 0 {
			out = append(out, leaf(v)...)
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		if next, ok := m[segs[0]]; ok {
			walk(next, segs[1:])
		}
	}
	walk(ev, segments(path))
	return out
}

func leaf(v any) []string {
	if list, ok := v.([]any); ok {
		var out []string
		for _, e := range list {
			if s, ok := Scalar(e); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if s, ok := Scalar(v); ok {
		return []string{s}
	}
	return nil
}

// segmentCache holds split paths: records are read at the few paths of the
// catalogs and specs, millions of times in a scan, and splitting each time
// was a tenth of scan's CPU.
var segmentCache sync.Map // path -> []string

// segments is path split at dots; callers must not modify the result.
func segments(path string) []string {
	if v, ok := segmentCache.Load(path); ok {
		return v.([]string)
	}
	segs := strings.Split(path, ".")
	segmentCache.Store(path, segs)
	return segs
}
