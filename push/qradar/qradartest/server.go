// Package qradartest is an in-process fake of the QRadar REST endpoints that
// package qradar uses, for tests. It listens on loopback only (httptest).
//
// Endpoints (under /api):
//
//	POST /ariel/validators/aql                      query_expression in the form body or URL
//	GET  /ariel/saved_searches                      Range: items=a-b, filter=name="…", fields=…
//	POST /config/extension_management/extensions    zip or XML body, or multipart "file"
//	GET  /config/extension_management/extensions[/{id}]
//	GET  /analytics/rules                           Range: items=a-b, fields=…
//	POST /config/extension_management/extensions/{id}?action_type=INSTALL|PREVIEW&overwrite=…
//	GET  /config/extension_management/extensions_task_status/{status_id}
//
// Every request must carry SEC equal to Server.Token (else 401) and a Version
// header (else 422); an Accept header, if present, must allow
// application/json (else 406). Errors use QRadar's JSON error shape
// {http_response:{code,message}, code, message, description, details}.
//
// The fake reads the content-extension format (a zip holding one <content>
// XML file, or the bare XML; docs/qradar-content.md) with its own types and
// decoders, never the builder's parser, so it checks the wire format
// independently of the client. Installing an extension creates its custom
// properties, saved searches and custom rules; a rule's AQL filter goes
// through the validator hook first (SELECT * FROM events WHERE filter), and
// an invalid filter fails the install task as the console would refuse the
// rule.
package qradartest

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Message is a validator error_messages entry.
type Message struct {
	Code     string   `json:"code"`
	Contexts []string `json:"contexts"`
	Message  string   `json:"message"`
	Severity string   `json:"severity"`
}

// SavedSearch is a saved search as listed by GET /ariel/saved_searches.
type SavedSearch struct {
	ID             int    `json:"id"`
	UID            string `json:"uid"`
	Name           string `json:"name"`
	Database       string `json:"database"`
	AQL            string `json:"aql"`
	Description    string `json:"description"`
	Owner          string `json:"owner"`
	IsShared       bool   `json:"is_shared"`
	IsAggregate    bool   `json:"is_aggregate"`
	IsDashboard    bool   `json:"is_dashboard"`
	IsDefault      bool   `json:"is_default"`
	IsQuickSearch  bool   `json:"is_quick_search"`
	CreationDate   int64  `json:"creation_date"`
	ModifiedDate   int64  `json:"modified_date"`
	FromExtensions []int  `json:"-"` // extension ids that installed it
}

// CustomProperty is an installed JSON-expression custom property.
type CustomProperty struct {
	Name            string
	PropertyType    string
	LogSourceTypeID int
	JSONExpression  string
}

// CustomRule is an installed custom rule.
type CustomRule struct {
	ID          int
	UUID        string // the identifier GET /analytics/rules shows
	Name        string
	Notes       string
	Enabled     bool
	Type        string // EVENT
	Origin      string // USER
	Filter      string // the AQL filter test's query, decoded
	Severity    int
	Credibility int
	Relevance   int
	Created     int64
	Modified    int64
}

// Request is one logged request.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	Status   int
}

// Server is the fake console.
type Server struct {
	// URL is the server root (http://127.0.0.1:port); BaseURL is URL+"/api",
	// the value for qradar.Config.BaseURL.
	URL, BaseURL string
	// Token is the SEC token the server accepts (random per server). Set it
	// before the first request if a test needs a specific value.
	Token string

	srv *httptest.Server

	mu          sync.Mutex
	validator   func(aql string) []Message
	installPoll int    // polls until a task finishes
	taskError   string // if set, tasks end in ERROR with this message
	faults      []*fault
	log         []Request
	searches    []*SavedSearch
	rules       []*CustomRule
	props       map[propKey]CustomProperty
	extensions  []*extension
	tasks       map[int]*task
	nextID      int
	clock       int64
}

type propKey struct {
	name string
	lst  int
}

type fault struct {
	method, prefix string
	status, times  int
}

type extension struct {
	ID     int
	Name   string // the XML file's name without .xml ("content" for a bare XML upload)
	Status string
	doc    *parsedContent
}

