package yaral

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Severity grades a diagnostic.
type Severity int

const (
	// SeverityError marks a problem that makes SecOps reject the rule, or
	// that makes the rule certainly wrong (for example a log type that does
	// not exist, so the rule can never match).
	SeverityError Severity = iota
	// SeverityWarning marks something that is probably a mistake but may be
	// valid: the checker's tables (functions, log types) are not complete.
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one finding of Check.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	Code     string // stable identifier, one of the Code* constants
	Msg      string
}

// String formats d as "line:col: severity: msg [code]".
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s [%s]", d.Pos, d.Severity, d.Msg, d.Code)
}

// Diagnostic codes. They are stable: tools may filter on them.
const (
	// CodeBadRuleName: the rule name is not an identifier
	// [A-Za-z_][A-Za-z0-9_]* or is a keyword. Error.
	CodeBadRuleName = "bad-rule-name"
	// CodeMissingSection: meta, events (with at least one predicate) or
	// condition is missing. Error. Parse already rejects such text; the
	// check exists for trees built by code generators.
	CodeMissingSection = "missing-section"
	// CodeMetaNotString: a meta value is not a double-quoted string. Error
	// (Google: "the value part must be a quoted string").
	CodeMetaNotString = "meta-not-string"
	// CodeDuplicateMetaKey: a meta key appears twice. Warning.
	CodeDuplicateMetaKey = "duplicate-meta-key"
	// CodeTooManyOutcomes: more than 20 outcome variables. Error.
	CodeTooManyOutcomes = "too-many-outcomes"
	// CodeDuplicateOutcome: an outcome variable is defined twice. Error.
	CodeDuplicateOutcome = "duplicate-outcome"
	// CodeUnusedEventVar: an event variable of the events section is not
	// referenced in the condition, neither directly ($e, !$e, #e) nor
	// through a placeholder bound to one of its fields. Error (Google:
	// every event variable must be used in the condition).
	CodeUnusedEventVar = "unused-event-var"
	// CodeUndefinedVar: a variable used in match, outcome or condition is
	// not defined by the events section or as an outcome variable. Error.
	CodeUndefinedVar = "undefined-variable"
	// CodeBadMatchVar: a match variable is not a placeholder of the events
	// section, or the pivot of before/after is not an event variable. Error.
	CodeBadMatchVar = "bad-match-var"
	// CodeBadMatchWindow: the match window is outside 1m..48h (Google's
	// match section reference: "a minimum of one minute and a maximum of 48
	// hours", so 2d is the longest window written in days), or is written
	// in seconds (the reference gives the units m, h and d only). Error.
	CodeBadMatchWindow = "bad-match-window"
	// CodeUnboundPlaceholder: a placeholder of the events section is never
	// assigned an event field, directly ($ph = $e.field), through a function
	// of event fields or through another assigned placeholder. Error
	// (Google: a variable used without a declaration is a compilation error).
	CodeUnboundPlaceholder = "unbound-placeholder"
	// CodeUnjoinedEventVars: a rule with several event variables where some
	// variable is not joined to the others by an equality of event fields
	// or a shared placeholder. Error (Google: "all event variables used in
	// the rule must be joined with every other event variable").
	CodeUnjoinedEventVars = "unjoined-event-vars"
	// CodeMissingMatch: a rule with several event variables has no match
	// section. Error (multi-event rules correlate inside a match window).
	CodeMissingMatch = "missing-match"
	// CodeBadCount: "#name" names an outcome variable (Google: "#" goes
	// before an event or placeholder variable and counts distinct events or
	// values), or appears outside the condition section. Error.
	CodeBadCount = "bad-count"
	// CodeUnknownLogType: a comparison of metadata.log_type (or
	// metadata.base_labels.log_types) with a string that is not a known
	// SecOps log type. Warning for names missing from the table (which is
	// not exhaustive); error for names known not to exist (GKE_CONTROLPLANE,
	// K8S_AUDIT) and for case mismatches without nocase, which never match.
	CodeUnknownLogType = "unknown-log-type"
	// CodeUnknownFunction: a function that is not in the function table
	// (research notes §1.4). Warning.
	CodeUnknownFunction = "unknown-function"
	// CodeRiskScoreNotNumeric: the outcome $risk_score is assigned a
	// string, boolean, regex or list value. Error (it must be int or float).
	CodeRiskScoreNotNumeric = "risk-score-not-numeric"
	// CodeWrongArgCount: a call of a function whose arity is certain (if,
	// the aggregations, re.*, a few strings/net/math/timestamp functions)
	// has the wrong number of arguments. Error.
	CodeWrongArgCount = "wrong-arg-count"
	// CodeInvalidRegex: a regex literal, or a literal regex argument of
	// re.regex/re.capture/re.replace, is not valid RE2 (checked with Go's
	// regexp/syntax, which implements RE2 syntax). Error.
	CodeInvalidRegex = "invalid-regex"
	// CodeBadModifier: any/all where Google's repeated-fields reference
	// rules it out: combined with map access or array indexing, in a
	// placeholder assignment or a join, in a reference-list test, or twice
	// in one predicate (a join of two repeated fields). Error.
	CodeBadModifier = "bad-modifier"
	// CodeBadNocase: nocase where it does not apply: after <, <=, >, >=,
	// on a comparison with a number or boolean, after a call other than
	// re.regex, or on an enumerated field (Google: "cannot be used when a
	// type of field is an enumerated value"). Error.
	CodeBadNocase = "bad-nocase"
	// CodeLiteralComparison: both operands of a comparison are literals
	// (Google: "regarded as a compilation error"). Error.
	CodeLiteralComparison = "literal-comparison"
	// CodeInvalidCIDR: the literal range of net.ip_in_range_cidr is not an
	// IPv4 or IPv6 CIDR range. Error.
	CodeInvalidCIDR = "invalid-cidr"
	// CodeNeverTrue: strings.starts_with or strings.ends_with with an empty
	// literal prefix or suffix, which Google documents as always false.
	// Warning.
	CodeNeverTrue = "never-true"
)

