package qradar_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/push/qradar"
	"github.com/detgen/detgen/push/qradar/qradartest"
)

type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

const pollInterval = 3 * time.Second

func newClient(t *testing.T, srv *qradartest.Server, edit ...func(*qradar.Config)) (*qradar.Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cfg := qradar.Config{
		BaseURL:      srv.BaseURL,
		Token:        srv.Token,
		HTTPClient:   srv.Client(),
		MaxRetries:   3,
		Sleep:        sl.sleep,
		PollInterval: pollInterval,
		PollTimeout:  time.Minute,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := qradar.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

func build(t *testing.T, searches ...qradar.Search) []byte {
	t.Helper()
	b, err := qradar.BuildExtension(qradar.Options{Name: "detgen-k8s"}, searches)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func actions(steps []qradar.Step) []qradar.Action {
	var out []qradar.Action
	for _, s := range steps {
		out = append(out, s.Action)
	}
	return out
}

// writes lists every logged request that is not a read or an AQL validation.
func writes(srv *qradartest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet && r.Path != "/api/ariel/validators/aql" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func noToken(t *testing.T, srv *qradartest.Server, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), srv.Token) {
		t.Fatalf("error contains the token: %v", err)
	}
}

func TestPlanEmptyConsoleCreatesWithoutWrites(t *testing.T) {
	srv := qradartest.NewServer(t)
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	steps, err := c.Plan(context.Background(), build(t, s), []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]qradar.Action{qradar.Create}, actions(steps)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if steps[0].Err != nil || len(steps[0].Messages) != 0 {
		t.Errorf("unexpected step: %+v", steps[0])
	}
	if w := writes(srv); len(w) != 0 {
		t.Errorf("dry run wrote: %v", w)
	}
	// Every request carries the SEC, Version and Accept headers.
	for _, r := range srv.Requests() {
		if r.Header.Get("SEC") != srv.Token || r.Header.Get("Version") != "20.0" || r.Header.Get("Accept") != "application/json" {
			t.Errorf("%s %s: headers SEC/Version/Accept wrong: Version=%q Accept=%q", r.Method, r.Path,
				r.Header.Get("Version"), r.Header.Get("Accept"))
		}
	}
}

func TestApplyUploadsInstallsAndIsIdempotent(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(3)
	c, sl := newClient(t, srv)
	s := cronjobSearch()
	ext := build(t, s)

	steps, err := c.Apply(context.Background(), ext, []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Action != qradar.Create || steps[0].Err != nil || steps[0].ExistingID == 0 {
		t.Fatalf("step: %+v", steps[0])
	}
	wantWrites := []string{
		"POST /api/config/extension_management/extensions",
		"POST /api/config/extension_management/extensions/1001",
	}
	if diff := cmp.Diff(wantWrites, writes(srv)); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	for _, r := range srv.Requests() {
		switch {
		case r.Method == http.MethodPost && r.Path == "/api/config/extension_management/extensions":
			if ct := r.Header.Get("Content-Type"); ct != "application/zip" {
				t.Errorf("upload Content-Type = %q", ct)
			}
			if string(r.Body) != string(ext) {
				t.Error("upload body is not the extension")
			}
		case r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/api/config/extension_management/extensions/"):
			q, _ := url.ParseQuery(r.RawQuery)
			if q.Get("action_type") != "INSTALL" || q.Get("overwrite") != "true" || r.Status != http.StatusAccepted {
				t.Errorf("install request: %s -> %d", r.RawQuery, r.Status)
			}
		}
	}
	if n := srv.Count(http.MethodGet, "/config/extension_management/extensions_task_status/"); n != 3 {
		t.Errorf("task polled %d times, want 3", n)
	}
	if diff := cmp.Diff([]time.Duration{pollInterval, pollInterval}, sl.got()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	got := srv.SavedSearches()
	if len(got) != 1 || got[0].Name != s.Name || got[0].AQL != s.AQL || got[0].ID != steps[0].ExistingID {
		t.Errorf("console saved searches: %+v", got)
	}
	if props := srv.CustomProperties(); len(props) != 2 || props[0].JSONExpression != `/"objectRef"/"resource"` || props[0].LogSourceTypeID != 446 {
		t.Errorf("console custom properties: %+v", props)
	}
	// The custom rule: the AQL's WHERE clause as filter, the spec's
	// severity on QRadar's scale.
	rules := srv.CustomRules()
	if len(rules) != 1 || rules[0].Name != s.Name || rules[0].Filter != `devicetype = 446 AND "objectRef_resource" IN ('cronjobs', 'jobs')` ||
		rules[0].Severity != 8 || !rules[0].Enabled || rules[0].ID != steps[0].ExistingRuleID {
		t.Errorf("console custom rules: %+v (step %+v)", rules, steps[0])
	}

	// Second apply: nothing to do, no upload.
	srv.ResetRequests()
	steps, err = c.Apply(context.Background(), ext, []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Action != qradar.Unchanged || steps[0].ExistingID != got[0].ID {
		t.Errorf("second apply step: %+v", steps[0])
	}
	if w := writes(srv); len(w) != 0 {
		t.Errorf("idempotent apply wrote: %v", w)
	}
}

func TestChangedAQLIsUpdate(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	id := srv.AddSavedSearch(s.Name, "SELECT * FROM events LAST 5 MINUTES")
	srv.AddSavedSearch("someone else's search", s.AQL)

	steps, err := c.Plan(context.Background(), nil, []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Action != qradar.Update || steps[0].ExistingID != id {
		t.Fatalf("plan: %+v", steps[0])
	}
	steps, err = c.Apply(context.Background(), build(t, s), []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Action != qradar.Update || steps[0].ExistingID != id || steps[0].Err != nil {
		t.Errorf("apply: %+v", steps[0])
	}
	for _, ss := range srv.SavedSearches() {
		if ss.ID == id && ss.AQL != s.AQL {
			t.Errorf("search %d not updated: %q", id, ss.AQL)
		}
	}
	if n := len(srv.SavedSearches()); n != 2 {
		t.Errorf("want 2 saved searches (updated in place), got %d", n)
	}
}

// A 409/22613 from the upload (an extension with the same hub id and
// version) is reported with what to do, and the steps carry it.
func TestUploadConflict(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	srv.FailNext(http.MethodPost, "/config/extension_management/extensions", http.StatusConflict, 1)
	steps, err := c.Apply(context.Background(), build(t, s), []qradar.Search{s})
	var ae *qradar.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusConflict {
		t.Fatalf("want a 409 APIError, got %v", err)
	}
	if !strings.Contains(err.Error(), "same hub id and version") || steps[0].Err == nil {
		t.Errorf("error/step: %v / %+v", err, steps[0])
	}
	if n := srv.Count(http.MethodPost, "/config/extension_management/extensions"); n != 1 {
		t.Errorf("409 retried: %d uploads", n)
	}
}

// A saved search that is up to date but whose custom rule is missing (a
// console that got searches from an older detgen) is an Update; so is one
// whose description names another rule version or digest.
func TestRuleMissingOrChangedIsUpdate(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	ext := build(t, s)
	doc, err := content.Parse(ext)
	if err != nil {
		t.Fatal(err)
	}
	id := srv.AddSavedSearch(s.Name, s.AQL)
	steps, err := c.Plan(context.Background(), ext, []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Action != qradar.Update || steps[0].ExistingID != id || steps[0].ExistingRuleID != 0 {
		t.Fatalf("search without description or rule: %+v", steps[0])
	}
	if _, err := c.Apply(context.Background(), ext, []qradar.Search{s}); err != nil {
		t.Fatal(err)
	}
	if ss := srv.SavedSearches(); len(ss) != 1 || ss[0].Description != doc.Searches[0].Description {
		t.Errorf("description not installed: %+v", ss)
	}
	steps, _ = c.Plan(context.Background(), ext, []qradar.Search{s})
	if steps[0].Action != qradar.Unchanged || steps[0].ExistingRuleID == 0 {
		t.Errorf("after apply: %+v", steps[0])
	}
	// Severity changes only the rule: the description's digest moves.
	s.Severity = "critical"
	ext2 := build(t, s)
	steps, _ = c.Plan(context.Background(), ext2, []qradar.Search{s})
	if steps[0].Action != qradar.Update {
		t.Errorf("severity change: %+v", steps[0])
	}
	if _, err := c.Apply(context.Background(), ext2, []qradar.Search{s}); err != nil {
		t.Fatal(err)
	}
	if r := srv.CustomRules(); len(r) != 1 || r[0].Severity != 10 {
		t.Errorf("rule not updated in place: %+v", r)
	}
}

// An aggregating search ships without a custom rule; the plan does not
// wait for one.
func TestAggregatingSearchNeedsNoRule(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	c, _ := newClient(t, srv)
	s := qradar.Search{RuleID: "agg", Name: "detgen: many secrets", Version: 1, Severity: "medium",
		AQL: `SELECT username, COUNT(*) AS n FROM events WHERE devicetype = 446 GROUP BY username HAVING n > 20 LAST 10 MINUTES`}
	ext := build(t, s, cronjobSearch())
	if _, err := c.Apply(context.Background(), ext, []qradar.Search{s, cronjobSearch()}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.CustomRules()); n != 1 {
		t.Errorf("%d custom rules, want 1", n)
	}
	steps, err := c.Plan(context.Background(), ext, []qradar.Search{s, cronjobSearch()})
	if err != nil || steps[0].Action != qradar.Unchanged || steps[1].Action != qradar.Unchanged {
		t.Errorf("second plan: %v %+v", err, steps)
	}
}

// The console refuses a rule whose AQL filter does not validate; the
// install task fails and Apply says which rule.
func TestInvalidRuleFilterFailsInstall(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	srv.SetValidator(func(q string) []qradartest.Message {
		if strings.HasPrefix(q, "SELECT * FROM events WHERE ") {
			return []qradartest.Message{{Severity: "ERROR", Message: "not allowed in a rule"}}
		}
		return nil
	})
	_, err := c.Apply(context.Background(), build(t, s), []qradar.Search{s})
	var te *qradar.TaskError
	if !errors.As(err, &te) || !strings.Contains(te.Message, s.Name) || len(srv.CustomRules()) != 0 {
		t.Errorf("want a task error naming the rule, got %v", err)
	}
}

func TestInvalidAQLChangesNothing(t *testing.T) {
	srv := qradartest.NewServer(t)
	c, _ := newClient(t, srv)
	good := cronjobSearch()
	bad := qradar.Search{RuleID: "bad", Name: "detgen: bad", Version: 1, Severity: "low",
		AQL: "SELECT * FROM events WHERE payload ILIKE '%cronjobs%' LAST 1 HOURS"}
	ext := build(t, good, bad)

	steps, err := c.Apply(context.Background(), ext, []qradar.Search{good, bad})
	if !errors.Is(err, qradar.ErrInvalidAQL) {
		t.Fatalf("want ErrInvalidAQL, got %v", err)
	}
	if !strings.Contains(err.Error(), `"detgen: bad"`) || strings.Contains(err.Error(), good.Name) {
		t.Errorf("error should name exactly the invalid search: %v", err)
	}
	if diff := cmp.Diff([]qradar.Action{qradar.Create, qradar.Invalid}, actions(steps)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if len(steps[1].Messages) == 0 || steps[1].Messages[0].Severity != "ERROR" || !errors.Is(steps[1].Err, qradar.ErrInvalidAQL) {
		t.Errorf("invalid step: %+v", steps[1])
	}
	if w := writes(srv); len(w) != 0 {
		t.Errorf("writes despite invalid AQL: %v", w)
	}
}

// Warnings are reported but do not make a search invalid.
func TestWarningsAreNotInvalid(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetValidator(func(string) []qradartest.Message {
		return []qradartest.Message{{Code: "W1", Severity: "WARN", Message: "no time clause"}}
	})
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	steps, err := c.Plan(context.Background(), nil, []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	want := []qradar.Message{{Code: "W1", Severity: "WARN", Message: "no time clause"}}
	if steps[0].Action != qradar.Create || !cmp.Equal(want, steps[0].Messages) {
		t.Errorf("step: %+v", steps[0])
	}
}

func TestTaskErrorReportsTaskMessage(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetTaskError("Custom property objectRef_resource conflicts with an existing property")
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	steps, err := c.Apply(context.Background(), build(t, s), []qradar.Search{s})
	var te *qradar.TaskError
	if !errors.As(err, &te) || te.Status != "ERROR" {
		t.Fatalf("want TaskError, got %v", err)
	}
	if !strings.Contains(err.Error(), "conflicts with an existing property") {
		t.Errorf("error lacks the task message: %v", err)
	}
	if !errors.Is(steps[0].Err, err) {
		t.Errorf("step error not set: %+v", steps[0])
	}
	if n := len(srv.SavedSearches()); n != 0 {
		t.Errorf("failed install left %d searches", n)
	}
}

func TestPollTimeout(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1000)
	c, sl := newClient(t, srv, func(cfg *qradar.Config) { cfg.PollTimeout = 4 * pollInterval })
	s := cronjobSearch()
	_, err := c.Apply(context.Background(), build(t, s), []qradar.Search{s})
	if !errors.Is(err, qradar.ErrPollTimeout) {
		t.Fatalf("want ErrPollTimeout, got %v", err)
	}
	if n := len(sl.got()); n != 4 {
		t.Errorf("slept %d times, want 4", n)
	}
	if n := srv.Count(http.MethodGet, "/config/extension_management/extensions_task_status/"); n != 5 {
		t.Errorf("polled %d times, want 5", n)
	}
}

func TestUnauthorizedIsClearAndTokenFree(t *testing.T) {
	srv := qradartest.NewServer(t)
	const wrong = "wrong-secret-token-12345"
	c, sl := newClient(t, srv, func(cfg *qradar.Config) { cfg.Token = wrong })
	_, err := c.ValidateAQL(context.Background(), "SELECT 1 FROM events")
	var ae *qradar.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusUnauthorized || ae.Code != 13 {
		t.Fatalf("want 401 APIError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{"401", "Unauthorized", "token", "POST /api/ariel/validators/aql"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, wrong) || strings.Contains(msg, srv.Token) {
		t.Errorf("error contains a token: %q", msg)
	}
	if n := srv.Count("", "/"); n != 1 || len(sl.got()) != 0 {
		t.Errorf("401 was retried: %d requests, sleeps %v", n, sl.got())
	}
}

func TestRetry429ThenSuccess(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.FailNext(http.MethodPost, "/ariel/validators/aql", http.StatusTooManyRequests, 1)
	c, sl := newClient(t, srv)
	msgs, err := c.ValidateAQL(context.Background(), "SELECT 1 FROM events")
	if err != nil || len(msgs) != 0 {
		t.Fatalf("msgs %v err %v", msgs, err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second}, sl.got()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
	if n := srv.Count(http.MethodPost, "/ariel/validators/aql"); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var n atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, `{"error_messages":null}`)
	}))
	defer ts.Close()
	sl := &sleeps{}
	c, err := qradar.New(qradar.Config{BaseURL: ts.URL + "/api", Token: "t0k", HTTPClient: ts.Client(), MaxRetries: 2, Sleep: sl.sleep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ValidateAQL(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, sl.got()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

func TestPersistent5xxGivesUpAfterMaxRetries(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.FailNext(http.MethodGet, "/ariel/saved_searches", http.StatusServiceUnavailable, 100)
	c, sl := newClient(t, srv, func(cfg *qradar.Config) { cfg.MaxRetries = 3 })
	s := cronjobSearch()
	_, err := c.Plan(context.Background(), nil, []qradar.Search{s})
	var ae *qradar.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusServiceUnavailable {
		t.Fatalf("want 503 APIError, got %v", err)
	}
	if !strings.Contains(err.Error(), "after 4 attempts") {
		t.Errorf("error: %v", err)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, sl.got()); diff != "" {
		t.Errorf("backoff (-want +got):\n%s", diff)
	}
	if n := srv.Count(http.MethodGet, "/ariel/saved_searches"); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	noToken(t, srv, err)
}

func TestOther4xxNotRetried(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.FailNext(http.MethodPost, "/ariel/validators/aql", http.StatusUnprocessableEntity, 5)
	c, sl := newClient(t, srv)
	_, err := c.ValidateAQL(context.Background(), "SELECT 1 FROM events")
	var ae *qradar.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusUnprocessableEntity || ae.Code != 1020 || ae.Method != "POST" || ae.Path != "/api/ariel/validators/aql" {
		t.Fatalf("got %#v", err)
	}
	if n := srv.Count("", "/"); n != 1 || len(sl.got()) != 0 {
		t.Errorf("422 retried: %d requests", n)
	}
}

func TestLongAQLSentInFormBody(t *testing.T) {
	srv := qradartest.NewServer(t)
	c, _ := newClient(t, srv)
	var b strings.Builder
	b.WriteString(`SELECT * FROM events WHERE "objectRef_resource" IN (`)
	for i := 0; b.Len() < 9000; i++ {
		fmt.Fprintf(&b, "'res-%d & more+%%', ", i)
	}
	b.WriteString("'last') LAST 24 HOURS")
	aql := b.String()

	if _, err := c.ValidateAQL(context.Background(), aql); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("requests: %d", len(reqs))
	}
	r := reqs[0]
	if r.RawQuery != "" {
		t.Errorf("query string used: %d bytes", len(r.RawQuery))
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	form, err := url.ParseQuery(string(r.Body))
	if err != nil || form.Get("query_expression") != aql {
		t.Errorf("body does not carry the AQL exactly (err %v)", err)
	}
}

func TestSavedSearchPagination(t *testing.T) {
	srv := qradartest.NewServer(t)
	s := cronjobSearch()
	for i := range 120 {
		if i == 110 {
			srv.AddSavedSearch(s.Name, s.AQL)
			continue
		}
		srv.AddSavedSearch(fmt.Sprintf("other %d", i), "SELECT 1 FROM events")
	}
	c, _ := newClient(t, srv)
	steps, err := c.Plan(context.Background(), nil, []qradar.Search{s})
	if err != nil {
		t.Fatal(err)
	}
	if steps[0].Action != qradar.Unchanged {
		t.Errorf("action %v, want unchanged", steps[0].Action)
	}
	var ranges []string
	for _, r := range srv.Requests() {
		if r.Path == "/api/ariel/saved_searches" {
			ranges = append(ranges, r.Header.Get("Range"))
		}
	}
	if diff := cmp.Diff([]string{"items=0-49", "items=50-99", "items=100-149"}, ranges); diff != "" {
		t.Errorf("ranges (-want +got):\n%s", diff)
	}
}

func TestPlanRejectsMismatchedExtension(t *testing.T) {
	srv := qradartest.NewServer(t)
	c, _ := newClient(t, srv)
	s := cronjobSearch()
	ext := build(t, s)
	changed := s
	changed.AQL += " LIMIT 5"
	if _, err := c.Plan(context.Background(), ext, []qradar.Search{changed}); err == nil || !strings.Contains(err.Error(), "different AQL") {
		t.Errorf("want mismatch error, got %v", err)
	}
	if _, err := c.Apply(context.Background(), []byte("not xml"), []qradar.Search{s}); err == nil {
		t.Error("want error for a non-XML extension")
	}
	other := s
	other.RuleID = "another-rule"
	if _, err := c.Plan(context.Background(), ext, []qradar.Search{other}); err == nil || !strings.Contains(err.Error(), "no custom rule") {
		t.Errorf("want missing-rule error, got %v", err)
	}
	if n := srv.Count("", "/"); n != 0 {
		t.Errorf("%d requests sent for a bad extension", n)
	}
}

// The token must not leak through any error, even when a server echoes it,
// nor through formatting the Config or Client.
func TestTokenNeverLeaks(t *testing.T) {
	const token = "s3cr3t-T0KEN-value"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sec := r.Header.Get("SEC")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"code": 1, "message": "bad token " + sec, "description": "you sent " + sec})
	}))
	defer echo.Close()
	cfg := qradar.Config{BaseURL: echo.URL + "/api", Token: token, HTTPClient: echo.Client(), Sleep: func(time.Duration) {}}
	c, err := qradar.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	_, err = c.ValidateAQL(context.Background(), "SELECT 1")
	errs = append(errs, err)

	// Task ERROR echoing the token, and invalid-AQL messages echoing it.
	srv := qradartest.NewServer(t)
	srv.Token = token
	srv.SetTaskError("task failed for " + token)
	c2, _ := newClient(t, srv)
	s := cronjobSearch()
	_, err = c2.Apply(context.Background(), build(t, s), []qradar.Search{s})
	errs = append(errs, err)
	srv.SetValidator(func(string) []qradartest.Message {
		return []qradartest.Message{{Severity: "ERROR", Message: "bad " + token}}
	})
	_, err = c2.Apply(context.Background(), build(t, s), []qradar.Search{s})
	errs = append(errs, err)

	// Transport error (server closed).
	srv.Close()
	_, err = c2.ValidateAQL(context.Background(), "SELECT 1")
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: want an error", i)
			continue
		}
		if strings.Contains(err.Error(), token) || strings.Contains(fmt.Sprintf("%+v", err), token) {
			t.Errorf("case %d: token in error: %v", i, err)
		}
	}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%v %+v %#v", c, c, *c)} {
		if strings.Contains(s, token) {
			t.Errorf("token printed: %s", s)
		}
	}
}

// A redirect is not followed, so the SEC header cannot reach another host.
func TestRedirectNotFollowed(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("SEC") != "")
	}))
	defer other.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer redir.Close()
	c, err := qradar.New(qradar.Config{BaseURL: redir.URL + "/api", Token: "tok", HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ValidateAQL(context.Background(), "SELECT 1")
	var ae *qradar.APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusTemporaryRedirect || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("want redirect APIError, got %v", err)
	}
	if leaked.Load() {
		t.Error("SEC header sent to the redirect target")
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  qradar.Config
		want string
	}{
		{qradar.Config{Token: "t"}, "BaseURL is empty"},
		{qradar.Config{BaseURL: "console/api", Token: "t"}, "absolute http(s) URL"},
		{qradar.Config{BaseURL: "ftp://console/api", Token: "t"}, "absolute http(s) URL"},
		{qradar.Config{BaseURL: "https://u:p@console/api", Token: "t"}, "credentials"},
		{qradar.Config{BaseURL: "https://console/api"}, "Token is empty"},
		{qradar.Config{BaseURL: "https://console/api", Token: "a\r\nX-Evil: 1"}, "control characters"},
		{qradar.Config{BaseURL: "https://console/api", Token: "t", MaxRetries: -1}, "MaxRetries"},
	} {
		_, err := qradar.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want %q", tc.cfg, err, tc.want)
		}
		if err != nil && tc.cfg.Token != "" && strings.Contains(err.Error(), tc.cfg.Token) && len(tc.cfg.Token) > 1 {
			t.Errorf("token in error: %v", err)
		}
	}
	if _, err := qradar.New(qradar.Config{BaseURL: "https://console.example/api/", Token: "t"}); err != nil {
		t.Errorf("valid config rejected: %v", err)
	}
}