type task struct {
	id, extID   int
	action      string
	overwrite   bool
	polls, need int
	errMsg      string
	status      string
	message     string
}

// NewServer starts a fake console on loopback; it is closed by t.Cleanup.
func NewServer(t testing.TB) *Server {
	t.Helper()
	var tok [16]byte
	if _, err := rand.Read(tok[:]); err != nil {
		t.Fatalf("qradartest: token: %v", err)
	}
	s := &Server{
		Token:       "tok-" + hex.EncodeToString(tok[:]),
		validator:   DefaultValidator,
		installPoll: 2,
		props:       map[propKey]CustomProperty{},
		tasks:       map[int]*task{},
		nextID:      1000,
		clock:       1_700_000_000_000,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/ariel/validators/aql", s.handleValidate)
	mux.HandleFunc("GET /api/ariel/saved_searches", s.handleSavedSearches)
	mux.HandleFunc("GET /api/analytics/rules", s.handleRules)
	mux.HandleFunc("POST /api/config/extension_management/extensions", s.handleUpload)
	mux.HandleFunc("GET /api/config/extension_management/extensions", s.handleListExtensions)
	mux.HandleFunc("GET /api/config/extension_management/extensions/{id}", s.handleGetExtension)
	mux.HandleFunc("POST /api/config/extension_management/extensions/{id}", s.handleAction)
	mux.HandleFunc("GET /api/config/extension_management/extensions_task_status/{id}", s.handleTask)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 1002, "The requested resource could not be found", "no fake endpoint for "+r.Method+" "+r.URL.Path)
	})
	s.srv = httptest.NewServer(s.middleware(mux))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL
	s.BaseURL = s.srv.URL + "/api"
	return s
}

// Close shuts the server down early (it is also closed by t.Cleanup).
func (s *Server) Close() { s.srv.Close() }

// Client returns an http.Client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

var barePayloadILIKE = regexp.MustCompile(`(?i)(^|[^\w"(])payload\s+i?like\b`)

// DefaultValidator accepts queries that start with SELECT (any case) and do
// not apply [I]LIKE to bare payload (which is bytes; UTF8(payload) is
// needed).
func DefaultValidator(aql string) []Message {
	var msgs []Message
	q := strings.TrimSpace(aql)
	if len(q) < 6 || !strings.EqualFold(q[:6], "SELECT") {
		msgs = append(msgs, Message{Code: "1001", Severity: "ERROR",
			Message: "Only SELECT queries can be validated", Contexts: []string{firstWords(q)}})
	}
	if loc := barePayloadILIKE.FindStringIndex(q); loc != nil {
		msgs = append(msgs, Message{Code: "1024", Severity: "ERROR",
			Message:  "Operator LIKE/ILIKE cannot be applied to payload of type byte array; use UTF8(payload)",
			Contexts: []string{strings.TrimSpace(q[loc[0]:loc[1]])}})
	}
	return msgs
}

func firstWords(s string) string {
	if len(s) > 20 {
		return s[:20]
	}
	return s
}

// SetValidator replaces the validator hook (nil restores DefaultValidator).
func (s *Server) SetValidator(f func(aql string) []Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		f = DefaultValidator
	}
	s.validator = f
}

// SetInstallPolls sets how many task-status polls an install or preview
// needs: the n-th poll reports COMPLETED (or ERROR); earlier ones report
// PROCESSING. Default 2.
func (s *Server) SetInstallPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installPoll = max(n, 1)
}

// SetTaskError makes later tasks end in ERROR with msg ("" restores success).
func (s *Server) SetTaskError(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.taskError = msg
}

// FailNext makes the next `times` requests whose method matches (""
// matches any) and whose path starts with pathPrefix (with or without the
// leading "/api") fail with status and a JSON error body. Faults are checked
// before authentication.
func (s *Server) FailNext(method, pathPrefix string, status int, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, prefix: pathPrefix, status: status, times: times})
}

// AddSavedSearch seeds a saved search (as if created in the UI) and
// returns its id.
func (s *Server) AddSavedSearch(name, aql string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.newSearch(name)
	ss.AQL = aql
	return ss.ID
}

