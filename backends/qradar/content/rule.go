package content

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"html"
	"net/url"
	"strings"
)

// The <content> document. Element names: custom_rule and its children are
// those of exported content (docs/qradar-content.md, verified); the
// property, expression and search elements are inferred (VERIFY).
type xmlContent struct {
	XMLName       xml.Name            `xml:"content"`
	QRadarVersion string              `xml:"qradarversion,omitempty"`
	Properties    []xmlProperty       `xml:"ariel_regex_property"`
	Expressions   []xmlJSONExpression `xml:"ariel_property_json_expression"`
	Searches      []xmlSearch         `xml:"search"`
	Rules         []xmlCustomRule     `xml:"custom_rule"`
}

// xmlProperty is a custom event property (console table
// ariel_regex_property; the children are that table's columns as an
// export names them — VERIFY).
type xmlProperty struct {
	ID          int    `xml:"id"`
	Name        string `xml:"propertyname"`
	Type        string `xml:"propertytype"`
	Database    string `xml:"database"`
	Description string `xml:"description"`
	ForceParse  bool   `xml:"forceparse"` // "optimized": parsed when the event arrives, usable by rules
	Username    string `xml:"username"`
}

// xmlJSONExpression is one JSON expression of a property for one log
// source type; ap_id is the property's id (as for regex expressions).
// VERIFY the element name.
type xmlJSONExpression struct {
	ID           int    `xml:"id"`
	APID         int    `xml:"ap_id"`
	DeviceTypeID int    `xml:"devicetypeid"`
	Expression   string `xml:"expression"`
	Enabled      bool   `xml:"enabled"`
	Username     string `xml:"username"`
}

// xmlSearch is a saved event search; the children are the fields of GET
// /ariel/saved_searches. VERIFY the element name and children.
type xmlSearch struct {
	UID         string `xml:"uid"`
	Name        string `xml:"name"`
	Description string `xml:"description"`
	Database    string `xml:"database"`
	AQL         string `xml:"aql"`
	Owner       string `xml:"owner"`
	IsShared    bool   `xml:"is_shared"`
}

// xmlCustomRule is a custom rule as exports carry it: rule_data is the
// base64 of the <rule> XML.
type xmlCustomRule struct {
	Origin     string `xml:"origin"`
	ModDate    string `xml:"mod_date,omitempty"`
	RuleData   string `xml:"rule_data"`
	UUID       string `xml:"uuid"`
	RuleType   int    `xml:"rule_type"` // 0: event rule
	ID         int    `xml:"id"`
	CreateDate string `xml:"create_date,omitempty"`
}

// ruleDoc is the <rule> XML inside rule_data, in the shape of exported
// rules (attributes in the order exports show them).
type ruleDoc struct {
	XMLName        xml.Name      `xml:"rule"`
	BuildingBlock  bool          `xml:"buildingBlock,attr"`
	Enabled        bool          `xml:"enabled,attr"`
	ID             int           `xml:"id,attr"`
	Owner          string        `xml:"owner,attr"`
	RoleDefinition bool          `xml:"roleDefinition,attr"`
	Scope          string        `xml:"scope,attr"`
	Type           string        `xml:"type,attr"`
	Name           string        `xml:"name"`
	Notes          string        `xml:"notes"`
	Tests          []ruleTest    `xml:"testDefinitions>test"`
	Actions        ruleActions   `xml:"actions"`
	Responses      ruleResponses `xml:"responses"`
}

type ruleTest struct {
	Group                string          `xml:"group,attr"`
	GroupID              int             `xml:"groupId,attr"`
	ID                   int             `xml:"id,attr"`
	Name                 string          `xml:"name,attr"`
	RequiredCapabilities string          `xml:"requiredCapabilities,attr"`
	UID                  int             `xml:"uid,attr"`
	Text                 string          `xml:"text"`
	Parameters           []ruleParameter `xml:"parameter"`
}

type ruleParameter struct {
	ID                 int          `xml:"id,attr"`
	InitialText        string       `xml:"initialText"`
	SelectionLabel     string       `xml:"selectionLabel"`
	UserOptions        *userOptions `xml:"userOptions"`
	UserSelection      string       `xml:"userSelection"`
	UserSelectionTypes *string      `xml:"userSelectionTypes"`
	UserSelectionID    int          `xml:"userSelectionId"`
}

