// Package reader turns a decoded log record into the event form a
// logsource catalog's field paths are written for. Each catalog names its
// record format; a format is a Go reader here, so a new log source in a
// known format is data only (mappings/).
//
// A reader also names the record's form (which wrapper or channel it came
// in): the target mappings say per form how the SIEM ingests the record.
package reader

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/detgen/detgen/k8saudit"
	"github.com/detgen/detgen/record"
)

// ErrForeign is returned for a valid record of another format.
var ErrForeign = errors.New("not a record of this format")

// Func reads one decoded JSON object.
type Func func(rec map[string]any) (ev map[string]any, form string, err error)

var formats = map[string]Func{
	"json":          plainJSON,
	"k8s_audit":     k8sAudit,
	"windows_event": windowsEvent,
}

// keeps lists, per format, the top-level keys the reader reads whole
// besides the catalog's paths (package scan decodes only those paths and
// these keys): the wrappers and type markers of each record form.
// TestProjectedScanAgrees in package scan runs the corpora through both
// decodings and fails when a reader reads a key missing here.
var keeps = map[string][]string{
	"json":          nil,
	"k8s_audit":     {"protoPayload", "properties", "category", "verb", "objectRef", "kind", "requestURI", "operation", "timestamp", "insertId"},
	"windows_event": {"Event", "EventID", "Channel"},
}

// constants lists, per format, the values its reader writes that need
// not occur in the record's text (package scan skips lines by the text
// a rule's values need).
var constants = map[string][]string{
	"k8s_audit": {"Event", "audit.k8s.io/v1"}, // a GKE LogEntry's kind and apiVersion
}

// Constants returns the values the reader of format may write itself.
func Constants(format string) []string { return constants[format] }

// Keeps returns the top-level keys the reader of format reads whole.
func Keeps(format string) []string { return keeps[format] }

// Lookup returns the reader of a format.
func Lookup(format string) (Func, bool) {
	f, ok := formats[format]
	return f, ok
}

// Formats lists the known formats, sorted.
func Formats() []string {
	var out []string
	for k := range formats {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// plainJSON is a record whose fields are read as they are: CloudTrail,
// GCP LogEntry, Okta System Log, Azure and Microsoft 365 records, auditd
// or Sysmon for Linux events exported as JSON.
func plainJSON(rec map[string]any) (map[string]any, string, error) {
	return rec, "json", nil
}

func k8sAudit(rec map[string]any) (map[string]any, string, error) {
	ev, form, err := k8saudit.Normalize(rec)
	if errors.Is(err, k8saudit.ErrNotAudit) {
		return nil, "", ErrForeign
	}
	return ev, string(form), err
}

// windowsEvent flattens a Windows event rendered to JSON (the layout of
// SigmaHQ's regression data: {"Event": {"System": {...}, "EventData":
// {...}}}) into Sigma's field names: EventData and UserData children by
// name, System scalars by name, System attributes as Tag_Attribute
// (Provider_Name, Execution_ProcessID). A record that is already flat
// (has EventID at the top) is taken as it is. The form is the channel.
func windowsEvent(rec map[string]any) (map[string]any, string, error) {
	if _, ok := rec["EventID"]; ok {
		ch, _ := record.Scalar(rec["Channel"])
		return rec, ch, nil
	}
	evt, ok := rec["Event"].(map[string]any)
	if !ok {
		return nil, "", ErrForeign
	}
	sys, ok := evt["System"].(map[string]any)
	if !ok {
		return nil, "", fmt.Errorf("windows event without System")
	}
	out := map[string]any{}
	for k, v := range sys {
		switch x := v.(type) {
		case map[string]any:
			if attrs, ok := x["#attributes"].(map[string]any); ok {
				for a, av := range attrs {
					out[k+"_"+a] = av
				}
			}
			if t, ok := x["#text"]; ok {
				out[k] = t
			}
		default:
			out[k] = v
		}
	}
	if ed, ok := evt["EventData"].(map[string]any); ok {
		for k, v := range ed {
			if k != "#attributes" {
				out[k] = v
			}
		}
	}
	if ud, ok := evt["UserData"].(map[string]any); ok {
		for _, el := range ud {
			if m, ok := el.(map[string]any); ok {
				for k, v := range m {
					if !strings.HasPrefix(k, "#") {
						out[k] = v
					}
				}
			}
		}
	}
	ch, _ := record.Scalar(out["Channel"])
	return out, ch, nil
}