// SavedSearches returns copies of the saved searches, by id.
func (s *Server) SavedSearches() []SavedSearch {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SavedSearch, len(s.searches))
	for i, ss := range s.searches {
		out[i] = *ss
		out[i].FromExtensions = slices.Clone(ss.FromExtensions)
	}
	return out
}

// CustomProperties returns the installed custom properties, sorted.
func (s *Server) CustomProperties() []CustomProperty {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CustomProperty
	for _, p := range s.props {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b CustomProperty) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return a.LogSourceTypeID - b.LogSourceTypeID
	})
	return out
}

// CustomRules returns copies of the installed custom rules, by id.
func (s *Server) CustomRules() []CustomRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CustomRule, len(s.rules))
	for i, r := range s.rules {
		out[i] = *r
	}
	return out
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = nil
}

// Count returns how many logged requests match method ("" = any) and path
// prefix (with or without "/api").
func (s *Server) Count(method, pathPrefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if matches(method, pathPrefix, r.Method, r.Path) {
			n++
		}
	}
	return n
}

func matches(method, prefix, gotMethod, gotPath string) bool {
	if method != "" && !strings.EqualFold(method, gotMethod) {
		return false
	}
	return strings.HasPrefix(gotPath, prefix) || strings.HasPrefix(gotPath, "/api"+prefix)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &statusRecorder{ResponseWriter: w}
		s.mu.Lock()
		idx := len(s.log)
		s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body})
		var hit *fault
		for _, f := range s.faults {
			if f.times > 0 && matches(f.method, f.prefix, r.Method, r.URL.Path) {
				f.times--
				hit = f
				break
			}
		}
		token := s.Token
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			if idx < len(s.log) {
				s.log[idx].Status = rec.status
			}
			s.mu.Unlock()
		}()

		switch {
		case hit != nil:
			writeError(rec, hit.status, 1020, http.StatusText(hit.status), "injected fault")
		case r.Header.Get("SEC") == "":
			writeError(rec, http.StatusUnauthorized, 13, "You are unauthorized to access the requested resource.",
				`No SEC header present in request. Please provide it via "SEC: token".`)
		case r.Header.Get("SEC") != token:
			writeError(rec, http.StatusUnauthorized, 13, "You are unauthorized to access the requested resource.",
				"Invalid authorization token.")
		case r.Header.Get("Version") == "":
			writeError(rec, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid",
				"the fake console requires a Version header")
		case !acceptsJSON(r.Header.Get("Accept")):
			writeError(rec, http.StatusNotAcceptable, 1008, "Not Acceptable",
				"the fake console only produces application/json")
		default:
			next.ServeHTTP(rec, r)
		}
	})
}

func acceptsJSON(accept string) bool {
	if accept == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "application/json", "application/*", "*/*":
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status, code int, message, description string) {
	writeJSON(w, status, map[string]any{
		"http_response": map[string]any{"code": status, "message": http.StatusText(status)},
		"code":          code,
		"message":       message,
		"description":   description,
		"details":       map[string]any{},
		"severity":      "ERROR",
	})
}

func (s *Server) handleValidate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid", "unparsable form body")
		return
	}
	q := r.Form.Get("query_expression")
	if strings.TrimSpace(q) == "" {
		writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid",
			"query_expression is required")
		return
	}
	s.mu.Lock()
	v := s.validator
	s.mu.Unlock()
	msgs := v(q)
	if msgs == nil {
		msgs = []Message{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"error_messages": msgs})
}

var nameFilter = regexp.MustCompile(`^\s*name\s*=\s*"((?:[^"\\]|\\.)*)"\s*$`)
var rangeHeader = regexp.MustCompile(`^items=(\d+)-(\d+)$`)

func (s *Server) handleSavedSearches(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	list := make([]SavedSearch, 0, len(s.searches))
	for _, ss := range s.searches {
		list = append(list, *ss)
	}
	s.mu.Unlock()

	if f := r.URL.Query().Get("filter"); f != "" {
		m := nameFilter.FindStringSubmatch(f)
		if m == nil {
			writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid",
				"the fake console only supports filter=name=\"…\"")
			return
		}
		name := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[1])
		list = slices.DeleteFunc(list, func(ss SavedSearch) bool { return ss.Name != name })
	}
	items := make([]any, len(list))
	for i, ss := range list {
		items[i] = ss
	}
	writeList(w, r, items)
}

