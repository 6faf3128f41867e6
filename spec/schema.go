package spec

import (
	"bytes"
	"encoding/json"
)

// This file describes the spec format key by key (Format), for people and
// tools: `detgen schema` prints it as a JSON Schema (draft 2020-12) and
// docs/spec.md documents the same keys. Tests check that Format has
// exactly the keys, required keys and types of the structs in spec.go, and
// that every rule under rules/ validates against the generated schema.
//
// The schema states what the decoder and the syntax-level checks of
// package compile accept. Checks that need the field catalog, ATT&CK or
// the other keys' values (a field exists, an ATT&CK name, a test's score)
// stay with detgen validate.

// Node describes one value of the spec format.
type Node struct {
	// Type is object, array, string, integer or boolean; empty for a value
	// kept as raw YAML (an inline test event, the selections).
	Type        string
	Description string
	Enum        []string
	Pattern     string
	Format      string // a JSON Schema format annotation, e.g. date
	Minimum     *int
	Maximum     *int
	MinItems    int
	MaxItems    int
	UniqueItems bool
	// Keys are an object's keys in spec order; no other key is allowed.
	Keys []Key
	// Items describes an array's elements.
	Items *Node
	// Ref points at a definition under $defs (Defs below) instead.
	Ref string
	// Extra holds further JSON Schema keywords for constraints between
	// keys (oneOf, anyOf), written as they appear in the schema.
	Extra Object
}

// Key is one key of an object.
type Key struct {
	Name string
	// Required keys must be present; a required string or list must also
	// be non-empty (the decoder's rule).
	Required bool
	Node     *Node
}

// Object is a JSON object whose members keep their order when marshalled.
type Object []Member