func TestAPIErrorDecoding(t *testing.T) {
	for _, tc := range []struct {
		body string
		want qradar.APIError
	}{
		{`{"http_response":{"code":422,"message":"Unprocessable Entity"},"code":22607,"message":"The extension is not valid","description":"bad XML","details":{}}`,
			qradar.APIError{HTTPStatus: 422, Code: 22607, Message: "The extension is not valid", Description: "bad XML", Method: "POST", Path: "/api/ariel/validators/aql"}},
		{`{"http_response":{"code":422,"message":"Unprocessable Entity"},"code":"2000"}`,
			qradar.APIError{HTTPStatus: 422, Code: 2000, Message: "Unprocessable Entity", Method: "POST", Path: "/api/ariel/validators/aql"}},
		{`<html>proxy error</html>`,
			qradar.APIError{HTTPStatus: 422, Message: "<html>proxy error</html>", Method: "POST", Path: "/api/ariel/validators/aql"}},
	} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(422)
			fmt.Fprint(w, tc.body)
		}))
		c, err := qradar.New(qradar.Config{BaseURL: ts.URL + "/api", Token: "t0k", HTTPClient: ts.Client()})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ValidateAQL(context.Background(), "SELECT 1")
		ts.Close()
		var ae *qradar.APIError
		if !errors.As(err, &ae) {
			t.Fatalf("not an APIError: %v", err)
		}
		if diff := cmp.Diff(tc.want, *ae); diff != "" {
			t.Errorf("APIError (-want +got):\n%s", diff)
		}
	}
}

