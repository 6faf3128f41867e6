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
	Update                      // a saved search with this name has different AQL
	Unchanged                   // a saved search with this name has the same AQL
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
	Err        error     // why the step is Invalid or failed during Apply
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
// installed on the console, without changing anything. If extension is not
// empty it must be the BuildExtension output for exactly these searches.
// Transport and API errors abort the plan.
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
	if len(extension) > 0 {
		if _, err := checkExtension(extension, searches); err != nil {
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
	byName := map[string][]savedSearch{}
	for _, ss := range installed {
		byName[ss.Name] = append(byName[ss.Name], ss)
	}
	for i := range steps {
		if steps[i].Action == Invalid {
			continue
		}
		matches := byName[steps[i].Search.Name]
		steps[i].Action = Create
		for j, m := range matches {
			if sameAQL(m.AQL, steps[i].Search.AQL) {
				steps[i].Action, steps[i].ExistingID = Unchanged, m.ID
				break
			}
			if j == 0 {
				steps[i].Action, steps[i].ExistingID = Update, m.ID
			}
		}
	}
	return steps, nil
}

// sameAQL compares queries ignoring leading and trailing white space.
func sameAQL(a, b string) bool { return strings.TrimSpace(a) == strings.TrimSpace(b) }

// Apply runs Plan and then makes the console match it:
//
//   - if any search is Invalid nothing is changed and the error names each;
//   - if every search is Unchanged nothing is uploaded (Apply is idempotent);
//   - otherwise the extension is uploaded, installed with overwrite=true, the
//     install task is polled until COMPLETED, and the saved searches are
//     read back to confirm the new AQL is visible.
//
// The returned steps carry per-search errors; the error aggregates them.
//
// A 409/22613 from the upload means an extension with the same id and
// version is already on the console: build changed content with a new
// version. (This can also follow a retried upload whose first attempt
// succeeded despite a 5xx; re-running Apply with a bumped version recovers.)
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

	doc, _ := checkExtension(extension, searches) // already checked by Plan
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
		contentType: "application/xml",
	}, &up)
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.HTTPStatus == http.StatusConflict {
			err = fmt.Errorf("qradar: extension %q version %q was already uploaded; bump the extension version to push changed content: %w",
				doc.Extension.ID, doc.Extension.Version, err)
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

	// Read back: the install must have produced the saved searches.
	installed, err := c.listSavedSearches(ctx)
	if err != nil {
		return fail(fmt.Errorf("qradar: extension installed, but reading saved searches back failed: %w", err))
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
		if !found {
			st.Err = fmt.Errorf("qradar: extension installed, but saved search %q with the new AQL is not visible (VERIFY the extension format on this console)", st.Search.Name)
			errs = append(errs, st.Err)
		}
	}
	return steps, errors.Join(errs...)
}

type savedSearch struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	AQL  string `json:"aql"`
}

const savedSearchPage = 50

// listSavedSearches reads every saved search, page by page, with Range
// headers.
func (c *Client) listSavedSearches(ctx context.Context) ([]savedSearch, error) {
	var all []savedSearch
	for start := 0; start < 1_000_000; start += savedSearchPage {
		end := start + savedSearchPage - 1
		var page []savedSearch
		h, _, err := c.do(ctx, request{
			method: http.MethodGet,
			path:   "/ariel/saved_searches",
			query:  url.Values{"fields": {"id,name,aql"}},
			header: map[string]string{"Range": fmt.Sprintf("items=%d-%d", start, end)},
		}, &page)
		if err != nil {
			return nil, fmt.Errorf("qradar: listing saved searches: %w", err)
		}
		all = append(all, page...)
		if len(page) == 0 {
			break
		}
		if total, ok := contentRangeTotal(h.Get("Content-Range")); ok {
			if start+len(page) >= total {
				break
			}
		} else if len(page) < savedSearchPage {
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