// Member is one member of an Object.
type Member struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order.
func (o Object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// Patterns shared by the schema and its tests. They are the checks package
// compile and package detection apply, written as JSON Schema patterns
// (ECMA-262, which these use in the subset Go's regexp reads the same way).
const (
	UUIDv4Pattern        = `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`
	NamePattern          = `^[a-z][a-z0-9_]{0,127}$`
	DatePattern          = `^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	OneLinePattern       = `^[^\r\n]*$`
	TacticPattern        = `^TA[0-9]{4}$`
	TechniquePattern     = `^T[0-9]{4}$`
	SubtechniquePattern  = `^T[0-9]{4}\.[0-9]{3}$`
	AttackURLPattern     = `^https://attack\.mitre\.org/techniques/T[0-9]{4}/([0-9]{3}/)?$`
	TagPattern           = `^[a-z0-9][a-z0-9._-]{0,63}$`
	QRadarLastPattern    = `^[1-9][0-9]* (MINUTES|HOURS|DAYS)$`
	SelectionNamePattern = `^[A-Za-z_][A-Za-z0-9_-]*$`
	// FieldTestPattern is a selection map's key: a field name and its
	// modifiers, or '|all' alone (every keyword of a list must occur).
	FieldTestPattern = `^([A-Za-z0-9_.\-]+(\|[a-z0-9]+)*|\|all)$`
	// ConditionPattern: the characters the condition tokenizer reads.
	ConditionPattern = `^[A-Za-z0-9_*() \t\r\n-]+$`
)

// Enumerations of the spec format.
var (
	Statuses     = []string{"experimental", "test", "stable", "deprecated", "unsupported"}
	Severities   = []string{"informational", "low", "medium", "high", "critical"}
	Confidences  = []string{"low", "medium", "high"}
	Targets      = []string{"qradar", "chronicle", "sigma"}
	conditionKWs = []string{"and", "or", "not", "of", "them", "all", "any"}
)

func intp(i int) *int { return &i }

func str(desc string) *Node { return &Node{Type: "string", Description: desc} }

func line(desc string) *Node {
	return &Node{Type: "string", Description: desc, Pattern: OneLinePattern}
}

func strs(desc string) *Node {
	return &Node{Type: "array", Description: desc, Items: &Node{Type: "string"}}
}

func ref(desc string, idPattern, what string) *Node {
	return &Node{Type: "object", Description: desc, Keys: []Key{
		{"id", true, &Node{Type: "string", Description: "ATT&CK " + what + " id", Pattern: idPattern}},
		{"name", true, str("ATT&CK " + what + " name, exactly as in the pinned ATT&CK version")},
	}}
}

// Format is the spec format: one YAML document per rule, decoded strictly
// (an unknown or duplicate key is an error).
var Format = &Node{
	Type:        "object",
	Description: "A detgen detection spec: one YAML file per rule under rules/. docs/spec.md documents every key.",
	Keys: []Key{
		{"id", true, &Node{Type: "string", Description: "Lower-case UUID version 4; names the output files.", Pattern: UUIDv4Pattern}},
		{"name", true, &Node{Type: "string", Description: "Rule name, [a-z][a-z0-9_]* (at most 128 characters); the YARA-L rule name.", Pattern: NamePattern}},
		{"title", true, line("One-line human title.")},
		{"version", true, &Node{Type: "integer", Description: "Rule version, 1 or more; raised whenever a compiled output changes.", Minimum: intp(1)}},
		{"status", true, &Node{Type: "string", Description: "Maturity, as in Sigma.", Enum: Statuses}},
		{"description", true, str("What the rule detects and why it matters.")},
		{"author", true, line("Author (one line).")},
		{"date", true, &Node{Type: "string", Description: "Creation date, YYYY-MM-DD (quote it in YAML).", Pattern: DatePattern, Format: "date"}},
		{"modified", true, &Node{Type: "string", Description: "Date of the last change, YYYY-MM-DD: the date of the last changelog line.", Pattern: DatePattern, Format: "date"}},
		{"changelog", true, &Node{Type: "array", Description: "One line per version, in order; the last is for the current version.", Items: &Node{
			Type: "object", Description: "One changelog line.", Keys: []Key{
				{"version", true, &Node{Type: "integer", Description: "The version this line introduces; each line is the previous one plus one.", Minimum: intp(1)}},
				{"date", true, &Node{Type: "string", Description: "Date of the version, YYYY-MM-DD.", Pattern: DatePattern, Format: "date"}},
				{"change", true, line("What changed and why (one line).")},
			}}}},
		{"severity", true, &Node{Type: "string", Description: "Severity of a true positive.", Enum: Severities}},
		{"confidence", true, &Node{Type: "string", Description: "Confidence that a hit is a true positive.", Enum: Confidences}},
		{"attack", true, &Node{Type: "object", Description: "MITRE ATT&CK mapping, checked against the pinned ATT&CK Enterprise version.", Keys: []Key{
			{"tactics", true, &Node{Type: "array", Description: "Tactics of the technique that the rule covers.", Items: ref("One tactic.", TacticPattern, "tactic")}},
			{"technique", true, ref("The technique.", TechniquePattern, "technique")},
			{"subtechnique", false, ref("The sub-technique, when the rule maps to one; its id starts with the technique's.", SubtechniquePattern, "sub-technique")},
			{"url", true, &Node{Type: "string", Description: "ATT&CK page of the most specific technique.", Pattern: AttackURLPattern}},
		}}},
		{"data_sources", true, strs("The logs the rule needs, and at which level.")},
		{"references", false, strs("Links to the sources of the rule.")},
		{"false_positives", true, strs("Known benign causes of hits.")},
		{"tuning", false, strs("How to tune the rule for an environment.")},
		{"testing", false, &Node{Type: "object", Description: "Human test methodology (documentation; detgen test runs tests, below).", Keys: []Key{
			{"methodology", false, str("How to exercise the rule.")},
			{"cases", false, &Node{Type: "array", Description: "Adversary scenarios and the telemetry they should leave.", Items: &Node{
				Type: "object", Description: "One scenario.", Keys: []Key{
					{"name", true, str("Scenario name.")},
					{"expected", true, str("The telemetry expected in the log.")},
				}}}},
		}}},
		{"tests", false, &Node{Type: "array", Description: "Executable test cases, run by detgen test on the spec and every artifact.", Items: &Node{
			Type: "object", Description: "One test: an event and the outcome the rule must reach.", Keys: []Key{
				{"name", true, str("Test name, unique in the rule.")},
				{"constructed", false, &Node{Type: "boolean", Description: "The event was written for the test; otherwise source says where it was captured."}},
				{"source", false, str("Where a captured event comes from (required unless constructed: true).")},
				{"event", false, &Node{Description: "The event inline, as YAML (converted to JSON, key order kept). Give event or event_file."}},
				{"event_file", false, str("A JSON file holding the event, relative to the spec's directory. Give event or event_file.")},
				{"events", false, &Node{Type: "array", Description: "For an aggregation rule: the event sequence, in time order (instead of event or event_file).", Items: &Node{
					Type: "object", Description: "An event of the sequence, possibly repeated.", Keys: []Key{
						{"event", false, &Node{Description: "The event inline. Give event or event_file."}},
						{"event_file", false, str("A JSON file holding the event. Give event or event_file.")},
						{"at", false, &Node{Type: "string", Description: "Offset from the sequence start, like 90s or 5m (default 0s).", Pattern: DurationPattern}},
						{"repeat", false, &Node{Type: "integer", Description: "How many copies (default 1).", Minimum: intp(0), Maximum: intp(10000)}},
						{"every", false, &Node{Type: "string", Description: "Interval between copies, like 10s.", Pattern: DurationPattern}},
						{"vary", false, str("A dotted JSON path whose value gets -1, -2, ... per copy (distinct values).")},
					}}}},
				{"expect", true, &Node{Type: "object", Description: "The outcome the spec itself gives.", Keys: []Key{
					{"match", true, &Node{Type: "boolean", Description: "Whether the rule alerts on the event."}},
					{"score", false, &Node{Type: "integer", Description: "For a match of a rule with scoring: base plus the weights of the signals listed."}},
					{"signals", false, &Node{Type: "array", Description: "For a match of a rule with scoring: the signals present.", Items: &Node{Type: "string", Pattern: NamePattern}}},
					{"alerts", false, alertsNode("For an aggregation rule: the groups that fire.")},
				}}},
				{"differs", false, &Node{Type: "array", Description: "Targets that cannot reach the expected outcome, what they conclude instead, and why.", Items: &Node{
					Type: "object", Description: "One declared divergence.", Keys: []Key{
						{"target", true, &Node{Type: "string", Description: "The target.", Enum: Targets}},
						{"match", false, &Node{Type: "boolean", Description: "Whether the target alerts."}},
						{"score", false, &Node{Type: "integer", Description: "The target's score, for a match."}},
						{"alerts", false, alertsNode("For an aggregation rule: the groups the target alerts on instead.")},
						{"reason", true, str("Why the target differs (its data model, not a bug).")},
					}}}},
			},
			Extra: Object{
				{"oneOf", []any{Object{{"required", []string{"event"}}}, Object{{"required", []string{"event_file"}}}, Object{{"required", []string{"events"}}}}},
				{"anyOf", []any{
					Object{{"required", []string{"constructed"}}, {"properties", Object{{"constructed", Object{{"const", true}}}}}},
					Object{{"required", []string{"source"}}, {"properties", Object{{"source", Object{{"minLength", 1}}}}}},
				}},
			},
		}}},
		{"tags", false, &Node{Type: "array", Description: "Free tags (lower case letters, digits and . _ -), carried into the Sigma output.", UniqueItems: true, Items: &Node{Type: "string", Pattern: TagPattern}}},
		{"qradar", false, &Node{Type: "object", Description: "Per-rule overrides of the QRadar search layout.", Keys: []Key{
			{"last", false, &Node{Type: "string", Description: "Search window, like \"24 HOURS\" (MINUTES, HOURS or DAYS); default: the log source's.", Pattern: QRadarLastPattern}},
			{"limit", false, &Node{Type: "integer", Description: "Row limit, 1 to 100000; 0 or absent: the log source's default.", Minimum: intp(0), Maximum: intp(100000)}},
		}}},
		{"exclude_targets", false, &Node{Type: "array", Description: "Targets the rule is not compiled for, each with the reason (a construct the target cannot express faithfully).", Items: &Node{
			Type: "object", Description: "One excluded target.", Keys: []Key{
				{"target", true, &Node{Type: "string", Description: "The target.", Enum: Targets}},
				{"reason", true, line("Why the target cannot express the rule.")},
			}}}},
		{"chronicle", false, &Node{Type: "object", Description: "Per-rule choices for the YARA-L output.", Keys: []Key{
			{"log_types", false, &Node{Type: "array", Description: "Restrict the rule to these of the log source's SecOps log types (say why in a comment).", Items: &Node{Type: "string", Pattern: "^[A-Z][A-Z0-9_]*$"}}},
		}}},
		{"logsource", true, &Node{Type: "string", Description: "The log source: a catalog under mappings/logsources whose fields the detection may use."}},
		{"detection", true, &Node{Type: "object", Description: "Named selections of field tests, a condition over them, and an optional scoring layer.", Keys: []Key{
			{"selections", true, &Node{Ref: "#/$defs/selections", Description: "Named selections: name -> map of field tests (AND), list of such maps (OR) or list of keywords."}},
			{"condition", true, &Node{Type: "string", Description: "Boolean condition over selection names: and, or, not, parentheses, N of pattern, N of them.", Pattern: ConditionPattern}},
			{"scoring", false, &Node{Type: "object", Description: "Optional weighted signals: an event that meets the condition alerts when base + the weights of the signals present >= threshold.", Keys: []Key{
				{"base", false, &Node{Type: "integer", Description: "Score before any signal (default 0).", Minimum: intp(0)}},
				{"threshold", true, &Node{Type: "integer", Description: "Alert when the score reaches it; above base and at most base plus every weight.", Minimum: intp(1)}},
				{"signals", true, &Node{Type: "array", Description: "The signals, at most 32.", MaxItems: 32, Items: &Node{
					Type: "object", Description: "One named, weighted indicator.", Keys: []Key{
						{"name", true, &Node{Type: "string", Description: "Signal name, [a-z][a-z0-9_]*, unique in the rule.", Pattern: NamePattern}},
						{"description", true, line("What the signal means (one line).")},
						{"weight", true, &Node{Type: "integer", Description: "Added to the score when the signal is present; positive.", Minimum: intp(1)}},
						{"when", true, &Node{Type: "string", Description: "Condition over the selections under which the signal is present (same grammar as condition).", Pattern: ConditionPattern}},
					}}}},
			}}},
			{"sequence", false, &Node{Type: "object", Description: "Optional: correlate steps (conditions over the selections) per join group within a window.", Keys: []Key{
				{"steps", true, &Node{Type: "array", Description: "Two or more steps.", Items: &Node{
					Type: "object", Description: "One step.", Keys: []Key{
						{"name", true, &Node{Type: "string", Description: "Step name, [a-z][a-z0-9_]*.", Pattern: NamePattern}},
						{"when", true, &Node{Type: "string", Description: "Condition over the selections selecting the step's events.", Pattern: ConditionPattern}},
						{"min", false, &Node{Type: "integer", Description: "At least this many events (default 1).", Minimum: intp(0), Maximum: intp(10000)}},
					}}}},
				{"ordered", false, &Node{Type: "boolean", Description: "Each step's events come after the previous step's."}},
				{"join", false, &Node{Type: "array", Description: "Fields whose values must be equal across the steps' events.", Items: &Node{Type: "string"}}},
				{"window", true, &Node{Type: "string", Description: "Window length, 1m to 48h.", Pattern: DurationPattern}},
			}}},
			{"aggregate", false, &Node{Type: "object", Description: "Optional: alert on groups of the selected events within a sliding window instead of on single events.", Keys: []Key{
				{"function", true, &Node{Type: "string", Description: "count, distinct_count, sum or avg.", Enum: []string{"count", "distinct_count", "sum", "avg"}}},
				{"field", false, str("The field distinct_count, sum and avg read.")},
				{"group_by", false, &Node{Type: "array", Description: "Fields whose values form a group.", Items: &Node{Type: "string"}}},
				{"window", true, &Node{Type: "string", Description: "Window length, like 10m, 1h (s, m, h, d).", Pattern: DurationPattern}},
				{"threshold", true, &Node{Type: "object", Description: "A lower bound: gt or gte (upper bounds and eq are refused).", Keys: []Key{
					{"gt", false, &Node{Type: "integer", Description: "Alert when the aggregate exceeds it."}},
					{"gte", false, &Node{Type: "integer", Description: "Alert when the aggregate reaches it."}},
					{"lt", false, &Node{Type: "integer", Description: "Refused: not supported on a sliding window."}},
					{"lte", false, &Node{Type: "integer", Description: "Refused: not supported on a sliding window."}},
					{"eq", false, &Node{Type: "integer", Description: "Refused: not supported on a sliding window."}},
				}}},
			}}},
		}}},
	},
}

// DurationPattern is a window or offset: a number and s, m, h or d.
const DurationPattern = `^[0-9]+[smhd]$`

// Defs are the schema's $defs: the parts of the format the decoder keeps
// as raw YAML for package detection to read.
var Defs = Object{
	{"selections", Object{
		{"type", "object"},
		{"description", "Selection name -> selection. Names match [A-Za-z_][A-Za-z0-9_-]* and are not condition keywords; names starting with _ are skipped by 'them' and by patterns that do not start with _."},
		{"minProperties", 1},
		{"propertyNames", Object{
			{"pattern", SelectionNamePattern},
			{"not", Object{{"enum", conditionKWs}}},
		}},
		{"additionalProperties", Object{{"$ref", "#/$defs/selection"}}},
	}},
	{"selection", Object{
		{"description", "A map of field tests (all must hold), a list of such maps (any must hold), or a list of keywords searched in the whole event (any must occur)."},
		{"oneOf", []any{
			Object{{"$ref", "#/$defs/fieldTests"}},
			Object{{"type", "array"}, {"minItems", 1}, {"items", Object{{"$ref", "#/$defs/fieldTests"}}}},
			Object{{"type", "array"}, {"minItems", 1}, {"items", Object{{"$ref", "#/$defs/keyword"}}}},
		}},
	}},
	{"fieldTests", Object{
		{"type", "object"},
		{"description", "field|modifier|...: value or list of values. Without all, any value may hold; with all, every value must. Modifiers: contains, startswith, endswith, re (then i, m, s), cidr, gt, gte, lt, lte, exists, all, cased, fieldref, base64, base64offset, utf16le, utf16be, utf16, wide, windash, neq."},
		{"minProperties", 1},
		{"propertyNames", Object{{"pattern", FieldTestPattern}}},
		{"patternProperties", Object{
			{`^\|all$`, Object{{"type", "array"}, {"minItems", 1}, {"items", Object{{"$ref", "#/$defs/keyword"}}}}},
		}},
		{"additionalProperties", Object{{"$ref", "#/$defs/values"}}},
	}},
	{"values", Object{
		{"oneOf", []any{
			Object{{"$ref", "#/$defs/value"}},
			Object{{"type", "array"}, {"minItems", 1}, {"items", Object{{"$ref", "#/$defs/value"}}}},
		}},
	}},
	{"value", Object{
		{"description", "A literal value (no wildcards: * and ? are themselves). null: the field is absent or null; '': the field is the empty string; true/false for exists and boolean fields."},
		{"type", []string{"string", "number", "boolean", "null"}},
	}},
	{"keyword", Object{
		{"description", "Text searched in every string value of the event, case-insensitively."},
		{"type", []string{"string", "number", "boolean"}},
	}},
}

// SchemaOptions adjust the generated schema.
type SchemaOptions struct {
	// Logsources, when set, are the allowed logsource values.
	Logsources []string
}

// JSONSchema returns Format as a JSON Schema (draft 2020-12), indented,
// with a final newline.
func JSONSchema(opt SchemaOptions) ([]byte, error) {
	root := Object{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"title", "detgen detection spec"},
	}
	body := Format.schema(true)
	if len(opt.Logsources) > 0 {
		body = withLogsources(body, opt.Logsources)
	}
	root = append(root, body...)
	root = append(root, Member{"$defs", Defs})
	data, err := json.Marshal(root)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func withLogsources(body Object, names []string) Object {
	for i, m := range body {
		if m.Key != "properties" {
			continue
		}
		props := append(Object(nil), m.Value.(Object)...)
		for j, p := range props {
			if p.Key == "logsource" {
				props[j].Value = append(append(Object(nil), p.Value.(Object)...), Member{"enum", names})
			}
		}
		body[i].Value = props
	}
	return body
}

// schema renders n; required tells whether n is a required key's value.
func (n *Node) schema(required bool) Object {
	var o Object
	add := func(k string, v any) { o = append(o, Member{k, v}) }
	if n.Ref != "" {
		add("$ref", n.Ref)
	}
	if n.Type != "" {
		add("type", n.Type)
	}
	if n.Description != "" {
		add("description", n.Description)
	}
	if len(n.Enum) > 0 {
		add("enum", n.Enum)
	}
	if n.Type == "string" && required && len(n.Enum) == 0 {
		add("minLength", 1)
	}
	if n.Pattern != "" {
		add("pattern", n.Pattern)
	}
	if n.Format != "" {
		add("format", n.Format)
	}
	if n.Minimum != nil {
		add("minimum", *n.Minimum)
	}
	if n.Maximum != nil {
		add("maximum", *n.Maximum)
	}
	if n.Type == "array" {
		min := n.MinItems
		if required && min < 1 {
			min = 1
		}
		if min > 0 {
			add("minItems", min)
		}
		if n.MaxItems > 0 {
			add("maxItems", n.MaxItems)
		}
		if n.UniqueItems {
			add("uniqueItems", true)
		}
		if n.Items != nil {
			add("items", n.Items.schema(false))
		}
	}
	if n.Type == "object" {
		var req []string
		props := Object{}
		for _, k := range n.Keys {
			if k.Required {
				req = append(req, k.Name)
			}
			props = append(props, Member{k.Name, k.Node.schema(k.Required)})
		}
		if len(req) > 0 {
			add("required", req)
		}
		add("properties", props)
		add("additionalProperties", false)
	}
	o = append(o, n.Extra...)
	return o
}

// Paths lists every key of Format as a dotted path, lists marked with
// [] (tests[].expect.match), in spec order.
func (n *Node) Paths() []string {
	var out []string
	var walk func(n *Node, prefix string)
	walk = func(n *Node, prefix string) {
		for n.Type == "array" && n.Items != nil {
			n = n.Items
			prefix += "[]"
		}
		for _, k := range n.Keys {
			p := k.Name
			if prefix != "" {
				p = prefix + "." + k.Name
			}
			out = append(out, p)
			walk(k.Node, p)
		}
	}
	walk(n, "")
	return out
}

// alertsNode is the list of alerts an aggregation test expects (expect,
// differs).
func alertsNode(description string) *Node {
	return &Node{Type: "array", Description: description, Items: &Node{
		Type: "object", Description: "One group.", Keys: []Key{
			{"group", true, &Node{Type: "array", Description: "The group-by values, in group_by order.", Items: &Node{Type: "string"}}},
			{"value", false, &Node{Type: "integer", Description: "The aggregate when the alert is raised (checked on the reference)."}},
		}}}
}