// ruleJSON is a rule as GET /analytics/rules lists it.
type ruleJSON struct {
	ID                   int     `json:"id"`
	Name                 string  `json:"name"`
	Type                 string  `json:"type"`
	Enabled              bool    `json:"enabled"`
	Owner                string  `json:"owner"`
	Origin               string  `json:"origin"`
	Identifier           string  `json:"identifier"`
	LinkedRuleIdentifier *string `json:"linked_rule_identifier"`
	CreationDate         int64   `json:"creation_date"`
	ModificationDate     int64   `json:"modification_date"`
}

func (s *Server) handleRules(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	items := make([]any, 0, len(s.rules))
	for _, cr := range s.rules {
		items = append(items, ruleJSON{ID: cr.ID, Name: cr.Name, Type: cr.Type, Enabled: cr.Enabled, Owner: "admin",
			Origin: cr.Origin, Identifier: cr.UUID, CreationDate: cr.Created, ModificationDate: cr.Modified})
	}
	s.mu.Unlock()
	if r.URL.Query().Get("filter") != "" {
		writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid",
			"the fake console does not filter rules")
		return
	}
	writeList(w, r, items)
}

// writeList writes a list endpoint's answer: the Range header selects
// items (Content-Range says which), fields= keeps only the named ones.
func writeList(w http.ResponseWriter, r *http.Request, list []any) {
	total := len(list)
	if rg := r.Header.Get("Range"); rg != "" {
		m := rangeHeader.FindStringSubmatch(strings.TrimSpace(rg))
		if m == nil {
			writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid", "bad Range header")
			return
		}
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		if b < a {
			writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid", "bad Range header")
			return
		}
		if a >= total {
			list = nil
			w.Header().Set("Content-Range", fmt.Sprintf("items */%d", total))
		} else {
			b = min(b, total-1)
			list = list[a : b+1]
			w.Header().Set("Content-Range", fmt.Sprintf("items %d-%d/%d", a, b, total))
		}
	}
	out := make([]map[string]any, 0, len(list))
	fields := r.URL.Query().Get("fields")
	for _, item := range list {
		var m map[string]any
		b, _ := json.Marshal(item)
		_ = json.Unmarshal(b, &m)
		if fields != "" {
			keep := map[string]any{}
			for _, f := range strings.Split(fields, ",") {
				f = strings.TrimSpace(f)
				if v, ok := m[f]; ok {
					keep[f] = v
				}
			}
			m = keep
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

// The content-extension format, declared independently of package
// content: the elements the fake installs.
type xmlContent struct {
	XMLName    xml.Name `xml:"content"`
	Properties []struct {
		ID   int    `xml:"id"`
		Name string `xml:"propertyname"`
		Type string `xml:"propertytype"`
	} `xml:"ariel_regex_property"`
	Expressions []struct {
		APID         int    `xml:"ap_id"`
		DeviceTypeID int    `xml:"devicetypeid"`
		Expression   string `xml:"expression"`
		Enabled      bool   `xml:"enabled"`
	} `xml:"ariel_property_json_expression"`
	Searches []struct {
		Name        string `xml:"name"`
		Description string `xml:"description"`
		AQL         string `xml:"aql"`
	} `xml:"search"`
	Rules []struct {
		Origin   string `xml:"origin"`
		RuleData string `xml:"rule_data"`
		UUID     string `xml:"uuid"`
		RuleType int    `xml:"rule_type"`
	} `xml:"custom_rule"`
}

// xmlRule is the rule XML a custom rule's rule_data carries, base64.
type xmlRule struct {
	XMLName xml.Name `xml:"rule"`
	Enabled bool     `xml:"enabled,attr"`
	Type    string   `xml:"type,attr"`
	Name    string   `xml:"name"`
	Notes   string   `xml:"notes"`
	Tests   []struct {
		Name   string `xml:"name,attr"`
		Params []struct {
			ID        int    `xml:"id,attr"`
			Selection string `xml:"userSelection"`
		} `xml:"parameter"`
	} `xml:"testDefinitions>test"`
	NewEvent *struct {
		Severity    int `xml:"severity,attr"`
		Credibility int `xml:"credibility,attr"`
		Relevance   int `xml:"relevance,attr"`
	} `xml:"responses>newevent"`
}

const aqlTest = "com.q1labs.semsources.cre.tests.AQL_Test"

// parsedContent is an uploaded extension, checked and decoded.
type parsedContent struct {
	props    []CustomProperty
	searches []SavedSearch
	rules    []CustomRule
}

// readExtension decodes an upload: a zip holding one .xml file, or XML.
func readExtension(data []byte) (name string, doc *parsedContent, err error) {
	name = "content"
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return "", nil, fmt.Errorf("zip: %v", err)
		}
		var xmls []*zip.File
		for _, f := range zr.File {
			if strings.HasSuffix(strings.ToLower(f.Name), ".xml") {
				xmls = append(xmls, f)
			}
		}
		if len(xmls) != 1 {
			return "", nil, fmt.Errorf("zip holds %d XML files, want 1", len(xmls))
		}
		rc, err := xmls[0].Open()
		if err != nil {
			return "", nil, fmt.Errorf("zip: %v", err)
		}
		data, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return "", nil, fmt.Errorf("zip: %v", err)
		}
		name = strings.TrimSuffix(xmls[0].Name, ".xml")
	}
	var c xmlContent
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	if err := dec.Decode(&c); err != nil {
		return "", nil, fmt.Errorf("XML: %v", err)
	}
	doc = &parsedContent{}
	names := map[int]string{}
	for _, p := range c.Properties {
		if p.Name == "" || p.Type == "" {
			return "", nil, fmt.Errorf("ariel_regex_property %d without propertyname or propertytype", p.ID)
		}
		names[p.ID] = p.Name
	}
	for _, e := range c.Expressions {
		n, ok := names[e.APID]
		if !ok {
			return "", nil, fmt.Errorf("JSON expression for unknown property id %d", e.APID)
		}
		if e.Expression == "" || e.DeviceTypeID <= 0 {
			return "", nil, fmt.Errorf("JSON expression of %q without expression or devicetypeid", n)
		}
		doc.props = append(doc.props, CustomProperty{Name: n, PropertyType: typeOf(c, e.APID), LogSourceTypeID: e.DeviceTypeID, JSONExpression: e.Expression})
	}
	for _, ss := range c.Searches {
		if ss.Name == "" || ss.AQL == "" {
			return "", nil, errors.New("search without name or aql")
		}
		doc.searches = append(doc.searches, SavedSearch{Name: ss.Name, AQL: ss.AQL, Description: ss.Description})
	}
	for _, cr := range c.Rules {
		rule, err := readRule(cr.RuleData)
		if err != nil {
			return "", nil, fmt.Errorf("custom_rule %s: %v", cr.UUID, err)
		}
		if cr.UUID == "" || cr.Origin != "USER" || cr.RuleType != 0 {
			return "", nil, fmt.Errorf("custom_rule %q: want a uuid, origin USER and rule_type 0 (event)", cr.UUID)
		}
		rule.UUID, rule.Origin = cr.UUID, cr.Origin
		doc.rules = append(doc.rules, rule)
	}
	return name, doc, nil
}