// MaxOutcomes is the maximum number of outcome variables per rule.
const MaxOutcomes = 20

// MinMatchWindow and MaxMatchWindow bound the match window, in seconds
// (Google's match section reference: 1 minute to 48 hours).
const (
	MinMatchWindow = 60
	MaxMatchWindow = 48 * 3600
)

// knownLogTypes are SecOps log types known to exist, read from
// logtypes.txt (each with its evidence).
var knownLogTypes = parseLogTypes(logTypesFile)

//go:embed logtypes.txt
var logTypesFile string

func parseLogTypes(src string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(src, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			out[f[0]] = true
		}
	}
	return out
}

// invalidLogTypes are names that look like log types but do not exist in
// SecOps (research notes §4.1).
var invalidLogTypes = map[string]string{
	"GKE_CONTROLPLANE": "GKE control-plane audit logs arrive as GCP_CLOUDAUDIT",
	"K8S_AUDIT":        "Kubernetes audit logs use KUBERNETES_AUDIT (or KUBERNETES_AUDIT_AZURE, GCP_CLOUDAUDIT for GKE)",
}

// knownFunctions is the function table of the research notes (§1.4) plus the
// outcome aggregations. Every name in the metrics namespace is accepted.
var knownFunctions = map[string]bool{}

func init() {
	for ns, names := range map[string]string{
		"":             "max min sum count count_distinct array array_distinct if period_start_for_max period_start_for_min",
		"re":           "regex capture replace",
		"strings":      "concat coalesce contains to_lower to_upper trim ltrim rtrim split length reverse count_substrings starts_with ends_with base64_decode from_base64 from_hex extract_domain extract_hostname url_decode",
		"net":          "ip_in_range_cidr",
		"math":         "abs ceil floor log pow sqrt round random is_increasing geo_distance",
		"timestamp":    "current_seconds now get_date get_hour get_minute get_day_of_week get_week get_timestamp as_unix_seconds",
		"arrays":       "concat contains join_string length size max min index_to_str index_to_int index_to_float",
		"cast":         "as_int as_float as_bool as_string",
		"hash":         "sha256 fingerprint2011",
		"bytes":        "to_base64",
		"optimization": "sample_rate",
		"window":       "avg first last median mode stddev variance",
	} {
		for _, n := range strings.Fields(names) {
			if ns != "" {
				n = ns + "." + n
			}
			knownFunctions[n] = true
		}
	}
}

