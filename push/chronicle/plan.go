package chronicle

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/detgen/detgen/internal/plural"
)

// Rule is one generated YARA-L rule to push.
type Rule struct {
	// Name is the YARA-L rule name, the identifier after "rule" in Text
	// (e.g. kubernetes_suspicious_cronjob_job_creation). Chronicle uses it
	// as the rule's displayName, which is how existing rules are matched.
	Name string
	// Text is the complete rule text, sent unchanged.
	Text string
	// Source is the artifact path used in messages; empty means Name.
	Source string
}

func (r Rule) origin() string {
	if r.Source != "" {
		return r.Source
	}
	return r.Name
}

// Diagnostic is one compilation message of verifyRuleText. Lines and columns
// are 1-based positions in Rule.Text (the artifact text as sent); zero means
// the server gave none.
type Diagnostic struct {
	Message                string
	Severity               string // as sent: ERROR, WARNING, SEVERITY_UNSPECIFIED or empty
	StartLine, StartColumn int
	EndLine, EndColumn     int
}

// Format renders the diagnostic as "SOURCE:line:col: severity: message",
// leaving out the position parts the server did not give.
func (d Diagnostic) Format(source string) string {
	var b strings.Builder
	b.WriteString(source)
	if d.StartLine > 0 {
		fmt.Fprintf(&b, ":%d", d.StartLine)
		if d.StartColumn > 0 {
			fmt.Fprintf(&b, ":%d", d.StartColumn)
		}
	}
	sev := strings.ToLower(d.Severity)
	if sev == "" || sev == "severity_unspecified" {
		sev = "error"
	}
	msg := d.Message
	if msg == "" {
		msg = "(no message)"
	}
	b.WriteString(": " + sev + ": " + msg)
	return b.String()
}

// Action is what Apply does (or would do) with a rule.
type Action string

const (
	Create    Action = "create"    // no rule with this name exists
	Update    Action = "update"    // the rule exists with another text: add a revision
	Unchanged Action = "unchanged" // the rule exists with the same text
	Invalid   Action = "invalid"   // verifyRuleText rejected the text
)

// Step is the plan, and after Apply the outcome, for one rule.
type Step struct {
	Rule   Rule
	Action Action
	// RemoteID is the Chronicle rule id (ru_...) of the existing rule, or of
	// the rule Apply created.
	RemoteID string
	// RevisionID is the remote rule's current revision (v_..._...) as
	// listed, or as returned by the create or update of Apply.
	RevisionID string
	// Diagnostics are the compilation messages of verifyRuleText (errors for
	// Invalid rules, possibly warnings for the others).
	Diagnostics []Diagnostic
	// Applied is set by Apply when the rule was created or got a new
	// revision.
	Applied bool
	// Deployed is set by Apply when it enabled the rule's deployment.
	Deployed bool
	// Err is the failure of Apply for this rule. A step can have both
	// Applied and Err (created, but enabling it failed).
	Err error
}

// Plan verifies every rule and compares it with the rules that exist in the
// instance. It changes nothing. Rules with the same Name, a Name that does not
// match the rule header in Text, or a name that several remote rules share
// (so that the rule to update is ambiguous) are errors. The steps are in the
// order of rules.
func (c *Client) Plan(ctx context.Context, rules []Rule) ([]Step, error) {
	if err := checkRules(rules); err != nil {
		return nil, err
	}
	steps := make([]Step, len(rules))
	if len(rules) == 0 {
		return steps, nil
	}
	for i, r := range rules {
		steps[i].Rule = r
		var resp verifyResponse
		err := c.do(ctx, call{
			method: "POST",
			path:   ":verifyRuleText",
			body:   verifyRequest{RuleText: r.Text},
			out:    &resp,
		})
		if err != nil {
			return nil, fmt.Errorf("verify rule %s (%s): %w", r.Name, r.origin(), err)
		}
		for _, d := range resp.CompilationDiagnostics {
			steps[i].Diagnostics = append(steps[i].Diagnostics, d.toDiagnostic())
		}
		if !resp.Success {
			steps[i].Action = Invalid
		}
	}

	remote, err := c.listRules(ctx)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	byName := make(map[string][]remoteRule)
	for _, rr := range remote {
		byName[rr.displayName] = append(byName[rr.displayName], rr)
	}
	var ambiguous []string
	for i := range steps {
		s := &steps[i]
		matches := byName[s.Rule.Name]
		switch {
		case len(matches) > 1:
			ids := make([]string, len(matches))
			for j, m := range matches {
				ids[j] = m.id
			}
			ambiguous = append(ambiguous, fmt.Sprintf("%s (%s) matches %d remote rules: %s", s.Rule.Name, s.Rule.origin(), len(matches), strings.Join(ids, ", ")))
			continue
		case len(matches) == 1:
			s.RemoteID = matches[0].id
			s.RevisionID = matches[0].revisionID
		}
		if s.Action == Invalid {
			continue
		}
		switch {
		case len(matches) == 0:
			s.Action = Create
		case sameText(matches[0].text, s.Rule.Text):
			s.Action = Unchanged
		default:
			s.Action = Update
		}
	}
	if len(ambiguous) > 0 {
		return nil, fmt.Errorf("chronicle: cannot tell which remote rule to update; delete or rename the duplicates first:\n  %s", strings.Join(ambiguous, "\n  "))
	}
	return steps, nil
}