func typeOf(c xmlContent, id int) string {
	for _, p := range c.Properties {
		if p.ID == id {
			return p.Type
		}
	}
	return ""
}

// readRule decodes rule_data and the AQL filter test's query: the query
// percent-encoded, optionally followed by '|' and more.
func readRule(data string) (CustomRule, error) {
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return CustomRule{}, fmt.Errorf("rule_data: %v", err)
	}
	var x xmlRule
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	if err := dec.Decode(&x); err != nil {
		return CustomRule{}, fmt.Errorf("rule XML: %v", err)
	}
	r := CustomRule{Name: x.Name, Notes: x.Notes, Enabled: x.Enabled, Type: x.Type}
	if r.Name == "" || r.Type != "EVENT" {
		return r, errors.New("rule XML without a name or not an EVENT rule")
	}
	for _, t := range x.Tests {
		if t.Name != aqlTest {
			continue
		}
		for _, p := range t.Params {
			if p.ID != 1 {
				continue
			}
			q, _, _ := strings.Cut(p.Selection, "|")
			if r.Filter, err = url.PathUnescape(q); err != nil {
				return r, fmt.Errorf("AQL filter %q: %v", q, err)
			}
		}
	}
	if r.Filter == "" {
		return r, errors.New("rule without an AQL filter test")
	}
	if x.NewEvent != nil {
		r.Severity, r.Credibility, r.Relevance = x.NewEvent.Severity, x.NewEvent.Credibility, x.NewEvent.Relevance
	}
	return r, nil
}

