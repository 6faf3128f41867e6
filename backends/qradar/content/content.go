// Package content builds the QRadar content extension of a build: one
// archive (a zip holding one <content> XML file, the shape of a QRadar
// content export) that carries, for every rule, a saved search with the
// rule's AQL and a real-time custom rule whose test is the AQL's WHERE
// clause as an "AQL filter query", plus the custom event properties (JSON
// expressions) the AQL reads. Package push/qradar uploads it; Parse reads it
// back.
//
// What is verified against IBM sources and public exports, what is
// inferred, and what must still be checked on a console (VERIFY) is in
// docs/qradar-content.md. In short: the upload format (an XML content
// export, alone or in a zip), <content>, <custom_rule> with base64
// rule_data, and the <rule> XML inside it are taken from real exports; the
// AQL filter test's id and parameter encoding, the custom-property and
// saved-search element names are inferred and marked VERIFY.
package content

import (
	"archive/zip"
	"bytes"
	"cmp"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/detgen/detgen/internal/parallel"
	"github.com/detgen/detgen/lang/aql"
)

// Property is a custom event property defined by a JSON expression for one
// log source type.
type Property struct {
	// Name is the property name as the mapping gives it, e.g.
	// objectRef_resource. The console name is PropertyName(prefix, Name).
	Name string
	// JSONExpression selects the value from the JSON event, e.g.
	// /"objectRef"/"resource".
	JSONExpression string
	// LogSourceTypeID is the log source type the expression applies to: the
	// first of the profile's device_types (mappings/qradar), never a
	// constant here.
	LogSourceTypeID int
}

// Search is one rule: installed as a saved search (the AQL) and as a
// real-time custom rule (the AQL's WHERE clause as an AQL filter test).
type Search struct {
	RuleID      string // the spec's id; the rule's and search's UUIDs derive from it
	Name        string // saved-search and custom-rule name; the key used to find them on the console
	Description string
	Version     int    // rule version
	AQL         string // the full SELECT; its WHERE clause is the custom rule's filter
	Severity    string // spec severity: informational, low, medium, high, critical
	Confidence  string // spec confidence: low, medium, high ("" = medium)
	Created     string // spec date, YYYY-MM-DD ("" = not written)
	Modified    string // spec modified date, YYYY-MM-DD ("" = not written)
	Properties  []Property
}

// Options are the build-wide settings of an extension.
type Options struct {
	// Name is the stem of the XML file inside the archive (Name+".xml");
	// letters, digits, '.', '_' and '-' only.
	Name string
	// PropertyPrefix namespaces every custom property the extension
	// defines: the console name of property p is
	// PropertyName(PropertyPrefix, p.Name). The AQL must already use that
	// name (Build checks it): the prefix has to be applied by the AQL
	// generator too, through PropertyName.
	PropertyPrefix string
	// Owner is the console user written as the owner of searches and
	// rules ("" = admin).
	Owner string
	// RulesDisabled installs the custom rules disabled.
	RulesDisabled bool
	// QRadarVersion, when set, is written as <qradarversion> (exports carry
	// the version of the console they came from; VERIFY whether an import
	// requires or checks it).
	QRadarVersion string
}

// DefaultPropertyPrefix is the namespace detgen's own custom properties
// carry on a console (driver.QRadarOptions), so that they never collide
// with a console's existing properties (see PropertyName).
const DefaultPropertyPrefix = "detgen_"

// PropertyName is the console name of a custom property: prefix + name. It
// is the one place the namespacing is defined; the AQL generator and the
// content builder must both use it. Names the DSM defines (builtin
// properties) are IBM's and are never prefixed: do not call it for them.
func PropertyName(prefix, name string) string { return prefix + name }