// arities holds the minimum and maximum argument counts of the functions
// whose signatures are documented unambiguously.
var arities = map[string][2]int{
	"if":  {2, 3},
	"max": {1, 1}, "min": {1, 1}, "sum": {1, 1}, "count": {1, 1}, "count_distinct": {1, 1},
	"array": {1, 1}, "array_distinct": {1, 1},
	"re.regex": {2, 2}, "re.capture": {2, 2}, "re.replace": {3, 3},
	"strings.to_lower": {1, 1}, "strings.to_upper": {1, 1}, "strings.contains": {2, 2},
	"strings.starts_with": {2, 2}, "strings.ends_with": {2, 2},
	"net.ip_in_range_cidr":      {2, 2},
	"math.abs":                  {1, 1},
	"timestamp.current_seconds": {0, 0},
	"timestamp.get_hour":        {1, 2}, "timestamp.get_minute": {1, 2},
	"timestamp.get_day_of_week": {1, 2}, "timestamp.get_week": {1, 2}, "timestamp.get_date": {1, 2},
}

// IsKnownFunction reports whether name ("re.regex", "max") is in the
// checker's function table.
func IsKnownFunction(name string) bool {
	return knownFunctions[name] || strings.HasPrefix(name, "metrics.") && len(name) > len("metrics.")
}

// IsKnownLogType reports whether name is a log type in the checker's table.
func IsKnownLogType(name string) bool { return knownLogTypes[name] }

// Check runs the semantic checks on r and returns the findings sorted by
// position. It accepts any tree, including incomplete trees built by hand.
func Check(r *Rule) []Diagnostic {
	c := &checker{}
	if r == nil {
		c.add(Pos{}, SeverityError, CodeMissingSection, "no rule")
		return c.diags
	}
	c.rule = r
	c.checkName()
	c.checkSections()
	c.checkMeta()
	c.collectVars()
	c.bindings = bindPlaceholders(c.eventsPredicates(), c.placeholders)
	c.checkOutcome()
	c.checkMatch()
	c.checkPlaceholdersBound()
	c.checkJoins()
	c.checkEventVarsUsed()
	c.checkUndefined()
	c.checkCounts()
	c.checkExprs()
	sort.SliceStable(c.diags, func(i, j int) bool {
		a, b := c.diags[i], c.diags[j]
		if a.Pos != b.Pos {
			return a.Pos.Before(b.Pos)
		}
		return a.Code < b.Code
	})
	return c.diags
}

type checker struct {
	rule  *Rule
	diags []Diagnostic

	// Variables of the events section, in order of first use.
	eventVars    map[string]Pos
	eventOrder   []string
	placeholders map[string]Pos
	outcomes     map[string]Pos

	reportedMods map[*FieldExpr]bool // any/all fields already reported as a second modifier

	bindings *placeholderBindings // placeholder classes and the event variables they are bound to
}

func (c *checker) add(pos Pos, sev Severity, code, msg string) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Severity: sev, Code: code, Msg: msg})
}

func (c *checker) checkName() {
	r := c.rule
	if !IsIdentifier(r.Name) {
		msg := fmt.Sprintf("rule name %q is not an identifier ([A-Za-z_][A-Za-z0-9_]*)", r.Name)
		if IsKeyword(r.Name) {
			msg = fmt.Sprintf("rule name %q is a reserved keyword", r.Name)
		}
		pos := r.NamePos
		if !pos.IsValid() {
			pos = r.Rule
		}
		c.add(pos, SeverityError, CodeBadRuleName, msg)
	}
}

func (c *checker) checkSections() {
	r := c.rule
	if r.Meta == nil {
		c.add(r.Rule, SeverityError, CodeMissingSection, "missing meta section")
	}
	if r.Events == nil || len(r.Events.Predicates) == 0 {
		c.add(r.Rule, SeverityError, CodeMissingSection, "missing or empty events section")
	}
	if r.Condition == nil || r.Condition.Expr == nil {
		c.add(r.Rule, SeverityError, CodeMissingSection, "missing condition section")
	}
}