func TestMessageDecodingIsTolerant(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `[{"code":1024,"severity":"ERROR","message":"m","contexts":["a",{"line":1}]},{"code":"x","severity":"INFO","message":"i","contexts":"one"}]`)
	}))
	defer ts.Close()
	c, err := qradar.New(qradar.Config{BaseURL: ts.URL + "/api", Token: "t0k", HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.ValidateAQL(context.Background(), "SELECT 1")
	if err != nil {
		t.Fatal(err)
	}
	want := []qradar.Message{
		{Code: "1024", Severity: "ERROR", Message: "m", Contexts: []string{"a", `{"line":1}`}},
		{Code: "x", Severity: "INFO", Message: "i", Contexts: []string{"one"}},
	}
	if diff := cmp.Diff(want, msgs); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.FailNext("", "/", http.StatusServiceUnavailable, 100)
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := newClient(t, srv, func(cfg *qradar.Config) {
		cfg.MaxRetries = 50
		cfg.Sleep = func(time.Duration) { cancel() }
	})
	_, err := c.ValidateAQL(ctx, "SELECT 1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	if n := srv.Count("", "/"); n != 1 {
		t.Errorf("%d attempts after cancel", n)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Transport errors are retried for GET (safe to repeat) but not for POST.
func TestTransportErrorRetriedForGETOnly(t *testing.T) {
	srv := qradartest.NewServer(t)
	var failPOST, failGET atomic.Int32
	transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		ctr := &failGET
		if r.Method == http.MethodPost {
			ctr = &failPOST
		}
		if ctr.Add(-1) >= 0 {
			return nil, errors.New("connection reset by peer")
		}
		return srv.Client().Transport.RoundTrip(r)
	})
	c, sl := newClient(t, srv, func(cfg *qradar.Config) { cfg.HTTPClient = &http.Client{Transport: transport} })

	failPOST.Store(1)
	if _, err := c.ValidateAQL(context.Background(), "SELECT 1"); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("POST: want the transport error, got %v", err)
	}
	if len(sl.got()) != 0 {
		t.Errorf("POST was retried: %v", sl.got())
	}

	failGET.Store(1)
	steps, err := c.Plan(context.Background(), nil, []qradar.Search{cronjobSearch()})
	if err != nil || steps[0].Action != qradar.Create {
		t.Fatalf("GET not retried: %v %+v", err, steps)
	}
	if diff := cmp.Diff([]time.Duration{time.Second}, sl.got()); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}