// fileStemRE is what Options.Name may hold.
var fileStemRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Build renders the <content> XML for searches. The output is
// deterministic: no timestamps except the rules' own dates, properties
// sorted by (name, log source type), searches and rules by (rule id, name),
// ids derived from names. All errors are collected and returned together.
func Build(opts Options, searches []Search) ([]byte, error) {
	var buf bytes.Buffer
	if err := assemble(opts, searches).WriteXML(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// assemble adds searches to an assembler in memory, on every core.
func assemble(opts Options, searches []Search) *Assembler {
	a := NewAssembler(opts, nil)
	parallel.Each(len(searches), func(i int) { a.Add(i, searches[i]) })
	return a
}

// zipTime is the modification time of the archive's entry: fixed, so that
// equal input gives equal bytes.
var zipTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// BuildArchive is Build wrapped in a zip holding the one file
// opts.Name+".xml" (stored, not compressed, so the bytes do not depend on
// the compressor). This is what detgen build writes and detgen push qradar
// uploads.
func BuildArchive(opts Options, searches []Search) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteArchive(&buf, opts, searches); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteArchive writes BuildArchive's bytes to w. Nothing is written when
// the searches are invalid.
func WriteArchive(w io.Writer, opts Options, searches []Search) error {
	return assemble(opts, searches).WriteArchive(w)
}

// WriteArchive checks the searches added and writes the archive of their
// extension to w, streamed (BuildArchive's bytes). Nothing is written when
// they are invalid.
func (a *Assembler) WriteArchive(w io.Writer) error {
	m, err := a.check()
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: a.opts.Name + ".xml", Method: zip.Store, Modified: zipTime})
	if err != nil {
		return fmt.Errorf("qradar: writing extension archive: %w", err)
	}
	if err := a.writeXML(fw, m); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("qradar: writing extension archive: %w", err)
	}
	return nil
}

// IsArchive reports whether b is a zip archive (as BuildArchive writes)
// rather than bare XML.
func IsArchive(b []byte) bool { return bytes.HasPrefix(b, []byte("PK\x03\x04")) }

// item is one search of the extension, with its custom rule (none for an
// aggregating search).
type item struct {
	ruleID, name string
	search       xmlSearch
	rule         xmlCustomRule
	ruleIDNum    int // the custom rule's id, 0 for none
}

// prepared is one search worked out alone: its problems in the order
// found, the properties it defines (console names) and its item, the
// custom rule encoded. What involves several searches (duplicates,
// colliding ids, conflicting properties) is checked after (merge).
type prepared struct {
	search Search
	errs   []error
	props  []Property
	item   *item // nil when the search has a problem
}