func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	var data []byte
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	switch {
	case strings.HasPrefix(ct, "multipart/form-data"):
		f, _, err := r.FormFile("file")
		if err != nil {
			writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid", "multipart part \"file\" is missing")
			return
		}
		data, _ = io.ReadAll(f)
		f.Close()
	case strings.HasPrefix(ct, "application/xml"), strings.HasPrefix(ct, "text/xml"), strings.HasPrefix(ct, "application/zip"):
		data, _ = io.ReadAll(r.Body)
	default:
		writeError(w, http.StatusUnsupportedMediaType, 1009, "Unsupported Media Type",
			"the fake console accepts application/zip, application/xml or multipart/form-data (file)")
		return
	}
	name, doc, err := readExtension(data)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, 22607, "The supplied extension could not be validated successfully", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	e := &extension{ID: s.nextID, Name: name, Status: "UPLOADED", doc: doc}
	s.extensions = append(s.extensions, e)
	writeJSON(w, http.StatusCreated, e.json())
}

func (e *extension) json() map[string]any {
	var searches, props, rules []string
	for _, ss := range e.doc.searches {
		searches = append(searches, ss.Name)
	}
	for _, p := range e.doc.props {
		props = append(props, p.Name)
	}
	for _, r := range e.doc.rules {
		rules = append(rules, r.Name)
	}
	return map[string]any{
		"id": e.ID, "name": e.Name, "version": "", "status": e.Status,
		"contents": []map[string]any{
			{"content_type_id": 1, "content_type_name": "search", "count": len(searches), "items": searches},
			{"content_type_id": 3, "content_type_name": "customrule", "count": len(rules), "items": rules},
			{"content_type_id": 6, "content_type_name": "customproperty", "count": len(props), "items": props},
		},
	}
}

