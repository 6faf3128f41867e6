// Package chronicletest is an in-process fake of the Chronicle API endpoints
// that package chronicle uses, for tests. It listens on loopback only
// (httptest) and keeps everything in memory.
//
// Endpoints, under {BaseURL}/{Instance} (BaseURL ends in /v1alpha):
//
//	POST  :verifyRuleText                 {"ruleText"|"rule_text": T}
//	      → 200 {"success": true[, "compilationDiagnostics": [warnings]]}
//	      → 200 {"compilationDiagnostics": [{"message", "severity",
//	            "position": {"startLine", "startColumn", "endLine", "endColumn"}}]}
//	POST  /rules                          {"text": T} → Rule (400 INVALID_ARGUMENT if T does not verify)
//	GET   /rules?pageSize=&pageToken=&view=   → {"rules": [Rule], "nextPageToken"}
//	      pageSize ≤ 0 means 100, larger than MaxPageSize is capped; view
//	      BASIC (default) and REVISION_METADATA_ONLY leave out text, FULL has it
//	GET   /rules/{id}[?view=]             → Rule (default view FULL)
//	PATCH /rules/{id}?updateMask=text     {"text": T[, "etag": E]} → Rule with a new revisionId
//	      (409 ABORTED on an etag mismatch)
//	GET   /rules/{id}/deployment          → RuleDeployment
//	PATCH /rules/{id}/deployment?updateMask=enabled,alerting,archived,runFrequency
//	      {"enabled", "alerting", "archived", "runFrequency"} → RuleDeployment
//
// A Rule is {"name": "{Instance}/rules/ru_…", "revisionId": "v_<10 digits>_<9 digits>",
// "displayName", "text", "createTime", "revisionCreateTime",
// "compilationState": "SUCCEEDED", "type": "SINGLE_EVENT", "etag"}; a
// RuleDeployment is {"name": "{Instance}/rules/ru_…/deployment", "enabled",
// "alerting", "archived", "runFrequency"}. As in proto3 JSON, false and empty
// fields are left out of answers, and request bodies may use lowerCamelCase or
// snake_case keys; unknown keys are rejected with 400 INVALID_ARGUMENT.
//
// Every request must carry "Authorization: Bearer {Token}" (else 401
// UNAUTHENTICATED). Errors use the Google envelope
// {"error": {"code", "message", "status"}}.
package chronicletest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Diagnostic is a compilation message returned by verifyRuleText.
// An empty Severity means ERROR.
type Diagnostic struct {
	Message                string
	Severity               string // ERROR or WARNING
	StartLine, StartColumn int
	EndLine, EndColumn     int
}

// Request is one request the server received (including rejected ones).
type Request struct {
	Method   string
	Path     string // URL path, e.g. /v1alpha/projects/p/.../rules/ru_1
	RawQuery string
	Body     string
	Header   http.Header // a copy of the request headers
}

// Fault makes the server fail matching requests. See Server.Fail.
type Fault struct {
	Method     string // "" matches any method
	PathSuffix string // matched against the end of the URL path; "" matches any
	Status     int    // HTTP status of the error answer
	Times      int    // how many matching requests fail (at least 1)
	Skip       int    // matching requests to let through first
	Message    string // envelope message; empty means a generic one
	RetryAfter string // Retry-After header value, if any
	// AfterHandling carries the request out before answering with the error,
	// like a server whose answer is lost.
	AfterHandling bool
}

// Rule is a snapshot of a stored rule.
type Rule struct {
	ID          string // ru_…
	DisplayName string
	Text        string
	RevisionID  string
	Revisions   int // 1 after create, +1 per text patch
	Enabled     bool
	Alerting    bool
}

// Server is the fake. Create it with NewServer.
type Server struct {
	// BaseURL is the API root to give the client, http://127.0.0.1:PORT/v1alpha.
	BaseURL string
	// Instance is the instance path the server answers for.
	Instance string
	// Token is the only bearer token accepted.
	Token string

	ts *httptest.Server

	mu          sync.Mutex
	verify      func(text string) []Diagnostic
	maxPageSize int
	rules       []*storedRule
	byID        map[string]*storedRule
	faults      []*Fault
	reqs        []Request
	seq         int
}