// prepare works out search s alone.
func prepare(opts Options, s Search) *prepared {
	owner := cmp.Or(opts.Owner, "admin")
	part := &prepared{search: s}
	bad := func(format string, args ...any) {
		part.errs = append(part.errs, fmt.Errorf(format, args...))
	}
	where := fmt.Sprintf("search %q", s.Name)
	checkLabel(bad, where+": rule id", s.RuleID)
	checkLabel(bad, where+": name", s.Name)
	checkText := func(what, s string) {
		if err := xmlText(s); err != nil {
			bad("%s: %v", what, err)
		}
	}
	if s.Version < 0 {
		bad("%s: negative rule version %d", where, s.Version)
	}
	checkText(where+": description", s.Description)
	checkText(where+": AQL", s.AQL)
	sev, err := Severity(s.Severity)
	if err != nil {
		bad("%s: %v", where, err)
	}
	cred, err := Credibility(s.Confidence)
	if err != nil {
		bad("%s: %v", where, err)
	}
	created, err := exportDate(s.Created)
	if err != nil {
		bad("%s: date: %v", where, err)
	}
	modified, err := exportDate(s.Modified)
	if err != nil {
		bad("%s: modified: %v", where, err)
	}
	q, filter, err := parseAQL(s.AQL)
	if err != nil {
		bad("%s: %v", where, err)
	}
	// Every property the extension defines for this search must be the
	// one its AQL reads.
	quoted := map[string]bool{}
	if q != nil {
		aql.Inspect(q, func(n aql.Node) bool {
			if id, ok := n.(*aql.Ident); ok && id.Quoted {
				quoted[id.Name] = true
			}
			return true
		})
	}
	defined := map[string]bool{}
	for _, p := range s.Properties {
		name := PropertyName(opts.PropertyPrefix, p.Name)
		defined[name] = true
		pw := fmt.Sprintf("%s: property %q", where, name)
		if err := checkPropertyName(name); err != nil {
			bad("%s: %v", pw, err)
		}
		if q != nil && !quoted[name] {
			bad("%s is not read by the AQL (it reads %s): the AQL generator and the extension must name properties alike (content.PropertyName)",
				pw, strings.Join(sortedKeys(quoted), ", "))
		}
		if strings.TrimSpace(p.JSONExpression) == "" {
			bad("%s: JSON expression is empty", pw)
		}
		checkText(pw+": JSON expression", p.JSONExpression)
		if p.LogSourceTypeID <= 0 {
			bad("%s: log source type id %d is not positive", pw, p.LogSourceTypeID)
		}
		part.props = append(part.props, Property{Name: name, JSONExpression: p.JSONExpression, LogSourceTypeID: p.LogSourceTypeID})
	}
	// And the converse: a name in detgen's namespace the AQL reads is
	// one the search ships, or it is NULL on every console.
	if opts.PropertyPrefix != "" {
		for _, n := range sortedKeys(quoted) {
			if strings.HasPrefix(n, opts.PropertyPrefix) && !defined[n] {
				bad("%s: the AQL reads property %q, which the search does not define (qradar.Properties must list every field the AQL reads)", where, n)
			}
		}
	}
	if len(part.errs) > 0 {
		return part
	}
	if aggregating(q) {
		// A count over a window is a counter test in the CRE, whose
		// XML no public export shows: ship the search alone.
		part.item = &item{ruleID: s.RuleID, name: s.Name, search: xmlSearch{
			UID: uuid5("search", s.RuleID), Name: s.Name,
			Description: searchDescription(s, nil),
			Database:    "EVENTS", AQL: s.AQL, Owner: owner, IsShared: true,
		}}
		return part
	}
	ruleID := stableID("custom_rule", s.RuleID)
	rb := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(rb)
	rb.Reset()
	err = encodeRuleTo(rb, ruleDoc{
		BuildingBlock: false, Enabled: !opts.RulesDisabled, ID: ruleID, Owner: owner,
		RoleDefinition: false, Scope: "LOCAL", Type: "EVENT",
		Name: s.Name, Notes: s.Description,
		Tests:   []ruleTest{aqlFilterTest(filter)},
		Actions: ruleActions{ForceOffenseCreation: true},
		Responses: ruleResponses{NewEvent: &newEvent{
			ContributeOffenseName: true, Credibility: cred, DescribeOffense: true, Description: s.Description,
			ForceOffenseCreation: true, LowLevelCategory: SingleEventRuleMatch, Name: s.Name,
			Relevance: DefaultRelevance, Severity: sev,
		}},
	})
	if err != nil {
		bad("%s: %v", where, err)
		return part
	}
	ruleXML := rb.Bytes()
	part.item = &item{
		ruleID: s.RuleID, name: s.Name, ruleIDNum: ruleID,
		search: xmlSearch{
			UID: uuid5("search", s.RuleID), Name: s.Name,
			Description: searchDescription(s, ruleXML),
			Database:    "EVENTS", AQL: s.AQL, Owner: owner, IsShared: true,
		},
		rule: xmlCustomRule{
			Origin: "USER", ModDate: modified, RuleData: base64.StdEncoding.EncodeToString(ruleXML),
			UUID: uuid5("custom_rule", s.RuleID), RuleType: 0, ID: ruleID, CreateDate: created,
		},
	}
	return part
}

// checkLabel reports a name or id that is empty, holds a control
// character or is not UTF-8.
func checkLabel(bad func(string, ...any), what, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		bad("%s is empty", what)
	case hasControl(s):
		bad("%s %q contains a control character", what, s)
	case !utf8.ValidString(s):
		bad("%s %q is not valid UTF-8", what, s)
	}
}