func (s *Server) handleListExtensions(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, e := range s.extensions {
		out = append(out, e.json())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) findExtension(w http.ResponseWriter, r *http.Request) *extension {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err == nil {
		for _, e := range s.extensions {
			if e.ID == id {
				return e
			}
		}
	}
	writeError(w, http.StatusNotFound, 1002, "The extension does not exist", "no extension "+r.PathValue("id"))
	return nil
}

func (s *Server) handleGetExtension(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.findExtension(w, r); e != nil {
		writeJSON(w, http.StatusOK, e.json())
	}
}

func (s *Server) handleAction(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.findExtension(w, r)
	if e == nil {
		return
	}
	action := r.URL.Query().Get("action_type")
	if action != "INSTALL" && action != "PREVIEW" {
		writeError(w, http.StatusUnprocessableEntity, 1005, "A request parameter is not valid",
			"action_type must be INSTALL or PREVIEW")
		return
	}
	overwrite := r.URL.Query().Get("overwrite") == "true"
	s.nextID++
	tk := &task{id: s.nextID, extID: e.ID, action: action, overwrite: overwrite,
		need: s.installPoll, errMsg: s.taskError, status: "QUEUED"}
	s.tasks[tk.id] = tk
	writeJSON(w, http.StatusAccepted, map[string]any{
		"status_id":       tk.id,
		"message":         "Extension " + strings.ToLower(action) + " task queued",
		"status_location": fmt.Sprintf("%s/api/config/extension_management/extensions_task_status/%d", s.URL, tk.id),
	})
}

func (s *Server) handleTask(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := strconv.Atoi(r.PathValue("id"))
	tk := s.tasks[id]
	if tk == nil {
		writeError(w, http.StatusNotFound, 1002, "The task does not exist", "no task "+r.PathValue("id"))
		return
	}
	if tk.status != "COMPLETED" && tk.status != "ERROR" {
		tk.polls++
		tk.status, tk.message = "PROCESSING", fmt.Sprintf("%s in progress", tk.action)
		if tk.polls >= tk.need {
			switch {
			case tk.errMsg != "":
				tk.status, tk.message = "ERROR", tk.errMsg
			case tk.action == "INSTALL":
				if msg := s.install(tk); msg != "" {
					tk.status, tk.message = "ERROR", msg
				} else {
					tk.status, tk.message = "COMPLETED", "Extension installed"
				}
			default:
				tk.status, tk.message = "COMPLETED", "Preview complete"
			}
		}
	}
	progress := min(100, 100*tk.polls/max(tk.need, 1))
	writeJSON(w, http.StatusOK, map[string]any{
		"id": tk.id, "status": tk.status, "message": tk.message,
		"progress": progress, "minimum": 0, "maximum": 100, "created_by": "admin",
	})
}

// install applies an extension; it returns an error message on conflict
// or when a rule's AQL filter does not validate.
func (s *Server) install(tk *task) string {
	var e *extension
	for _, x := range s.extensions {
		if x.ID == tk.extID {
			e = x
		}
	}
	if e == nil {
		return "extension vanished"
	}
	for _, r := range e.doc.rules {
		for _, m := range s.validator("SELECT * FROM events WHERE " + r.Filter) {
			if sev := strings.ToUpper(m.Severity); sev != "INFO" && sev != "WARN" && sev != "WARNING" {
				return fmt.Sprintf("rule %q: AQL filter is not valid: %s", r.Name, m.Message)
			}
		}
	}
	if !tk.overwrite {
		for _, ss := range e.doc.searches {
			for _, cur := range s.searches {
				if cur.Name == ss.Name {
					return fmt.Sprintf("saved search %q already exists and overwrite=false", ss.Name)
				}
			}
		}
		for _, r := range e.doc.rules {
			for _, cur := range s.rules {
				if cur.UUID == r.UUID {
					return fmt.Sprintf("rule %q already exists and overwrite=false", r.Name)
				}
			}
		}
	}
	for _, p := range e.doc.props {
		s.props[propKey{p.Name, p.LogSourceTypeID}] = p
	}
	for _, x := range e.doc.searches {
		var ss *SavedSearch
		for _, cur := range s.searches {
			if cur.Name == x.Name {
				ss = cur
				break
			}
		}
		if ss == nil {
			ss = s.newSearch(x.Name)
		}
		s.clock += 1000
		ss.AQL, ss.Description, ss.ModifiedDate = x.AQL, x.Description, s.clock
		ss.FromExtensions = append(ss.FromExtensions, e.ID)
	}
	for _, x := range e.doc.rules {
		var cr *CustomRule
		for _, cur := range s.rules {
			if cur.UUID == x.UUID {
				cr = cur
				break
			}
		}
		s.clock += 1000
		if cr == nil {
			s.nextID++
			cr = &CustomRule{ID: s.nextID, Created: s.clock}
			s.rules = append(s.rules, cr)
		}
		id, created := cr.ID, cr.Created
		*cr = x
		cr.ID, cr.Created, cr.Modified = id, created, s.clock
	}
	e.Status = "INSTALLED"
	return ""
}

func (s *Server) newSearch(name string) *SavedSearch {
	s.nextID++
	s.clock += 1000
	ss := &SavedSearch{ID: s.nextID, UID: fmt.Sprintf("fake-%08d", s.nextID), Name: name, Database: "EVENTS",
		Owner: "admin", IsShared: true, CreationDate: s.clock, ModifiedDate: s.clock}
	s.searches = append(s.searches, ss)
	return ss
}