type storedRule struct {
	id, displayName, text, revisionID string
	createTime, revisionTime          time.Time
	revisions                         int
	enabled, alerting, archived       bool
	runFrequency                      string
}

const (
	apiVersion      = "/v1alpha"
	defaultPageSize = 100
	maxPageSize     = 1000
)

var clockBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// NewServer starts a fake on loopback; it is closed when t ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("chronicletest: %v", err)
	}
	s := &Server{
		Instance:    "projects/detgen-test/locations/us/instances/" + "0f1e2d3c-4b5a-4697-8877-665544332211",
		Token:       "ya29.fake-" + hex.EncodeToString(b[:]),
		verify:      DefaultVerify,
		maxPageSize: maxPageSize,
		byID:        make(map[string]*storedRule),
	}
	s.ts = httptest.NewServer(s)
	s.BaseURL = s.ts.URL + apiVersion
	t.Cleanup(s.ts.Close)
	return s
}

// Client returns an *http.Client for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// DefaultVerify is the default verification: the text (after leading white
// space) must start with "rule " and contain "condition:"; otherwise one
// ERROR at line 1, column 1.
func DefaultVerify(text string) []Diagnostic {
	t := strings.TrimLeft(text, " \t\r\n")
	switch {
	case !strings.HasPrefix(t, "rule "):
		return []Diagnostic{{Message: `expected "rule <name> {"`, Severity: "ERROR", StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 2}}
	case !strings.Contains(t, "condition:"):
		return []Diagnostic{{Message: "rule has no condition section", Severity: "ERROR", StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 2}}
	}
	return nil
}

// SetVerify replaces the verification hook (nil restores DefaultVerify). It
// is used by verifyRuleText, create and patch; a text verifies when the hook
// returns no diagnostic of severity ERROR (or empty).
func (s *Server) SetVerify(fn func(text string) []Diagnostic) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if fn == nil {
		fn = DefaultVerify
	}
	s.verify = fn
}

// SetMaxPageSize lowers the largest page the list method returns (default
// 1000), so tests can exercise pagination with few rules.
func (s *Server) SetMaxPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 || n > maxPageSize {
		n = maxPageSize
	}
	s.maxPageSize = n
}

// FailNext makes the next `times` requests whose method is method ("" for
// any) and whose path ends in pathSuffix fail with status and the matching
// Google envelope (429 RESOURCE_EXHAUSTED, 500 INTERNAL, 503 UNAVAILABLE, 401
// UNAUTHENTICATED, 400 INVALID_ARGUMENT, ...).
func (s *Server) FailNext(method, pathSuffix string, status, times int) {
	s.Fail(Fault{Method: method, PathSuffix: pathSuffix, Status: status, Times: times})
}

// Fail queues a fault. Faults are checked in the order queued; the first one
// that matches a request and has failures left applies.
func (s *Server) Fail(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times < 1 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

// Rules returns the stored rules in creation order.
func (s *Server) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.snapshot()
	}
	return out
}

// Rule returns the stored rule with id (ru_…).
func (s *Server) Rule(id string) (Rule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	if !ok {
		return Rule{}, false
	}
	return r.snapshot(), true
}

// Revisions returns how many revisions the rule with id has (0 if unknown).
func (s *Server) Revisions(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.byID[id]; ok {
		return r.revisions
	}
	return 0
}

// AddRule stores a rule directly, without verification or a logged request,
// and returns it. Use it to seed a tenant.
func (s *Server) AddRule(text string) Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.create(text).snapshot()
}

// SetDeployment sets a stored rule's deployment flags directly.
func (s *Server) SetDeployment(id string, enabled, alerting bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.byID[id]
	if ok {
		r.enabled, r.alerting = enabled, alerting
	}
	return ok
}