type userOptions struct {
	Format string `xml:"format,attr"`
	Source string `xml:"source,attr"`
}

type ruleActions struct {
	FlowAnalysisInterval          int  `xml:"flowAnalysisInterval,attr"`
	ForceOffenseCreation          bool `xml:"forceOffenseCreation,attr"`
	IncludeAttackerEventsInterval int  `xml:"includeAttackerEventsInterval,attr"`
	OffenseMapping                int  `xml:"offenseMapping,attr"`
}

type ruleResponses struct {
	ReferenceMap             bool      `xml:"referenceMap,attr"`
	ReferenceMapOfMaps       bool      `xml:"referenceMapOfMaps,attr"`
	ReferenceMapOfMapsRemove bool      `xml:"referenceMapOfMapsRemove,attr"`
	ReferenceMapOfSets       bool      `xml:"referenceMapOfSets,attr"`
	ReferenceMapOfSetsRemove bool      `xml:"referenceMapOfSetsRemove,attr"`
	ReferenceMapRemove       bool      `xml:"referenceMapRemove,attr"`
	ReferenceTable           bool      `xml:"referenceTable,attr"`
	ReferenceTableRemove     bool      `xml:"referenceTableRemove,attr"`
	NewEvent                 *newEvent `xml:"newevent"`
}

// newEvent is the "dispatch new event" response: the event the rule emits,
// with the severity, credibility and relevance that make up the offense's
// magnitude.
type newEvent struct {
	ContributeOffenseName bool   `xml:"contributeOffenseName,attr"`
	Credibility           int    `xml:"credibility,attr"`
	DescribeOffense       bool   `xml:"describeOffense,attr"`
	Description           string `xml:"description,attr"`
	ForceOffenseCreation  bool   `xml:"forceOffenseCreation,attr"`
	LowLevelCategory      int    `xml:"lowLevelCategory,attr"`
	Name                  string `xml:"name,attr"`
	OffenseMapping        int    `xml:"offenseMapping,attr"`
	OverrideOffenseName   bool   `xml:"overrideOffenseName,attr"`
	Relevance             int    `xml:"relevance,attr"`
	Severity              int    `xml:"severity,attr"`
}

// The Custom Rules Engine test "when the event matches this AQL filter
// query". Class, group and parameters as public rule XML shows them; the
// test id (318 here, 320 in another generator) and the encoding of the
// query are VERIFY (docs/qradar-content.md).
const (
	AQLTestClass     = "com.q1labs.semsources.cre.tests.AQL_Test"
	aqlTestID        = 318
	ruleCapabilities = "EventViewer.RULECREATION|SURVEILLANCE.RULECREATION"
	commonTestGroup  = "jsp.qradar.rulewizard.condition.page.group.common"
)

// SingleEventRuleMatch is the low-level category of the event a rule
// dispatches: CRE "Single Event Rule Match" (IBM's CRE category table,
// default severity 5).
const SingleEventRuleMatch = 12002

// DefaultRelevance is the relevance of a dispatched event: the spec has no
// notion of it (relevance is the target's importance, a console matter), so
// the middle of QRadar's 0-10 scale.
const DefaultRelevance = 5

// severityScale maps a spec severity onto QRadar's 0-10 severity. Medium is
// 5, the severity IBM gives its own single-event rule matches; critical is
// the top of the scale; the steps between keep the order and leave room
// either side (0 is never used: it reads as "no severity").
var severityScale = map[string]int{
	"informational": 1,
	"low":           3,
	"medium":        5,
	"high":          8,
	"critical":      10,
}

// credibilityScale maps a spec confidence onto QRadar's 0-10 credibility
// (how far the event can be trusted), on the same steps as severity.
var credibilityScale = map[string]int{
	"low":    3,
	"medium": 5,
	"high":   8,
}

// Severity is the QRadar severity (0-10) of a spec severity.
func Severity(s string) (int, error) {
	if n, ok := severityScale[s]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("severity %q is not informational, low, medium, high or critical", s)
}

// Credibility is the QRadar credibility (0-10) of a spec confidence; an
// empty confidence is medium.
func Credibility(confidence string) (int, error) {
	if confidence == "" {
		confidence = "medium"
	}
	if n, ok := credibilityScale[confidence]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("confidence %q is not low, medium or high", confidence)
}