func (c *checker) checkMeta() {
	if c.rule.Meta == nil {
		return
	}
	seen := make(map[string]bool, len(c.rule.Meta.Entries))
	for _, kv := range c.rule.Meta.Entries {
		if kv == nil {
			continue
		}
		if seen[kv.Key] {
			c.add(kv.KeyPos, SeverityWarning, CodeDuplicateMetaKey, fmt.Sprintf("duplicate meta key %q", kv.Key))
		}
		seen[kv.Key] = true
		if kv.Value == nil || kv.Value.Kind != STRING {
			what := "nothing"
			pos := kv.KeyPos
			if kv.Value != nil {
				what = kindName(kv.Value.Kind) + " " + kv.Value.Value
				pos = kv.Value.ValuePos
			}
			c.add(pos, SeverityError, CodeMetaNotString,
				fmt.Sprintf("meta value of %q must be a double-quoted string, found %s", kv.Key, what))
		}
	}
}

func kindName(k Token) string {
	switch k {
	case INT:
		return "integer"
	case FLOAT:
		return "float"
	case DURATION:
		return "duration"
	case STRING:
		return "string"
	case RAWSTRING:
		return "back-quoted string"
	case REGEX:
		return "regex"
	case BOOL:
		return "boolean"
	}
	return k.String()
}

// eventsPredicates returns the predicates of the events section (nil-safe).
func (c *checker) eventsPredicates() []Expr {
	if c.rule.Events == nil {
		return nil
	}
	return c.rule.Events.Predicates
}

// collectVars records event variables (the base of a field path), placeholders
// (bare variables) of the events section and outcome variables.
func (c *checker) collectVars() {
	c.eventVars = map[string]Pos{}
	c.placeholders = map[string]Pos{}
	c.outcomes = map[string]Pos{}
	for _, pr := range c.eventsPredicates() {
		Inspect(pr, func(e Expr) bool {
			switch e := e.(type) {
			case *FieldExpr:
				if e.Var != nil {
					if _, ok := c.eventVars[e.Var.Name]; !ok {
						c.eventVars[e.Var.Name] = e.Var.NamePos
						c.eventOrder = append(c.eventOrder, e.Var.Name)
					}
				}
				return false
			case *Var:
				if _, ok := c.placeholders[e.Name]; !ok {
					c.placeholders[e.Name] = e.NamePos
				}
			}
			return true
		})
	}
	if c.rule.Outcome != nil {
		for _, a := range c.rule.Outcome.Assignments {
			if a == nil || a.Var == nil {
				continue
			}
			if _, ok := c.outcomes[a.Var.Name]; ok {
				c.add(a.Var.NamePos, SeverityError, CodeDuplicateOutcome,
					fmt.Sprintf("outcome variable $%s is defined more than once", a.Var.Name))
				continue
			}
			c.outcomes[a.Var.Name] = a.Var.NamePos
		}
	}
}

func (c *checker) checkOutcome() {
	s := c.rule.Outcome
	if s == nil {
		return
	}
	if n := len(s.Assignments); n > MaxOutcomes {
		pos := Pos{}
		if a := s.Assignments[MaxOutcomes]; a != nil {
			pos = a.Pos()
		}
		c.add(pos, SeverityError, CodeTooManyOutcomes,
			fmt.Sprintf("%d outcome variables; at most %d are allowed", n, MaxOutcomes))
	}
	for _, a := range s.Assignments {
		if a == nil || a.Var == nil || a.Var.Name != "risk_score" {
			continue
		}
		switch t := inferType(a.Value); t {
		case typeString, typeBool, typeRegex, typeList:
			c.add(posOf(a.Value), SeverityError, CodeRiskScoreNotNumeric,
				fmt.Sprintf("$risk_score must be an integer or float, found a %s value", t))
		}
	}
}

