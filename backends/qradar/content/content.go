// Package content builds the QRadar content extension (XML) that carries a
// rule's saved search and the custom event properties its AQL reads, and
// reads it back. Element names inside <content> are detgen's documented
// stand-ins: VERIFY them against an extension exported from a console (see
// package push/qradar, which uploads it).
package content

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Property is a custom event property defined by a JSON expression for one
// log source type.
type Property struct {
	// Name is the property name the AQL uses in double quotes, e.g.
	// objectRef_resource.
	Name string
	// JSONExpression selects the value from the JSON event, e.g.
	// /"objectRef"/"resource".
	JSONExpression string
	// LogSourceTypeID is the log source type the expression applies to, e.g.
	// 446 (Kubernetes Auditing).
	LogSourceTypeID int
}

// Search is one rule's AQL to be installed as a saved search.
type Search struct {
	RuleID      string
	Name        string // saved-search name; the key used to find it on the console
	Description string
	Version     int // rule version
	AQL         string
	Properties  []Property // custom properties the AQL needs
}

// Document is the XML shape of an extension. See the package comment for
// which parts are VERIFY.
type Document struct {
	XMLName    xml.Name       `xml:"content"`
	Extension  Header         `xml:"detgen_extension"`
	Properties []PropertyElem `xml:"custom_property"`
	Searches   []SearchElem   `xml:"saved_search"`
}

type Header struct {
	ID          string `xml:"id,attr"`
	Name        string `xml:"name,attr"`
	Version     string `xml:"version,attr"`
	Generator   string `xml:"generator,attr"`
	Description string `xml:"description,omitempty"`
}

type PropertyElem struct {
	Name             string `xml:"name,attr"`
	PropertyType     string `xml:"property_type,attr"`
	LogSourceTypeID  int    `xml:"log_source_type_id,attr"`
	Enabled          bool   `xml:"enabled,attr"`
	UseForRuleEngine bool   `xml:"use_for_rule_engine,attr"`
	JSONExpression   string `xml:"json_expression"`
}

type SearchElem struct {
	RuleID       string        `xml:"rule_id,attr"`
	RuleVersion  int           `xml:"rule_version,attr"`
	Database     string        `xml:"database,attr"`
	IsShared     bool          `xml:"is_shared,attr"`
	Name         string        `xml:"name"`
	Description  string        `xml:"description"`
	AQL          string        `xml:"aql"`
	PropertyRefs []PropertyRef `xml:"custom_property_ref"`
}

type PropertyRef struct {
	Name string `xml:"name,attr"`
}