// Apply runs Plan and, if every rule verified, creates the missing rules and
// adds a revision to the changed ones; unchanged rules are not written. With
// enable, the deployment of every created or updated rule is set to enabled
// with alerting, and that of an unchanged rule too unless it already is.
//
// If a rule is Invalid nothing is changed and the error is a
// *VerificationError. If a write fails, Apply still tries the other rules and
// returns every step together with an *ApplyError that lists what was applied
// and what failed. Errors of Plan itself (transport, authentication, input)
// are returned as they are, with no write made.
func (c *Client) Apply(ctx context.Context, rules []Rule, enable bool) ([]Step, error) {
	steps, err := c.Plan(ctx, rules)
	if err != nil {
		return steps, err
	}
	var invalid []Step
	for _, s := range steps {
		if s.Action == Invalid {
			invalid = append(invalid, s)
		}
	}
	if len(invalid) > 0 {
		return steps, &VerificationError{Total: len(steps), Invalid: invalid}
	}
	failed := false
	for i := range steps {
		s := &steps[i]
		switch s.Action {
		case Create:
			rr, err := c.createRule(ctx, s.Rule)
			if err != nil {
				s.Err = fmt.Errorf("create: %w", err)
				failed = true
				continue
			}
			s.RemoteID, s.RevisionID, s.Applied = rr.id, rr.revisionID, true
			if rr.displayName != s.Rule.Name {
				s.Err = fmt.Errorf("created as %s, but Chronicle named it %q instead of %q; later pushes will not find it", rr.id, rr.displayName, s.Rule.Name)
				failed = true
				continue
			}
		case Update:
			rr, err := c.updateRule(ctx, s.RemoteID, s.Rule)
			if err != nil {
				s.Err = fmt.Errorf("update %s: %w", s.RemoteID, err)
				failed = true
				continue
			}
			s.RevisionID, s.Applied = rr.revisionID, true
		}
		if enable {
			deployed, err := c.enable(ctx, s.RemoteID, s.Action == Unchanged)
			s.Deployed = deployed
			if err != nil {
				s.Err = fmt.Errorf("enable deployment of %s: %w", s.RemoteID, err)
				failed = true
			}
		}
	}
	if failed {
		return steps, &ApplyError{Steps: steps}
	}
	return steps, nil
}

// VerificationError reports the rules verifyRuleText rejected; Apply changed
// nothing.
type VerificationError struct {
	Total   int    // rules in the push
	Invalid []Step // the Invalid steps, with their diagnostics
}

func (e *VerificationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chronicle: %d of %s failed verification; nothing was changed", len(e.Invalid), plural.N(e.Total, "rule"))
	for _, s := range e.Invalid {
		fmt.Fprintf(&b, "\n  %s (%s):", s.Rule.Name, s.Rule.origin())
		if len(s.Diagnostics) == 0 {
			b.WriteString("\n    verifyRuleText reported failure without diagnostics")
		}
		for _, d := range s.Diagnostics {
			b.WriteString("\n    " + d.Format(s.Rule.origin()))
		}
	}
	return b.String()
}