// searchDescription is the saved search's description: the rule's, plus a
// line naming detgen, the rule and version, and a digest of the custom
// rule, so that a console whose search shows another description runs an
// older or different rule (push qradar compares it).
func searchDescription(s Search, ruleXML []byte) string {
	line := fmt.Sprintf("detgen rule %s version %d; custom rule %s", s.RuleID, s.Version, digest(ruleXML))
	if ruleXML == nil {
		line = fmt.Sprintf("detgen rule %s version %d; no custom rule (aggregating search)", s.RuleID, s.Version)
	}
	if strings.TrimSpace(s.Description) == "" {
		return line
	}
	return strings.TrimRight(s.Description, " \t\r\n") + "\n\n" + line
}

// aggregating reports whether a query counts over groups of events
// (GROUP BY, HAVING): no single-event AQL filter expresses it.
func aggregating(q *aql.Query) bool { return len(q.GroupBy) > 0 || q.Having != nil }

// BuildsRule reports whether the extension carries a custom rule for s:
// every search whose AQL does not aggregate. Aggregating searches are
// shipped as saved searches only (docs/qradar-content.md).
func BuildsRule(s Search) bool {
	q, err := aql.Parse(s.AQL)
	return err == nil && !aggregating(q)
}

// exportDate turns a spec date (YYYY-MM-DD) into the form of an export's
// <create_date>/<mod_date> (2025-03-26T16:11:26.275+01:00), at midnight UTC.
func exportDate(d string) (string, error) {
	if d == "" {
		return "", nil
	}
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return "", fmt.Errorf("%q is not YYYY-MM-DD", d)
	}
	return t.Format("2006-01-02T15:04:05.000-07:00"), nil
}

// parseAQL parses a saved search's AQL and returns its WHERE clause as one
// line of AQL: the custom rule's filter.
func parseAQL(src string) (*aql.Query, string, error) {
	if strings.TrimSpace(src) == "" {
		return nil, "", errors.New("AQL is empty")
	}
	q, err := aql.Parse(src)
	if err != nil {
		return nil, "", fmt.Errorf("AQL does not parse: %v", err)
	}
	if q.Where == nil {
		return q, "", errors.New("AQL has no WHERE clause: the custom rule would match every event")
	}
	if q.Table != "events" {
		return q, "", fmt.Errorf("AQL reads %s: only event rules are built", q.Table)
	}
	return q, aql.PrintExpr(q.Where), nil
}

// headerComment names detgen and every rule, so that a reader of the file
// knows where it came from. Identifiers are sanitised so that the comment
// stays well-formed.
func headerComment(items []*entry) string {
	var b strings.Builder
	b.WriteString("\n  Generated by detgen (github.com/detgen/detgen). Do not edit; regenerate.\n")
	b.WriteString("  Each rule is a saved search (<search>) and a custom rule (<custom_rule>, rule XML base64 in <rule_data>).\n")
	for _, e := range items {
		fmt.Fprintf(&b, "  rule %s version %d, severity %s\n", commentSafe(e.ruleID), e.version, commentSafe(e.severity))
	}
	b.WriteString("  VERIFY: see docs/qradar-content.md for which element names are verified.\n")
	return b.String()
}

// commentSafe removes "--" (forbidden inside XML comments) and anything
// that is not printable.
func commentSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) || !isXMLChar(r) {
			return '?'
		}
		return r
	}, s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "-")
	}
	return strings.TrimSuffix(s, "-")
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

// readArchive returns the one XML file of a zip archive.
func readArchive(b []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("not a zip archive: %w", err)
	}
	var found *zip.File
	for _, f := range zr.File {
		if strings.HasSuffix(strings.ToLower(f.Name), ".xml") {
			if found != nil {
				return nil, fmt.Errorf("archive holds more than one XML file (%s, %s)", found.Name, f.Name)
			}
			found = f
		}
	}
	if found == nil {
		return nil, errors.New("archive holds no XML file")
	}
	rc, err := found.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 256<<20))
}