// BuildExtension renders the content extension for searches. id and version
// identify the extension (the console refuses a second upload of the same id
// and version with 409/22613, so bump version whenever the content changes);
// name and description are informational.
//
// Custom properties are collected from all searches, deduplicated and sorted;
// the same property name may appear with one JSON expression per log source
// type, and a second, different expression for the same name and log source
// type is an error. Saved searches are sorted by (rule id, name) and their
// names must be unique. All errors are collected and returned together.
func BuildExtension(id, name, version, description string, searches []Search) ([]byte, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	checkLabel := func(what, s string) {
		switch {
		case strings.TrimSpace(s) == "":
			bad("%s is empty", what)
		case hasControl(s):
			bad("%s %q contains a control character", what, s)
		case !utf8.ValidString(s):
			bad("%s %q is not valid UTF-8", what, s)
		}
	}
	checkText := func(what, s string) {
		if err := xmlText(s); err != nil {
			bad("%s: %v", what, err)
		}
	}
	checkLabel("extension id", id)
	checkLabel("extension name", name)
	checkLabel("extension version", version)
	checkText("extension description", description)
	if len(searches) == 0 {
		bad("no searches")
	}

	type propKey struct {
		name string
		lst  int
	}
	props := map[propKey]Property{}
	seenSearch := map[string]bool{}
	doc := Document{Extension: Header{
		ID: id, Name: name, Version: version, Generator: "detgen", Description: description,
	}}
	for i, s := range searches {
		where := fmt.Sprintf("search %d (%q)", i, s.Name)
		checkLabel(where+": rule id", s.RuleID)
		checkLabel(where+": name", s.Name)
		if seenSearch[s.Name] {
			bad("%s: duplicate saved-search name", where)
		}
		seenSearch[s.Name] = true
		if s.Version < 0 {
			bad("%s: negative rule version %d", where, s.Version)
		}
		checkText(where+": description", s.Description)
		if strings.TrimSpace(s.AQL) == "" {
			bad("%s: AQL is empty", where)
		}
		checkText(where+": AQL", s.AQL)

		xs := SearchElem{
			RuleID: s.RuleID, RuleVersion: s.Version, Database: "events", IsShared: true,
			Name: s.Name, Description: s.Description, AQL: s.AQL,
		}
		refs := map[string]bool{}
		for _, p := range s.Properties {
			pw := fmt.Sprintf("%s: property %q", where, p.Name)
			if err := checkPropertyName(p.Name); err != nil {
				bad("%s: %v", pw, err)
			}
			if strings.TrimSpace(p.JSONExpression) == "" {
				bad("%s: JSON expression is empty", pw)
			}
			checkText(pw+": JSON expression", p.JSONExpression)
			if p.LogSourceTypeID <= 0 {
				bad("%s: log source type id %d is not positive", pw, p.LogSourceTypeID)
			}
			k := propKey{p.Name, p.LogSourceTypeID}
			if old, ok := props[k]; ok && old.JSONExpression != p.JSONExpression {
				bad("%s: conflicting JSON expressions %q and %q for log source type %d",
					pw, old.JSONExpression, p.JSONExpression, p.LogSourceTypeID)
			} else if !ok {
				props[k] = p
			}
			refs[p.Name] = true
		}
		for _, n := range sortedKeys(refs) {
			xs.PropertyRefs = append(xs.PropertyRefs, PropertyRef{Name: n})
		}
		doc.Searches = append(doc.Searches, xs)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("qradar: invalid extension: %w", errors.Join(errs...))
	}

	for _, p := range props {
		doc.Properties = append(doc.Properties, PropertyElem{
			Name: p.Name, PropertyType: "string", LogSourceTypeID: p.LogSourceTypeID,
			Enabled: true, UseForRuleEngine: true, JSONExpression: p.JSONExpression,
		})
	}
	slices.SortFunc(doc.Properties, func(a, b PropertyElem) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.LogSourceTypeID, b.LogSourceTypeID))
	})
	slices.SortFunc(doc.Searches, func(a, b SearchElem) int {
		return cmp.Or(strings.Compare(a.RuleID, b.RuleID), strings.Compare(a.Name, b.Name))
	})

	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.EncodeToken(xml.Comment(headerComment(doc))); err != nil {
		return nil, fmt.Errorf("qradar: encoding extension: %w", err)
	}
	if err := enc.Flush(); err != nil {
		return nil, fmt.Errorf("qradar: encoding extension: %w", err)
	}
	buf.WriteByte('\n')
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("qradar: encoding extension: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("qradar: encoding extension: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// headerComment names detgen, the extension and every rule id and version.
// Identifiers are sanitised so that the comment stays well-formed.
func headerComment(doc Document) string {
	var b strings.Builder
	b.WriteString("\n  Generated by detgen (github.com/detgen/detgen). Do not edit; regenerate.\n")
	fmt.Fprintf(&b, "  extension %s version %s\n", commentSafe(doc.Extension.ID), commentSafe(doc.Extension.Version))
	for _, s := range doc.Searches {
		fmt.Fprintf(&b, "  rule %s version %d: saved search %s\n",
			commentSafe(s.RuleID), s.RuleVersion, commentSafe(strconv.Quote(s.Name)))
	}
	b.WriteString("  VERIFY: element names are detgen's; see package push/qradar.\n")
	return b.String()
}

// commentSafe removes "--" (forbidden inside XML comments).
func commentSafe(s string) string {
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return s
}

func checkPropertyName(n string) error {
	switch {
	case n == "":
		return errors.New("name is empty")
	case strings.TrimSpace(n) != n:
		return errors.New("name has leading or trailing space")
	case strings.ContainsRune(n, '"'):
		return errors.New(`name contains '"'`)
	case hasControl(n):
		return errors.New("name contains a control character")
	case !utf8.ValidString(n):
		return errors.New("name is not valid UTF-8")
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// xmlText reports whether s survives an XML round trip unchanged:
// valid UTF-8 made only of XML 1.0 characters (encoding/xml would silently
// replace anything else with U+FFFD).
func xmlText(s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return fmt.Errorf("invalid UTF-8 at byte %d", i)
			}
		}
		if !isXMLChar(r) {
			return fmt.Errorf("character %U at byte %d cannot be represented in XML", r, i)
		}
	}
	return nil
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Parse decodes an extension built by BuildExtension.
func Parse(b []byte) (*Document, error) {
	var doc Document
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("qradar: extension is not a detgen content extension: %w", err)
	}
	return &doc, nil
}