func (r *storedRule) snapshot() Rule {
	return Rule{ID: r.id, DisplayName: r.displayName, Text: r.text, RevisionID: r.revisionID,
		Revisions: r.revisions, Enabled: r.enabled, Alerting: r.alerting}
}

// ---------------------------------------------------------------------------
// HTTP

type apiError struct {
	status int
	msg    string
}

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func statusName(code int) string {
	switch code {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 405:
		return "UNIMPLEMENTED"
	case 409:
		return "ABORTED"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 500:
		return "INTERNAL"
	case 501:
		return "UNIMPLEMENTED"
	case 503:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	}
	return "UNKNOWN"
}

func defaultMessage(code int) string {
	switch code {
	case 401:
		return "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."
	case 429:
		return "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute'."
	case 400:
		return "Request contains an invalid argument."
	}
	return http.StatusText(code)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	type body struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Status  string `json:"status"`
	}
	writeJSON(w, e.status, map[string]body{"error": {Code: e.status, Message: e.msg, Status: statusName(e.status)}})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: string(raw), Header: r.Header.Clone()})

	fault := s.takeFault(r.Method, r.URL.Path)
	failWith := func() {
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		msg := fault.Message
		if msg == "" {
			msg = defaultMessage(fault.Status)
		}
		writeError(w, &apiError{status: fault.Status, msg: msg})
	}
	if fault != nil && !fault.AfterHandling {
		failWith()
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		writeError(w, errorf(http.StatusUnauthorized, "%s", defaultMessage(401)))
		return
	}
	status, out, aerr := s.route(r, raw)
	if fault != nil {
		failWith()
		return
	}
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeJSON(w, status, out)
}

func (s *Server) takeFault(method, path string) *Fault {
	for _, f := range s.faults {
		if f.Times <= 0 || (f.Method != "" && f.Method != method) || !strings.HasSuffix(path, f.PathSuffix) {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			continue
		}
		f.Times--
		c := *f
		return &c
	}
	return nil
}

var (
	ruleIDRE   = regexp.MustCompile(`^ru_[A-Za-z0-9-]+$`)
	nameRE     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`)
	pageTokRE  = regexp.MustCompile(`^p([0-9]+)$`)
	wsPrefixRE = regexp.MustCompile(`^\s*rule\s+`)
)

func (s *Server) route(r *http.Request, raw []byte) (int, any, *apiError) {
	prefix := apiVersion + "/" + s.Instance
	path := r.URL.Path
	if !strings.HasPrefix(path, prefix) {
		return 0, nil, errorf(404, "Unknown instance or path %q.", path)
	}
	rest := path[len(prefix):]
	q := r.URL.Query()
	switch {
	case rest == ":verifyRuleText":
		if r.Method != http.MethodPost {
			return 0, nil, errorf(405, "method %s not allowed", r.Method)
		}
		return s.verifyRuleText(raw)
	case rest == "/rules":
		switch r.Method {
		case http.MethodPost:
			return s.createRule(raw)
		case http.MethodGet:
			return s.listRules(q.Get("pageSize"), q.Get("pageToken"), q.Get("view"))
		}
		return 0, nil, errorf(405, "method %s not allowed", r.Method)
	case strings.HasPrefix(rest, "/rules/"):
		parts := strings.Split(rest[len("/rules/"):], "/")
		rule, ok := s.byID[parts[0]]
		if !ruleIDRE.MatchString(parts[0]) || !ok {
			return 0, nil, errorf(404, "Rule %q not found.", parts[0])
		}
		switch {
		case len(parts) == 1 && r.Method == http.MethodGet:
			view := q.Get("view")
			if view == "" {
				view = "FULL"
			}
			if !validView(view) {
				return 0, nil, errorf(400, "Invalid value for view: %q", view)
			}
			return 200, s.ruleJSON(rule, view), nil
		case len(parts) == 1 && r.Method == http.MethodPatch:
			return s.patchRule(rule, q.Get("updateMask"), raw)
		case len(parts) == 2 && parts[1] == "deployment" && r.Method == http.MethodGet:
			return 200, s.deploymentJSON(rule), nil
		case len(parts) == 2 && parts[1] == "deployment" && r.Method == http.MethodPatch:
			return s.patchDeployment(rule, q.Get("updateMask"), raw)
		}
	}
	return 0, nil, errorf(404, "%s %s is not a method of this API.", r.Method, path)
}

// decodeBody decodes a JSON object whose keys may be lowerCamelCase or
// snake_case, allowing only the given (camelCase) keys.
func decodeBody(raw []byte, allowed ...string) (map[string]json.RawMessage, *apiError) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, errorf(400, "Invalid JSON payload received. %v", err)
	}
	out := make(map[string]json.RawMessage, len(in))
	for k, v := range in {
		ck := camel(k)
		ok := false
		for _, a := range allowed {
			ok = ok || a == ck
		}
		if !ok {
			return nil, errorf(400, "Invalid JSON payload received. Unknown name %q: Cannot find field.", k)
		}
		out[ck] = v
	}
	return out, nil
}

func camel(k string) string {
	var b strings.Builder
	up := false
	for _, c := range k {
		switch {
		case c == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(c)))
			up = false
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func stringField(m map[string]json.RawMessage, key string) (string, bool, *apiError) {
	v, ok := m[key]
	if !ok {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, errorf(400, "Invalid value at %q: expected a string.", key)
	}
	return s, true, nil
}

func boolField(m map[string]json.RawMessage, key string) (bool, *apiError) {
	v, ok := m[key]
	if !ok {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err != nil {
		return false, errorf(400, "Invalid value at %q: expected a bool.", key)
	}
	return b, nil
}

type wirePosition struct {
	StartLine   int `json:"startLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
}