// ApplyError reports an Apply in which some writes failed. Steps holds every
// step: those with Applied set were written (created or revised) even though
// the push as a whole failed.
type ApplyError struct {
	Steps []Step
}

func (e *ApplyError) Error() string {
	var applied, unchanged, failed []string
	for _, s := range e.Steps {
		if s.Applied {
			what := "created " + s.RemoteID
			if s.Action == Update {
				what = "new revision of " + s.RemoteID
			}
			if s.Deployed {
				what += ", enabled"
			}
			if s.Err != nil {
				what += "; then failed, see below"
			}
			applied = append(applied, fmt.Sprintf("%s (%s)", s.Rule.Name, what))
		} else if s.Err == nil && s.Action == Unchanged {
			unchanged = append(unchanged, s.Rule.Name)
		}
		if s.Err != nil {
			failed = append(failed, fmt.Sprintf("%s (%s): %v", s.Rule.Name, s.Rule.origin(), s.Err))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "chronicle: push incomplete: %d of %s failed", len(failed), plural.N(len(e.Steps), "rule"))
	if len(applied) > 0 {
		b.WriteString("\n  applied: " + strings.Join(applied, ", "))
	} else {
		b.WriteString("\n  applied: none")
	}
	if len(unchanged) > 0 {
		b.WriteString("\n  unchanged: " + strings.Join(unchanged, ", "))
	}
	for _, f := range failed {
		b.WriteString("\n  failed: " + f)
	}
	return b.String()
}

// Unwrap returns the errors of the failed steps.
func (e *ApplyError) Unwrap() []error {
	var errs []error
	for _, s := range e.Steps {
		if s.Err != nil {
			errs = append(errs, s.Err)
		}
	}
	return errs
}

var ruleNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkRules(rules []Rule) error {
	var errs []error
	seen := make(map[string]string)
	for i, r := range rules {
		where := r.origin()
		if where == "" {
			where = fmt.Sprintf("rule #%d", i+1)
		}
		if !ruleNameRE.MatchString(r.Name) {
			errs = append(errs, fmt.Errorf("%s: rule name %q is not a YARA-L identifier", where, r.Name))
			continue
		}
		if strings.TrimSpace(r.Text) == "" {
			errs = append(errs, fmt.Errorf("%s: rule %s has no text", where, r.Name))
			continue
		}
		if prev, dup := seen[r.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: duplicate rule name %s (also in %s)", where, r.Name, prev))
			continue
		}
		seen[r.Name] = where
		if declared, ok := declaredName(r.Text); ok && declared != r.Name {
			errs = append(errs, fmt.Errorf("%s: Rule.Name is %s but the text declares rule %s", where, r.Name, declared))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("chronicle: invalid input:\n  %s", strings.Join(msgs, "\n  "))
}

// declaredName returns the identifier after the leading "rule" keyword of a
// YARA-L text, skipping whitespace and comments. ok is false when the text
// does not start that way (verification will say why).
func declaredName(text string) (name string, ok bool) {
	s := text
	for {
		s = strings.TrimLeft(s, " \t\r\n\f\v\ufeff")
		switch {
		case strings.HasPrefix(s, "//"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return "", false
			}
			s = s[i+1:]
			continue
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s[2:], "*/")
			if i < 0 {
				return "", false
			}
			s = s[2+i+2:]
			continue
		}
		break
	}
	if len(s) < 5 || !strings.EqualFold(s[:4], "rule") || !strings.ContainsRune(" \t\r\n", rune(s[4])) {
		return "", false
	}
	s = strings.TrimLeft(s[4:], " \t\r\n")
	end := 0
	for end < len(s) && (s[end] == '_' || s[end] >= 'a' && s[end] <= 'z' || s[end] >= 'A' && s[end] <= 'Z' || s[end] >= '0' && s[end] <= '9') {
		end++
	}
	if end == 0 {
		return "", false
	}
	return s[:end], true
}

// sameText compares rule texts, ignoring line-ending style and trailing
// white space at the end, which a server may normalise.
func sameText(a, b string) bool {
	norm := func(s string) string {
		return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), " \t\r\n")
	}
	return norm(a) == norm(b)
}

func (d wireDiagnostic) toDiagnostic() Diagnostic {
	out := Diagnostic{Message: d.Message, Severity: d.Severity}
	if p := d.Position; p != nil {
		out.StartLine, out.StartColumn = int(p.StartLine), int(p.StartColumn)
		out.EndLine, out.EndColumn = int(p.EndLine), int(p.EndColumn)
	}
	return out
}