// aqlFilterTest is the rule test that matches events by the AQL filter.
func aqlFilterTest(filter string) ruleTest {
	property := "property"
	return ruleTest{
		Group: commonTestGroup, GroupID: 1, ID: aqlTestID, Name: AQLTestClass,
		RequiredCapabilities: ruleCapabilities, UID: 0,
		Text: `when the event matches <a href='javascript:editParameter("0", "1")' class='dynamic'>` +
			html.EscapeString(filter) + `</a> AQL filter query`,
		Parameters: []ruleParameter{
			{ID: 1, InitialText: "this", SelectionLabel: "Enter an AQL filter query",
				UserOptions:   &userOptions{Format: "CustomizeParameter-AQL.jsp", Source: "user"},
				UserSelection: EncodeFilter(filter), UserSelectionTypes: &property},
			{ID: 2, InitialText: "", SelectionLabel: "Select a value", UserSelection: "events"},
		},
	}
}

// EncodeFilter is the AQL filter test's stored query: the filter
// percent-encoded (every byte but RFC 3986's unreserved ones), a '|', and
// the JSON array ["filter"] percent-encoded the same way. VERIFY: one
// public generator stores this form, another the bare percent-encoded
// filter.
func EncodeFilter(filter string) string {
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetEscapeHTML(false)
	_ = enc.Encode([]string{filter}) // a []string always encodes
	return escapeData(filter) + "|" + escapeData(strings.TrimSuffix(js.String(), "\n"))
}

// DecodeFilter reverses EncodeFilter; it also accepts the bare
// percent-encoded form.
func DecodeFilter(sel string) (string, error) {
	first, rest, hasRest := strings.Cut(sel, "|")
	filter, err := url.PathUnescape(first)
	if err != nil {
		return "", fmt.Errorf("AQL filter %q is not percent-encoded: %w", first, err)
	}
	if hasRest {
		raw, err := url.PathUnescape(rest)
		if err != nil {
			return "", fmt.Errorf("AQL filter list %q is not percent-encoded: %w", rest, err)
		}
		var list []string
		if err := json.Unmarshal([]byte(raw), &list); err != nil {
			return "", fmt.Errorf("AQL filter list %q is not a JSON list of strings: %w", raw, err)
		}
		if len(list) != 1 || list[0] != filter {
			return "", fmt.Errorf("AQL filter list %q does not repeat the filter %q", raw, filter)
		}
	}
	return filter, nil
}

// escapeData percent-encodes every byte of s except A-Z a-z 0-9 - . _ ~
// (RFC 3986 unreserved), in upper-case hex.
func escapeData(s string) string {
	const hexDigits = "0123456789ABCDEF"
	unreserved := func(c byte) bool {
		return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
	}
	n := len(s)
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n += 2
		}
	}
	b := make([]byte, 0, n) // one allocation: filters run to kilobytes
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

// encodeRuleTo renders into b the rule XML that goes, base64-encoded,
// into rule_data (xml.MarshalIndent's bytes).
func encodeRuleTo(b *bytes.Buffer, r ruleDoc) error {
	enc := xml.NewEncoder(b)
	enc.Indent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("encoding rule XML: %w", err)
	}
	return enc.Close()
}

// stableID is a numeric id for an item of the extension, derived from its
// kind and key so that it does not move when other items are added. Exports
// carry the console's own ids; an import assigns new ones (VERIFY), so
// these only tie the items of one file together. They sit far above the
// ids a console hands out.
func stableID(kind, key string) int {
	return 1_000_000_000 + int(crc32.ChecksumIEEE([]byte(kind+"\x00"+key))%1_000_000_000)
}

// uuidNamespace is RFC 4122's URL namespace; detgen's item URLs live in it.
var uuidNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// uuid5 is the name-based (SHA-1, version 5) UUID of an item: stable across
// builds and rule versions, so reinstalling replaces the item rather than
// adding another (a custom rule's uuid is its identifier in GET
// /analytics/rules).
func uuid5(kind, key string) string {
	h := sha1.New()
	h.Write(uuidNamespace[:])
	h.Write([]byte("https://github.com/detgen/detgen/qradar/" + kind + "/" + key))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u[:])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// RuleUUID is the uuid of the custom rule built for a spec id.
func RuleUUID(ruleID string) string { return uuid5("custom_rule", ruleID) }

// digest names the content of a rule XML in a search's description.
func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:8])
}