type wireDiagnostic struct {
	Message  string        `json:"message,omitempty"`
	Position *wirePosition `json:"position,omitempty"`
	Severity string        `json:"severity,omitempty"`
}

type verifyResponse struct {
	Success                bool             `json:"success,omitempty"`
	CompilationDiagnostics []wireDiagnostic `json:"compilationDiagnostics,omitempty"`
}

// check runs the verification hook; ok is false if any diagnostic is an error.
func (s *Server) check(text string) (diags []wireDiagnostic, ok bool) {
	ok = true
	for _, d := range s.verify(text) {
		sev := d.Severity
		if sev == "" {
			sev = "ERROR"
		}
		if sev != "WARNING" {
			ok = false
		}
		wd := wireDiagnostic{Message: d.Message, Severity: sev}
		if d.StartLine != 0 || d.StartColumn != 0 || d.EndLine != 0 || d.EndColumn != 0 {
			wd.Position = &wirePosition{d.StartLine, d.StartColumn, d.EndLine, d.EndColumn}
		}
		diags = append(diags, wd)
	}
	return diags, ok
}

func (s *Server) verifyRuleText(raw []byte) (int, any, *apiError) {
	m, aerr := decodeBody(raw, "ruleText")
	if aerr != nil {
		return 0, nil, aerr
	}
	text, _, aerr := stringField(m, "ruleText")
	if aerr != nil {
		return 0, nil, aerr
	}
	if text == "" {
		return 0, nil, errorf(400, "rule_text is required")
	}
	diags, ok := s.check(text)
	return 200, verifyResponse{Success: ok, CompilationDiagnostics: diags}, nil
}

func (s *Server) compileText(m map[string]json.RawMessage) (string, string, *apiError) {
	text, present, aerr := stringField(m, "text")
	if aerr != nil {
		return "", "", aerr
	}
	if !present || text == "" {
		return "", "", errorf(400, "rule.text is required")
	}
	if diags, ok := s.check(text); !ok {
		msgs := make([]string, len(diags))
		for i, d := range diags {
			msgs[i] = d.Message
		}
		return "", "", errorf(400, "compilation error: %s", strings.Join(msgs, "; "))
	}
	name := displayName(text)
	if name == "" {
		return "", "", errorf(400, "compilation error: no rule name")
	}
	return text, name, nil
}