func (c *checker) checkMatch() {
	m := c.rule.Match
	if m == nil {
		return
	}
	for _, v := range m.Vars {
		if v == nil {
			continue
		}
		if _, ok := c.placeholders[v.Name]; !ok {
			msg := fmt.Sprintf("match variable $%s is not a placeholder of the events section", v.Name)
			if _, ok := c.eventVars[v.Name]; ok {
				msg = fmt.Sprintf("match variable $%s is an event variable; match takes placeholders ($ph = $%s.field)", v.Name, v.Name)
			}
			c.add(v.NamePos, SeverityError, CodeBadMatchVar, msg)
			continue
		}
		if !c.bindings.bound(v.Name) {
			c.add(v.NamePos, SeverityError, CodeBadMatchVar,
				fmt.Sprintf("match variable $%s is never assigned an event field in the events section ($%s = $e.field)", v.Name, v.Name))
		}
	}
	if m.Anchor == BEFORE || m.Anchor == AFTER {
		if v := m.AnchorVar; v != nil {
			if _, ok := c.eventVars[v.Name]; !ok {
				c.add(v.NamePos, SeverityError, CodeBadMatchVar,
					fmt.Sprintf("$%s after %s must be an event variable", v.Name, m.Anchor))
			}
		}
	}
	if m.Window != nil && m.Window.Kind == DURATION {
		d, ok := DurationSeconds(m.Window.Value)
		switch {
		case !ok || d < MinMatchWindow || d > MaxMatchWindow:
			c.add(m.Window.ValuePos, SeverityError, CodeBadMatchWindow,
				fmt.Sprintf("match window %s is outside the allowed range 1m..48h", m.Window.Value))
		case strings.HasSuffix(m.Window.Value, "s"):
			c.add(m.Window.ValuePos, SeverityError, CodeBadMatchWindow,
				fmt.Sprintf("match window %s: windows are written in m, h or d (%dm)", m.Window.Value, d/60))
		}
	}
}

// DurationSeconds converts a YARA-L duration ("5m") to seconds (300).
func DurationSeconds(s string) (int64, bool) {
	if len(s) < 2 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n > 1<<40 {
		return 0, false
	}
	switch s[len(s)-1] {
	case 's':
		return n, true
	case 'm':
		return n * 60, true
	case 'h':
		return n * 3600, true
	case 'd':
		return n * 86400, true
	}
	return 0, false
}

// checkEventVarsUsed reports event variables that the condition references
// neither directly nor through a placeholder bound to one of their fields.
func (c *checker) checkEventVarsUsed() {
	if c.rule.Condition == nil || c.rule.Condition.Expr == nil || len(c.eventVars) == 0 {
		return
	}
	used := map[string]bool{}
	Inspect(c.rule.Condition.Expr, func(e Expr) bool {
		name := ""
		switch e := e.(type) {
		case *Var:
			name = e.Name
		case *CountVar:
			name = e.Name
		default:
			return true
		}
		if _, ok := c.eventVars[name]; ok {
			used[name] = true
		}
		if _, ok := c.placeholders[name]; ok {
			for ev := range c.bindings.eventVarsOf(name) {
				used[ev] = true
			}
		}
		return true
	})
	for _, ev := range c.eventOrder {
		if !used[ev] {
			c.add(c.eventVars[ev], SeverityError, CodeUnusedEventVar,
				fmt.Sprintf("event variable $%s is not used in the condition (directly or through a placeholder)", ev))
		}
	}
}

// fieldVars returns the event variables whose fields occur in x.
func fieldVars(x Expr) []string {
	var vars []string
	Inspect(x, func(e Expr) bool {
		if f, ok := e.(*FieldExpr); ok {
			if f.Var != nil {
				vars = append(vars, f.Var.Name)
			}
			return false
		}
		return true
	})
	return vars
}

