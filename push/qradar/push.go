package qradar

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/internal/plural"
)

// Message is one entry of the AQL validator's error_messages.
type Message struct {
	Code     string   `json:"code"`
	Severity string   `json:"severity"` // INFO, WARN or ERROR
	Message  string   `json:"message"`
	Contexts []string `json:"contexts,omitempty"`
}

// UnmarshalJSON accepts a numeric or string code and contexts given as a
// string, a list of strings, or other JSON (kept as JSON text).
func (m *Message) UnmarshalJSON(b []byte) error {
	var w struct {
		Code     json.RawMessage `json:"code"`
		Severity string          `json:"severity"`
		Message  string          `json:"message"`
		Contexts json.RawMessage `json:"contexts"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*m = Message{Code: rawString(w.Code), Severity: w.Severity, Message: w.Message}
	var list []json.RawMessage
	switch {
	case len(w.Contexts) == 0 || string(w.Contexts) == "null":
	case json.Unmarshal(w.Contexts, &list) == nil:
		for _, r := range list {
			m.Contexts = append(m.Contexts, rawString(r))
		}
	default:
		m.Contexts = []string{rawString(w.Contexts)}
	}
	return nil
}

func rawString(r json.RawMessage) string {
	if len(r) == 0 || string(r) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(r, &s) == nil {
		return s
	}
	return string(r)
}

func (m Message) String() string {
	s := m.Severity
	if m.Code != "" {
		s += " " + m.Code
	}
	s += ": " + m.Message
	if len(m.Contexts) > 0 {
		s += " [" + strings.Join(m.Contexts, "; ") + "]"
	}
	return s
}

// IsError reports whether the message makes a query invalid: every severity
// other than INFO and WARN/WARNING counts as an error.
func (m Message) IsError() bool {
	switch strings.ToUpper(strings.TrimSpace(m.Severity)) {
	case "INFO", "WARN", "WARNING":
		return false
	}
	return true
}

// ValidateAQL asks the console to validate a SELECT query. The query is sent
// form-encoded in the POST body, so long queries do not hit URL length
// limits. An empty (or warning-only) result means the query is valid.
func (c *Client) ValidateAQL(ctx context.Context, aql string) ([]Message, error) {
	var raw json.RawMessage
	_, _, err := c.do(ctx, request{
		method:      http.MethodPost,
		path:        "/ariel/validators/aql",
		body:        []byte(url.Values{"query_expression": {aql}}.Encode()),
		contentType: "application/x-www-form-urlencoded",
	}, &raw)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	var msgs []Message
	if len(raw) > 0 && raw[0] == '[' {
		err = json.Unmarshal(raw, &msgs)
	} else if len(raw) > 0 && string(raw) != "null" {
		var w struct {
			ErrorMessages []Message `json:"error_messages"`
		}
		err = json.Unmarshal(raw, &w)
		msgs = w.ErrorMessages
	}
	if err != nil {
		return nil, fmt.Errorf("qradar: decoding AQL validator response: %w", err)
	}
	return msgs, nil
}

// Action is what Apply would do (or did) with one saved search.
type Action int

const (
	Create    Action = iota + 1 // no saved search with this name on the console
	Update                      // the saved search differs (AQL or description), or its custom rule is missing
	Unchanged                   // the saved search is the same and its custom rule is installed
	Invalid                     // the console's validator rejected the AQL
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Unchanged:
		return "unchanged"
	case Invalid:
		return "invalid"
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// MarshalText renders the action as its String.
func (a Action) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// Step is the plan (and, after Apply, the outcome) for one search.
type Step struct {
	Search     Search
	Action     Action
	Messages   []Message // validator messages, warnings included
	ExistingID int       // id of the matching saved search on the console, 0 if none
	// ExistingRuleID is the console id of the custom rule, 0 if none (or if
	// the plan had no extension to name the rule).
	ExistingRuleID int
	Err            error // why the step is Invalid or failed during Apply
}

// ErrInvalidAQL is wrapped by the errors of Invalid steps and by Apply's
// error when any search is Invalid.
var ErrInvalidAQL = errors.New("AQL rejected by the QRadar validator")

// ErrPollTimeout is wrapped by Apply's error when the install task does not
// finish within PollTimeout.
var ErrPollTimeout = errors.New("timed out waiting for the install task")

// TaskError is an install task that ended in ERROR or CANCELLED.
type TaskError struct {
	StatusID int
	Status   string
	Message  string
}

func (e *TaskError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no message"
	}
	return fmt.Sprintf("qradar: extension install task %d ended with status %s: %s", e.StatusID, e.Status, msg)
}

// Plan validates every search's AQL and compares it with the saved searches
// and custom rules installed on the console, without changing anything. If
// extension is not empty it must be the extension built for exactly these
// searches; the plan then also compares each saved search's description
// (which names the rule version and a digest of its custom rule) and looks
// for the custom rule by its identifier. Without an extension only the AQL
// is compared. Transport and API errors abort the plan.
func (c *Client) Plan(ctx context.Context, extension []byte, searches []Search) ([]Step, error) {
	if len(searches) == 0 {
		return nil, errors.New("qradar: no searches")
	}
	seen := map[string]bool{}
	for _, s := range searches {
		if strings.TrimSpace(s.Name) == "" {
			return nil, fmt.Errorf("qradar: search for rule %q has no name", s.RuleID)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("qradar: duplicate search name %q", s.Name)
		}
		seen[s.Name] = true
	}
	var doc *content.Document
	if len(extension) > 0 {
		var err error
		if doc, err = checkExtension(extension, searches); err != nil {
			return nil, err
		}
	}

	steps := make([]Step, len(searches))
	anyValid := false
	for i, s := range searches {
		steps[i].Search = s
		msgs, err := c.ValidateAQL(ctx, s.AQL)
		if err != nil {
			return nil, fmt.Errorf("qradar: validating search %q: %w", s.Name, err)
		}
		steps[i].Messages = msgs
		var errMsgs []string
		for _, m := range msgs {
			if m.IsError() {
				errMsgs = append(errMsgs, m.String())
			}
		}
		if len(errMsgs) > 0 {
			steps[i].Action = Invalid
			steps[i].Err = fmt.Errorf("%w: %s", ErrInvalidAQL, c.scrubString(strings.Join(errMsgs, "; ")))
		} else {
			anyValid = true
		}
	}
	if !anyValid {
		return steps, nil
	}

	installed, err := c.listSavedSearches(ctx)
	if err != nil {
		return nil, err
	}
	var rules map[string]int
	if doc != nil {
		if rules, err = c.listRules(ctx); err != nil {
			return nil, err
		}
	}
	byName := map[string][]savedSearch{}
	for _, ss := range installed {
		byName[ss.Name] = append(byName[ss.Name], ss)
	}
	for i := range steps {
		st := &steps[i]
		if st.Action == Invalid {
			continue
		}
		want := savedSearch{Name: st.Search.Name, AQL: st.Search.AQL}
		ruleOK := true
		if doc != nil {
			want.Description = descriptionOf(doc, st.Search.Name)
			st.ExistingRuleID = rules[content.RuleUUID(st.Search.RuleID)]
			ruleOK = st.ExistingRuleID != 0 || !content.BuildsRule(st.Search)
		}
		st.Action = Create
		for j, m := range byName[st.Search.Name] {
			if sameAQL(m.AQL, want.AQL) && (doc == nil || sameText(m.Description, want.Description)) {
				st.Action, st.ExistingID = Unchanged, m.ID
				break
			}
			if j == 0 {
				st.Action, st.ExistingID = Update, m.ID
			}
		}
		if st.Action == Unchanged && !ruleOK {
			st.Action = Update
		}
	}
	return steps, nil
}

// descriptionOf is the description the extension gives a saved search.
func descriptionOf(doc *content.Document, name string) string {
	for _, s := range doc.Searches {
		if s.Name == name {
			return s.Description
		}
	}
	return ""
}

// sameText compares texts ignoring how white space is laid out (a console
// may normalise line breaks).
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// sameAQL compares queries ignoring leading and trailing white space.
func sameAQL(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }

// Apply runs Plan and then makes the console match it:
//
//   - if any search is Invalid nothing is changed and the error names each;
//   - if every search is Unchanged nothing is uploaded (Apply is idempotent);
//   - otherwise the extension, byte for byte as given (a zip is sent as
//     application/zip, bare XML as application/xml), is uploaded, installed
//     with overwrite=true, the install task is polled until COMPLETED, and
//     the saved searches and custom rules are read back to confirm the new
//     AQL and every rule are visible.
//
// The returned steps carry per-search errors; the error aggregates them.
//
// A 409/22613 from the upload means the console holds an extension with
// the same hub id and version. detgen's archive carries no manifest (see
// docs/qradar-content.md), so VERIFY when a console reports it; the error
// says so and the upload is not retried.
func (c *Client) Apply(ctx context.Context, extension []byte, searches []Search) ([]Step, error) {
	if len(extension) == 0 {
		return nil, errors.New("qradar: Apply needs the extension built by BuildExtension")
	}
	steps, err := c.Plan(ctx, extension, searches)
	if err != nil {
		return steps, err
	}
	var invalid []error
	changed := false
	for _, st := range steps {
		switch st.Action {
		case Invalid:
			invalid = append(invalid, fmt.Errorf("search %q (rule %s): %w", st.Search.Name, st.Search.RuleID, st.Err))
		case Create, Update:
			changed = true
		}
	}
	if len(invalid) > 0 {
		return steps, fmt.Errorf("qradar: %d of %s failed validation, nothing was changed: %w",
			len(invalid), plural.N(len(steps), "search", "searches"), errors.Join(invalid...))
	}
	if !changed {
		return steps, nil
	}

	fail := func(err error) ([]Step, error) {
		for i := range steps {
			if steps[i].Action == Create || steps[i].Action == Update {
				steps[i].Err = err
			}
		}
		return steps, err
	}

	var up struct {
		ID     int    `json:"id"`
		Name   string `json:"name"`
		Status string `json:"status"`
	}
	_, _, err = c.do(ctx, request{
		method:      http.MethodPost,
		path:        "/config/extension_management/extensions",
		body:        extension,
		contentType: extensionType(extension),
	}, &up)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.HTTPStatus == http.StatusConflict {
			err = fmt.Errorf("qradar: the console already holds an extension with the same hub id and version (remove it under Extensions Management, then push again): %w", err)
		} else {
			err = fmt.Errorf("qradar: uploading extension: %w", err)
		}
		return fail(err)
	}
	if up.ID == 0 {
		return fail(errors.New("qradar: upload response has no extension id"))
	}

	var inst struct {
		StatusID int    `json:"status_id"`
		Message  string `json:"message"`
	}
	_, _, err = c.do(ctx, request{
		method: http.MethodPost,
		path:   "/config/extension_management/extensions/" + strconv.Itoa(up.ID),
		query:  url.Values{"action_type": {"INSTALL"}, "overwrite": {"true"}},
	}, &inst)
	if err != nil {
		return fail(fmt.Errorf("qradar: installing extension %d: %w", up.ID, err))
	}
	if inst.StatusID == 0 {
		return fail(fmt.Errorf("qradar: install of extension %d returned no status_id", up.ID))
	}
	if err := c.waitTask(ctx, inst.StatusID); err != nil {
		return fail(err)
	}

	// Read back: the install must have produced the saved searches and
	// the custom rules.
	installed, err := c.listSavedSearches(ctx)
	if err != nil {
		return fail(fmt.Errorf("qradar: extension installed, but reading saved searches back failed: %w", err))
	}
	rules, err := c.listRules(ctx)
	if err != nil {
		return fail(fmt.Errorf("qradar: extension installed, but reading custom rules back failed: %w", err))
	}
	var errs []error
	for i := range steps {
		st := &steps[i]
		if st.Action != Create && st.Action != Update {
			continue
		}
		found := false
		for _, ss := range installed {
			if ss.Name == st.Search.Name && sameAQL(ss.AQL, st.Search.AQL) {
				found, st.ExistingID = true, ss.ID
				break
			}
		}
		st.ExistingRuleID = rules[content.RuleUUID(st.Search.RuleID)]
		switch {
		case !found:
			st.Err = fmt.Errorf("qradar: extension installed, but saved search %q with the new AQL is not visible (VERIFY the extension format on this console)", st.Search.Name)
		case st.ExistingRuleID == 0 && content.BuildsRule(st.Search):
			st.Err = fmt.Errorf("qradar: extension installed, but custom rule %q (identifier %s) is not visible (VERIFY the extension format on this console)",
				st.Search.Name, content.RuleUUID(st.Search.RuleID))
		}
		if st.Err != nil {
			errs = append(errs, st.Err)
		}
	}
	return steps, errors.Join(errs...)
}

// extensionType is the Content-Type of an upload.
func extensionType(b []byte) string {
	if content.IsArchive(b) {
		return "application/zip"
	}
	return "application/xml"
}

type savedSearch struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	AQL         string `json:"aql"`
	Description string `json:"description"`
}

const listPage = 50

// listSavedSearches reads every saved search, page by page.
func (c *Client) listSavedSearches(ctx context.Context) ([]savedSearch, error) {
	all, err := listAll[savedSearch](ctx, c, "/ariel/saved_searches", "id,name,aql,description")
	if err != nil {
		return nil, fmt.Errorf("qradar: listing saved searches: %w", err)
	}
	return all, nil
}

// listRules reads every custom rule and returns the console id of each by
// its identifier (the uuid of the rule in an extension).
func (c *Client) listRules(ctx context.Context) (map[string]int, error) {
	type rule struct {
		ID         int    `json:"id"`
		Identifier string `json:"identifier"`
	}
	all, err := listAll[rule](ctx, c, "/analytics/rules", "id,identifier")
	if err != nil {
		return nil, fmt.Errorf("qradar: listing custom rules: %w", err)
	}
	out := map[string]int{}
	for _, r := range all {
		if r.Identifier != "" {
			out[r.Identifier] = r.ID
		}
	}
	return out, nil
}

// listAll reads a list endpoint page by page with Range headers.
func listAll[T any](ctx context.Context, c *Client, path, fields string) ([]T, error) {
	var all []T
	for start := 0; start < 1_000_000; start += listPage {
		end := start + listPage - 1
		var page []T
		h, _, err := c.do(ctx, request{
			method: http.MethodGet,
			path:   path,
			query:  url.Values{"fields": {fields}},
			header: map[string]string{"Range": fmt.Sprintf("items=%d-%d", start, end)},
		}, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) == 0 {
			break
		}
		if total, ok := contentRangeTotal(h.Get("Content-Range")); ok {
			if start+len(page) >= total {
				break
			}
		} else if len(page) < listPage {
			break
		}
	}
	return all, nil
}

// contentRangeTotal parses "items 0-49/120" (or "items */120").
func contentRangeTotal(v string) (int, bool) {
	_, tot, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(tot)
	return n, err == nil && n >= 0
}

// waitTask polls an extension-management task until it finishes.
func (c *Client) waitTask(ctx context.Context, statusID int) error {
	var waited time.Duration
	for {
		var st struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		}
		_, _, err := c.do(ctx, request{
			method: http.MethodGet,
			path:   "/config/extension_management/extensions_task_status/" + strconv.Itoa(statusID),
		}, &st)
		if err != nil {
			return fmt.Errorf("qradar: polling install task %d: %w", statusID, err)
		}
		switch strings.ToUpper(st.Status) {
		case "COMPLETED":
			return nil
		case "ERROR", "CANCELLED", "CANCELED", "FAILED", "CONFLICT":
			return &TaskError{StatusID: statusID, Status: c.scrubString(st.Status), Message: c.scrubString(st.Message)}
		}
		if waited+c.pollInterval > c.pollTimeout {
			return fmt.Errorf("qradar: install task %d still %s after %v: %w", statusID, c.scrubString(st.Status), waited, ErrPollTimeout)
		}
		if err := c.sleep(ctx, c.pollInterval); err != nil {
			return err
		}
		waited += c.pollInterval
	}
}