// displayName is the identifier after "rule".
func displayName(text string) string {
	loc := wsPrefixRE.FindStringIndex(text)
	if loc == nil {
		return ""
	}
	return nameRE.FindString(text[loc[1]:])
}

func (s *Server) createRule(raw []byte) (int, any, *apiError) {
	m, aerr := decodeBody(raw, "text")
	if aerr != nil {
		return 0, nil, aerr
	}
	text, _, aerr := s.compileText(m)
	if aerr != nil {
		return 0, nil, aerr
	}
	return 200, s.ruleJSON(s.create(text), "FULL"), nil
}

// now is the fake clock: it advances one second and one microsecond per
// call, so revision ids are unique and increasing.
func (s *Server) now() time.Time {
	s.seq++
	return clockBase.Add(time.Duration(s.seq) * (time.Second + time.Microsecond))
}

func revisionID(t time.Time) string {
	return fmt.Sprintf("v_%010d_%09d", t.Unix(), t.Nanosecond())
}

func (s *Server) create(text string) *storedRule {
	t := s.now()
	n := len(s.rules) + 1
	r := &storedRule{
		id:           fmt.Sprintf("ru_%08x-%04x-4%03x-8%03x-%012x", 0x5eed0000+n, n&0xffff, n&0xfff, n&0xfff, n),
		displayName:  displayName(text),
		text:         text,
		revisionID:   revisionID(t),
		createTime:   t,
		revisionTime: t,
		revisions:    1,
	}
	s.rules = append(s.rules, r)
	s.byID[r.id] = r
	return r
}

func (s *Server) etag(r *storedRule) string { return `"` + r.revisionID + `"` }

func validView(v string) bool {
	return v == "BASIC" || v == "FULL" || v == "REVISION_METADATA_ONLY" || v == "RULE_VIEW_UNSPECIFIED"
}

type ruleJSON struct {
	Name               string `json:"name"`
	RevisionID         string `json:"revisionId,omitempty"`
	DisplayName        string `json:"displayName,omitempty"`
	Text               string `json:"text,omitempty"`
	CreateTime         string `json:"createTime,omitempty"`
	RevisionCreateTime string `json:"revisionCreateTime,omitempty"`
	CompilationState   string `json:"compilationState,omitempty"`
	Type               string `json:"type,omitempty"`
	Etag               string `json:"etag,omitempty"`
}

func (s *Server) ruleJSON(r *storedRule, view string) ruleJSON {
	out := ruleJSON{
		Name:               s.Instance + "/rules/" + r.id,
		RevisionID:         r.revisionID,
		RevisionCreateTime: r.revisionTime.Format(time.RFC3339Nano),
		Etag:               s.etag(r),
	}
	if view == "REVISION_METADATA_ONLY" {
		return out
	}
	out.DisplayName = r.displayName
	out.CreateTime = r.createTime.Format(time.RFC3339Nano)
	out.CompilationState = "SUCCEEDED"
	out.Type = "SINGLE_EVENT"
	if view == "FULL" {
		out.Text = r.text
	}
	return out
}

type listResponse struct {
	Rules         []ruleJSON `json:"rules,omitempty"`
	NextPageToken string     `json:"nextPageToken,omitempty"`
}

func (s *Server) listRules(sizeParam, token, view string) (int, any, *apiError) {
	size := defaultPageSize
	if sizeParam != "" {
		n, err := strconv.Atoi(sizeParam)
		if err != nil || n < 0 {
			return 0, nil, errorf(400, "Invalid value for page_size: %q", sizeParam)
		}
		if n > 0 {
			size = n
		}
	}
	size = min(size, s.maxPageSize)
	if view == "" {
		view = "BASIC"
	}
	if !validView(view) {
		return 0, nil, errorf(400, "Invalid value for view: %q", view)
	}
	start := 0
	if token != "" {
		m := pageTokRE.FindStringSubmatch(token)
		if m == nil {
			return 0, nil, errorf(400, "Invalid page token %q.", token)
		}
		start, _ = strconv.Atoi(m[1])
		if start > len(s.rules) {
			return 0, nil, errorf(400, "Invalid page token %q.", token)
		}
	}
	end := min(start+size, len(s.rules))
	var out listResponse
	for _, r := range s.rules[start:end] {
		out.Rules = append(out.Rules, s.ruleJSON(r, view))
	}
	if end < len(s.rules) {
		out.NextPageToken = "p" + strconv.Itoa(end)
	}
	return 200, out, nil
}