// checkUndefined reports variables of match, outcome and condition that are
// defined nowhere.
func (c *checker) checkUndefined() {
	defined := func(name string) bool {
		_, ev := c.eventVars[name]
		_, ph := c.placeholders[name]
		_, out := c.outcomes[name]
		return ev || ph || out
	}
	report := func(pos Pos, sigil, name, where string) {
		c.add(pos, SeverityError, CodeUndefinedVar,
			fmt.Sprintf("%s%s used in %s is not defined in events or outcome", sigil, name, where))
	}
	visit := func(x Expr, where string) {
		Inspect(x, func(e Expr) bool {
			switch e := e.(type) {
			case *Var:
				if !defined(e.Name) {
					report(e.NamePos, "$", e.Name, where)
				}
			case *CountVar:
				if !defined(e.Name) {
					report(e.NamePos, "#", e.Name, where)
				}
			case *FieldExpr:
				// Field paths of event variables in outcome define nothing
				// new; an unknown base is reported.
				if e.Var != nil && where != "events" && !defined(e.Var.Name) {
					report(e.Var.NamePos, "$", e.Var.Name, where)
				}
				return false
			}
			return true
		})
	}
	if c.rule.Outcome != nil {
		for _, a := range c.rule.Outcome.Assignments {
			if a != nil {
				visit(a.Value, "outcome")
			}
		}
	}
	if c.rule.Condition != nil {
		visit(c.rule.Condition.Expr, "condition")
	}
}

// checkExprs walks every expression of the rule for log-type, function and
// regex checks.
func (c *checker) checkExprs() {
	var exprs []Expr
	exprs = append(exprs, c.eventsPredicates()...)
	if c.rule.Outcome != nil {
		for _, a := range c.rule.Outcome.Assignments {
			if a != nil {
				exprs = append(exprs, a.Value)
			}
		}
	}
	if c.rule.Condition != nil {
		exprs = append(exprs, c.rule.Condition.Expr)
	}
	for _, x := range exprs {
		Inspect(x, func(e Expr) bool {
			switch e := e.(type) {
			case *BinaryExpr:
				if e.Op == EQ || e.Op == NEQ {
					c.checkLogType(e)
				}
				if e.Op.isComparison() {
					c.checkComparison(e)
				}
			case *CallExpr:
				c.checkCall(e)
				c.checkPredicateCall(e)
			case *InExpr:
				c.checkIn(e)
			case *FieldExpr:
				c.checkModifierPath(e)
				return false
			case *BasicLit:
				if e.Kind == REGEX {
					c.checkRegex(e)
				}
			}
			return true
		})
	}
}

// isLogTypeField reports whether f is metadata.log_type or
// metadata.base_labels.log_types (optionally below "udm.").
func isLogTypeField(f *FieldExpr) bool {
	path := f.Path
	if len(path) > 0 && path[0] != nil && path[0].Index == nil && path[0].Name == "udm" {
		path = path[1:]
	}
	var names []string
	for _, e := range path {
		if e == nil || e.Index != nil {
			return false
		}
		names = append(names, e.Name)
	}
	switch strings.Join(names, ".") {
	case "metadata.log_type", "metadata.base_labels.log_types":
		return true
	}
	return false
}

func (c *checker) checkLogType(b *BinaryExpr) {
	for _, side := range [][2]Expr{{b.X, b.Y}, {b.Y, b.X}} {
		f, ok := side[0].(*FieldExpr)
		if !ok || f == nil || !isLogTypeField(f) {
			continue
		}
		lit, ok := side[1].(*BasicLit)
		if !ok || lit == nil || (lit.Kind != STRING && lit.Kind != RAWSTRING) {
			continue
		}
		v, err := lit.StringValue()
		if err != nil {
			continue
		}
		upper := strings.ToUpper(v)
		switch {
		case knownLogTypes[v]:
		case invalidLogTypes[upper] != "":
			c.add(lit.ValuePos, SeverityError, CodeUnknownLogType,
				fmt.Sprintf("log type %q does not exist in SecOps: %s", v, invalidLogTypes[upper]))
		case knownLogTypes[upper] && b.Nocase:
		case knownLogTypes[upper]:
			c.add(lit.ValuePos, SeverityError, CodeUnknownLogType,
				fmt.Sprintf("log type %q never matches: log types are upper case (%q)", v, upper))
		default:
			c.add(lit.ValuePos, SeverityWarning, CodeUnknownLogType,
				fmt.Sprintf("unknown log type %q", v))
		}
	}
}