type remoteRule struct {
	id, revisionID, displayName, text string
}

func toRemote(w wireRule) (remoteRule, error) {
	i := strings.LastIndex(w.Name, "/rules/")
	if i < 0 {
		return remoteRule{}, fmt.Errorf("rule resource name %q has no /rules/ segment", w.Name)
	}
	id := w.Name[i+len("/rules/"):]
	if !resourceID.MatchString(id) {
		return remoteRule{}, fmt.Errorf("rule resource name %q has an unexpected id", w.Name)
	}
	return remoteRule{id: id, revisionID: w.RevisionID, displayName: w.DisplayName, text: w.Text}, nil
}

func (c *Client) listRules(ctx context.Context) ([]remoteRule, error) {
	var out []remoteRule
	token := ""
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page >= maxListPages {
			return nil, fmt.Errorf("chronicle: more than %d pages of rules", maxListPages)
		}
		q := fmt.Sprintf("pageSize=%d&view=FULL", listPageSize)
		if token != "" {
			q += "&pageToken=" + url.QueryEscape(token)
		}
		var resp listRulesResponse
		if err := c.do(ctx, call{method: "GET", path: "/rules", rawQuery: q, out: &resp}); err != nil {
			return nil, err
		}
		for _, w := range resp.Rules {
			rr, err := toRemote(w)
			if err != nil {
				return nil, fmt.Errorf("chronicle: listing rules: %w", err)
			}
			out = append(out, rr)
		}
		token = resp.NextPageToken
		if token == "" {
			return out, nil
		}
		if seen[token] {
			return nil, errors.New("chronicle: listing rules: the server repeated a page token")
		}
		seen[token] = true
	}
}

// createRule creates a rule. Because a create that failed with a server error
// may still have happened, it looks for the rule (same name and text) before
// each such retry, so that a retry never makes a duplicate.
func (c *Client) createRule(ctx context.Context, r Rule) (remoteRule, error) {
	var resp wireRule
	var found *remoteRule
	err := c.do(ctx, call{
		method: "POST",
		path:   "/rules",
		body:   ruleText{Text: r.Text},
		out:    &resp,
		reconcile: func(ctx context.Context) (bool, error) {
			remote, err := c.listRules(ctx)
			if err != nil {
				return false, err
			}
			for _, rr := range remote {
				if rr.displayName == r.Name && sameText(rr.text, r.Text) {
					found = &rr
					return true, nil
				}
			}
			return false, nil
		},
	})
	if err != nil {
		return remoteRule{}, err
	}
	if found != nil {
		return *found, nil
	}
	return toRemote(resp)
}

func (c *Client) updateRule(ctx context.Context, id string, r Rule) (remoteRule, error) {
	if !resourceID.MatchString(id) {
		return remoteRule{}, fmt.Errorf("chronicle: bad rule id %q", id)
	}
	var resp wireRule
	err := c.do(ctx, call{
		method:   "PATCH",
		path:     "/rules/" + id,
		rawQuery: "updateMask=text",
		body:     ruleText{Text: r.Text},
		out:      &resp,
	})
	if err != nil {
		return remoteRule{}, err
	}
	return toRemote(resp)
}

// enable turns on a rule's deployment with alerting. With check, it first
// reads the deployment and leaves it alone when already enabled and alerting.
// deployed reports whether it was changed.
func (c *Client) enable(ctx context.Context, id string, check bool) (deployed bool, err error) {
	if !resourceID.MatchString(id) {
		return false, fmt.Errorf("chronicle: bad rule id %q", id)
	}
	path := "/rules/" + id + "/deployment"
	if check {
		var cur wireDeployment
		if err := c.do(ctx, call{method: "GET", path: path, out: &cur}); err != nil {
			return false, err
		}
		if cur.Enabled && cur.Alerting {
			return false, nil
		}
	}
	err = c.do(ctx, call{
		method:   "PATCH",
		path:     path,
		rawQuery: "updateMask=enabled,alerting",
		body:     deploymentPatch{Enabled: true, Alerting: true},
		out:      &wireDeployment{},
	})
	return err == nil, err
}