func maskFields(mask string, allowed ...string) ([]string, *apiError) {
	var out []string
	for _, f := range strings.Split(mask, ",") {
		f = camel(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == f
		}
		if !ok {
			return nil, errorf(400, "Invalid update_mask field %q.", f)
		}
		out = append(out, f)
	}
	return out, nil
}

func (s *Server) patchRule(r *storedRule, mask string, raw []byte) (int, any, *apiError) {
	fields, aerr := maskFields(mask, "text")
	if aerr != nil {
		return 0, nil, aerr
	}
	if mask != "" && len(fields) == 0 {
		return 0, nil, errorf(400, "update_mask is empty")
	}
	m, aerr := decodeBody(raw, "name", "text", "etag")
	if aerr != nil {
		return 0, nil, aerr
	}
	if etag, ok, aerr := stringField(m, "etag"); aerr != nil {
		return 0, nil, aerr
	} else if ok && etag != "" && etag != s.etag(r) {
		return 0, nil, errorf(409, "The rule was modified concurrently (etag mismatch).")
	}
	text, name, aerr := s.compileText(m)
	if aerr != nil {
		return 0, nil, aerr
	}
	t := s.now()
	r.text, r.displayName = text, name
	r.revisionID, r.revisionTime = revisionID(t), t
	r.revisions++
	return 200, s.ruleJSON(r, "FULL"), nil
}

type deploymentJSON struct {
	Name         string `json:"name"`
	Enabled      bool   `json:"enabled,omitempty"`
	Alerting     bool   `json:"alerting,omitempty"`
	Archived     bool   `json:"archived,omitempty"`
	RunFrequency string `json:"runFrequency,omitempty"`
}

func (s *Server) deploymentJSON(r *storedRule) deploymentJSON {
	return deploymentJSON{
		Name:         s.Instance + "/rules/" + r.id + "/deployment",
		Enabled:      r.enabled,
		Alerting:     r.alerting,
		Archived:     r.archived,
		RunFrequency: r.runFrequency,
	}
}

func (s *Server) patchDeployment(r *storedRule, mask string, raw []byte) (int, any, *apiError) {
	all := []string{"enabled", "alerting", "archived", "runFrequency"}
	fields, aerr := maskFields(mask, all...)
	if aerr != nil {
		return 0, nil, aerr
	}
	m, aerr := decodeBody(raw, append([]string{"name"}, all...)...)
	if aerr != nil {
		return 0, nil, aerr
	}
	if len(fields) == 0 { // no mask: the fields present in the body
		for _, f := range all {
			if _, ok := m[f]; ok {
				fields = append(fields, f)
			}
		}
	}
	next := *r
	for _, f := range fields {
		switch f {
		case "enabled":
			next.enabled, aerr = boolField(m, f)
		case "alerting":
			next.alerting, aerr = boolField(m, f)
		case "archived":
			next.archived, aerr = boolField(m, f)
		case "runFrequency":
			next.runFrequency, _, aerr = stringField(m, f)
			if aerr == nil && next.runFrequency != "" && next.runFrequency != "LIVE" && next.runFrequency != "HOURLY" && next.runFrequency != "DAILY" {
				aerr = errorf(400, "Invalid run_frequency %q.", next.runFrequency)
			}
		}
		if aerr != nil {
			return 0, nil, aerr
		}
	}
	if next.archived && next.enabled {
		return 0, nil, errorf(400, "An archived rule cannot be enabled.")
	}
	*r = next
	return 200, s.deploymentJSON(r), nil
}