func (c *checker) checkCall(x *CallExpr) {
	name := x.FuncName()
	if !IsKnownFunction(name) {
		c.add(x.NamePos, SeverityWarning, CodeUnknownFunction, fmt.Sprintf("unknown function %s", name))
	}
	if a, ok := arities[name]; ok && (len(x.Args) < a[0] || len(x.Args) > a[1]) {
		want := strconv.Itoa(a[0])
		switch {
		case a[1] == a[0]+1:
			want += " or " + strconv.Itoa(a[1])
		case a[1] != a[0]:
			want += " to " + strconv.Itoa(a[1])
		}
		noun := "arguments"
		if a[1] == 1 {
			noun = "argument"
		}
		c.add(x.NamePos, SeverityError, CodeWrongArgCount,
			fmt.Sprintf("%s takes %s %s, found %d", name, want, noun, len(x.Args)))
	}
	switch name {
	case "re.regex", "re.capture", "re.replace":
		if len(x.Args) >= 2 {
			if lit, ok := x.Args[1].(*BasicLit); ok && lit != nil && (lit.Kind == STRING || lit.Kind == RAWSTRING) {
				c.checkRegex(lit)
			}
		}
	}
}

func (c *checker) checkRegex(lit *BasicLit) {
	re, err := lit.StringValue()
	if err != nil {
		c.add(lit.ValuePos, SeverityError, CodeInvalidRegex, "malformed literal: "+err.Error())
		return
	}
	if err := validRegex(re); err != nil {
		c.add(lit.ValuePos, SeverityError, CodeInvalidRegex, "invalid RE2 regex: "+err.Error())
	}
}

// valueType is the coarse type inferred for an outcome expression.
type valueType int

const (
	typeUnknown valueType = iota
	typeNumber
	typeString
	typeBool
	typeRegex
	typeList
)

func (t valueType) String() string {
	switch t {
	case typeNumber:
		return "number"
	case typeString:
		return "string"
	case typeBool:
		return "boolean"
	case typeRegex:
		return "regex"
	case typeList:
		return "list"
	}
	return "unknown"
}

// inferType infers the type of x where it is evident from the syntax.
func inferType(x Expr) valueType {
	switch x := x.(type) {
	case *BasicLit:
		if x == nil {
			return typeUnknown
		}
		switch x.Kind {
		case INT, FLOAT:
			return typeNumber
		case STRING, RAWSTRING:
			return typeString
		case REGEX:
			return typeRegex
		case BOOL:
			return typeBool
		}
	case *BinaryExpr:
		if x == nil {
			return typeUnknown
		}
		switch binaryPrec(x.Op) {
		case precAdd, precMul:
			return typeNumber
		case precOr, precAnd, precCmp:
			return typeBool
		}
	case *UnaryExpr:
		if x != nil && x.Op == NOT {
			return typeBool
		}
	case *InExpr:
		return typeBool
	case *CallExpr:
		if x == nil {
			return typeUnknown
		}
		switch name := x.FuncName(); {
		case name == "max" || name == "min" || name == "sum":
			if len(x.Args) == 1 {
				return inferType(x.Args[0])
			}
		case name == "count" || name == "count_distinct":
			return typeNumber
		case name == "array" || name == "array_distinct":
			return typeList
		case name == "if":
			for _, a := range x.Args[min(1, len(x.Args)):] {
				if t := inferType(a); t != typeUnknown {
					return t
				}
			}
		case name == "re.regex" || name == "strings.contains" || name == "strings.starts_with" ||
			name == "strings.ends_with" || name == "net.ip_in_range_cidr" || name == "arrays.contains":
			return typeBool
		case strings.HasPrefix(name, "math.") || name == "strings.length" || name == "strings.count_substrings" ||
			name == "cast.as_int" || name == "cast.as_float" || name == "arrays.length" || name == "arrays.size":
			return typeNumber
		case name == "re.capture" || name == "re.replace" || name == "cast.as_string" ||
			strings.HasPrefix(name, "strings.") && name != "strings.split":
			return typeString
		}
	}
	return typeUnknown
}
