package chronicle_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/detgen/detgen/push/chronicle"
	"github.com/detgen/detgen/push/chronicle/chronicletest"
)

// ---------------------------------------------------------------------------
// helpers

var (
	ruleIDRE     = regexp.MustCompile(`^ru_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	revisionIDRE = regexp.MustCompile(`^v_[0-9]{10}_[0-9]{9}$`)
)

var ruleNames = []string{
	"kubernetes_suspicious_cronjob_job_creation",
	"kubernetes_privileged_pod",
	"kubernetes_exec_into_pod",
}

func yaral(name, verb string) string {
	return "rule " + name + " {\n" +
		"  meta:\n" +
		"    author = \"detgen\"\n" +
		"  events:\n" +
		"    $e.metadata.log_type = \"KUBERNETES_AUDIT\"\n" +
		"    $e.network.http.method = \"" + verb + "\"\n" +
		"  condition:\n" +
		"    $e\n" +
		"}\n"
}

func testRules() []chronicle.Rule {
	out := make([]chronicle.Rule, len(ruleNames))
	for i, n := range ruleNames {
		out[i] = chronicle.Rule{Name: n, Text: yaral(n, "create"), Source: "dist/chronicle/" + n + ".yaral"}
	}
	return out
}

type env struct {
	t      *testing.T
	srv    *chronicletest.Server
	c      *chronicle.Client
	sleeps []time.Duration
}

func newEnv(t *testing.T, tweak ...func(*chronicle.Config)) *env {
	t.Helper()
	e := &env{t: t, srv: chronicletest.NewServer(t)}
	cfg := chronicle.Config{
		BaseURL:    e.srv.BaseURL,
		Instance:   e.srv.Instance,
		Token:      e.srv.Token,
		HTTPClient: e.srv.Client(),
		Sleep:      func(d time.Duration) { e.sleeps = append(e.sleeps, d) },
		UserAgent:  "detgen-test",
	}
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := chronicle.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.c = c
	return e
}

// writes are the requests that change state: everything but GET and
// verifyRuleText.
func (e *env) writes() []chronicletest.Request {
	var out []chronicletest.Request
	for _, r := range e.srv.Requests() {
		if r.Method != http.MethodGet && !strings.HasSuffix(r.Path, ":verifyRuleText") {
			out = append(out, r)
		}
	}
	return out
}

func (e *env) count(method, suffix string) int {
	n := 0
	for _, r := range e.srv.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			n++
		}
	}
	return n
}

// noToken fails if err, or any step error, shows the server's token.
func (e *env) noToken(err error, steps ...chronicle.Step) {
	e.t.Helper()
	assertNoSecret(e.t, e.srv.Token, err)
	for _, s := range steps {
		assertNoSecret(e.t, e.srv.Token, s.Err)
	}
}

func assertNoSecret(t *testing.T, secret string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if strings.Contains(s, secret) {
			t.Errorf("error shows the token: %s", s)
		}
	}
	var apiErr *chronicle.APIError
	if errors.As(err, &apiErr) {
		if s := fmt.Sprintf("%#v", *apiErr); strings.Contains(s, secret) {
			t.Errorf("APIError fields show the token: %s", s)
		}
	}
}

func actions(steps []chronicle.Step) []chronicle.Action {
	out := make([]chronicle.Action, len(steps))
	for i, s := range steps {
		out[i] = s.Action
	}
	return out
}

func ids(steps []chronicle.Step) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.RemoteID
	}
	return out
}

func mustApply(t *testing.T, e *env, rules []chronicle.Rule, enable bool) []chronicle.Step {
	t.Helper()
	steps, err := e.c.Apply(context.Background(), rules, enable)
	e.noToken(err, steps...)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return steps
}

func jsonBody(t *testing.T, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("request body %q: %v", body, err)
	}
	return m
}

// ---------------------------------------------------------------------------
// tests

// Plan on an empty tenant: every rule is verified (ruleText body), one list
// with pageSize=1000&view=FULL, all Create, and nothing written.
func TestPlanDryRunEmptyTenant(t *testing.T) {
	e := newEnv(t)
	rules := testRules()
	steps, err := e.c.Plan(context.Background(), rules)
	e.noToken(err)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]chronicle.Action{chronicle.Create, chronicle.Create, chronicle.Create}, actions(steps)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	for i, s := range steps {
		if s.Rule != rules[i] || s.RemoteID != "" || s.Applied || s.Err != nil || len(s.Diagnostics) != 0 {
			t.Errorf("step %d = %+v", i, s)
		}
	}
	if w := e.writes(); len(w) != 0 {
		t.Errorf("dry run wrote: %+v", w)
	}
	if n := len(e.srv.Rules()); n != 0 {
		t.Errorf("tenant has %d rules after a dry run", n)
	}
	reqs := e.srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("got %d requests, want 3 verify + 1 list", len(reqs))
	}
	for i := range 3 {
		r := reqs[i]
		if r.Method != "POST" || !strings.HasSuffix(r.Path, "/"+e.srv.Instance+":verifyRuleText") {
			t.Errorf("request %d = %s %s", i, r.Method, r.Path)
		}
		if diff := cmp.Diff(map[string]any{"ruleText": rules[i].Text}, jsonBody(t, r.Body)); diff != "" {
			t.Errorf("verify body (-want +got):\n%s", diff)
		}
	}
	if r := reqs[3]; r.Method != "GET" || !strings.HasSuffix(r.Path, "/rules") || r.RawQuery != "pageSize=1000&view=FULL" {
		t.Errorf("list request = %s %s?%s", r.Method, r.Path, r.RawQuery)
	}
	for _, r := range reqs {
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s %s: Content-Type %q", r.Method, r.Path, got)
		}
		if got := r.Header.Get("User-Agent"); got != "detgen-test" {
			t.Errorf("%s %s: User-Agent %q", r.Method, r.Path, got)
		}
	}
}

// Apply creates every rule (POST /rules {"text"}); a second Apply finds them
// all Unchanged and makes no write request and no revision.
func TestApplyCreatesAndIsIdempotent(t *testing.T) {
	e := newEnv(t)
	rules := testRules()
	steps := mustApply(t, e, rules, false)
	if diff := cmp.Diff([]chronicle.Action{chronicle.Create, chronicle.Create, chronicle.Create}, actions(steps)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	for i, s := range steps {
		if !s.Applied || s.Deployed || !ruleIDRE.MatchString(s.RemoteID) || !revisionIDRE.MatchString(s.RevisionID) {
			t.Errorf("step %d = %+v", i, s)
		}
	}
	stored := e.srv.Rules()
	if len(stored) != 3 {
		t.Fatalf("tenant has %d rules, want 3", len(stored))
	}
	for i, r := range stored {
		want := chronicletest.Rule{ID: steps[i].RemoteID, DisplayName: rules[i].Name, Text: rules[i].Text, RevisionID: steps[i].RevisionID, Revisions: 1}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("stored rule %d (-want +got):\n%s", i, diff)
		}
	}
	w := e.writes()
	if len(w) != 3 {
		t.Fatalf("got %d writes, want 3 creates: %+v", len(w), w)
	}
	for i, r := range w {
		if r.Method != "POST" || !strings.HasSuffix(r.Path, e.srv.Instance+"/rules") {
			t.Errorf("write %d = %s %s", i, r.Method, r.Path)
		}
		if diff := cmp.Diff(map[string]any{"text": rules[i].Text}, jsonBody(t, r.Body)); diff != "" {
			t.Errorf("create body (-want +got):\n%s", diff)
		}
	}

	e.srv.ResetRequests()
	again := mustApply(t, e, rules, false)
	if diff := cmp.Diff([]chronicle.Action{chronicle.Unchanged, chronicle.Unchanged, chronicle.Unchanged}, actions(again)); diff != "" {
		t.Errorf("second apply actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ids(steps), ids(again)); diff != "" {
		t.Errorf("remote ids changed (-first +second):\n%s", diff)
	}
	for _, s := range again {
		if s.Applied {
			t.Errorf("unchanged rule %s marked applied", s.Rule.Name)
		}
		if n := e.srv.Revisions(s.RemoteID); n != 1 {
			t.Errorf("%s has %d revisions after re-push, want 1", s.Rule.Name, n)
		}
	}
	if w := e.writes(); len(w) != 0 {
		t.Errorf("idempotent re-push wrote: %+v", w)
	}
}

// A changed text is an Update: PATCH /rules/{id}?updateMask=text, same id,
// a new revision id, revision count 2; the other rules stay untouched.
func TestChangedTextCreatesRevision(t *testing.T) {
	e := newEnv(t)
	rules := testRules()
	first := mustApply(t, e, rules, false)

	rules[1].Text = yaral(rules[1].Name, "patch")
	plan, err := e.c.Plan(context.Background(), rules)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]chronicle.Action{chronicle.Unchanged, chronicle.Update, chronicle.Unchanged}, actions(plan)); diff != "" {
		t.Errorf("plan actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(ids(first), ids(plan)); diff != "" {
		t.Errorf("plan ids (-want +got):\n%s", diff)
	}

	e.srv.ResetRequests()
	steps := mustApply(t, e, rules, false)
	s := steps[1]
	if s.Action != chronicle.Update || !s.Applied || s.RemoteID != first[1].RemoteID {
		t.Fatalf("step = %+v", s)
	}
	if s.RevisionID == first[1].RevisionID || !revisionIDRE.MatchString(s.RevisionID) {
		t.Errorf("revision %q, first revision %q", s.RevisionID, first[1].RevisionID)
	}
	got, _ := e.srv.Rule(s.RemoteID)
	if got.Revisions != 2 || got.Text != rules[1].Text || got.RevisionID != s.RevisionID {
		t.Errorf("stored rule = %+v", got)
	}
	for _, i := range []int{0, 2} {
		if n := e.srv.Revisions(first[i].RemoteID); n != 1 {
			t.Errorf("unchanged rule %d has %d revisions", i, n)
		}
	}
	if n := len(e.srv.Rules()); n != 3 {
		t.Errorf("tenant has %d rules, want 3", n)
	}
	w := e.writes()
	if len(w) != 1 || w[0].Method != "PATCH" || !strings.HasSuffix(w[0].Path, "/rules/"+s.RemoteID) || w[0].RawQuery != "updateMask=text" {
		t.Fatalf("writes = %+v", w)
	}
	if diff := cmp.Diff(map[string]any{"text": rules[1].Text}, jsonBody(t, w[0].Body)); diff != "" {
		t.Errorf("patch body (-want +got):\n%s", diff)
	}
}

// An Invalid rule blocks the whole Apply: no write, a *VerificationError that
// names the rule and gives its diagnostics as SOURCE:line:col.
func TestInvalidRuleChangesNothing(t *testing.T) {
	t.Run("default verifier", func(t *testing.T) {
		e := newEnv(t)
		rules := testRules()
		rules[1].Text = "rule kubernetes_privileged_pod {\n  events:\n    $e.metadata.log_type = \"KUBERNETES_AUDIT\"\n}\n"
		steps, err := e.c.Apply(context.Background(), rules, true)
		e.noToken(err, steps...)
		var verr *chronicle.VerificationError
		if !errors.As(err, &verr) {
			t.Fatalf("err = %v, want *VerificationError", err)
		}
		if diff := cmp.Diff([]chronicle.Action{chronicle.Create, chronicle.Invalid, chronicle.Create}, actions(steps)); diff != "" {
			t.Errorf("actions (-want +got):\n%s", diff)
		}
		want := []chronicle.Diagnostic{{Message: "rule has no condition section", Severity: "ERROR", StartLine: 1, StartColumn: 1, EndLine: 1, EndColumn: 2}}
		if diff := cmp.Diff(want, steps[1].Diagnostics); diff != "" {
			t.Errorf("diagnostics (-want +got):\n%s", diff)
		}
		if verr.Total != 3 || len(verr.Invalid) != 1 || verr.Invalid[0].Rule.Name != "kubernetes_privileged_pod" {
			t.Errorf("VerificationError = %+v", verr)
		}
		for _, frag := range []string{
			"1 of 3 rules failed verification; nothing was changed",
			"kubernetes_privileged_pod (dist/chronicle/kubernetes_privileged_pod.yaral)",
			"dist/chronicle/kubernetes_privileged_pod.yaral:1:1: error: rule has no condition section",
		} {
			if !strings.Contains(err.Error(), frag) {
				t.Errorf("error %q lacks %q", err, frag)
			}
		}
		if w := e.writes(); len(w) != 0 {
			t.Errorf("invalid push wrote: %+v", w)
		}
		if n := len(e.srv.Rules()); n != 0 {
			t.Errorf("tenant has %d rules", n)
		}
	})

	t.Run("positions and warnings", func(t *testing.T) {
		e := newEnv(t)
		rules := testRules()
		// Rule 0 already exists; its new text is rejected at line 6, column 21.
		existing := e.srv.AddRule(rules[0].Text)
		rules[0].Text = strings.Replace(rules[0].Text, "network.http.method", "network.http.bogus_field", 1)
		e.srv.SetVerify(func(text string) []chronicletest.Diagnostic {
			var out []chronicletest.Diagnostic
			if strings.Contains(text, "kubernetes_exec_into_pod") {
				out = append(out, chronicletest.Diagnostic{Message: "rule has no outcome section", Severity: "WARNING", StartLine: 1, StartColumn: 1})
			}
			for i, line := range strings.Split(text, "\n") {
				if c := strings.Index(line, "bogus_field"); c >= 0 {
					out = append(out, chronicletest.Diagnostic{Message: `unknown UDM field "network.http.bogus_field"`, Severity: "ERROR",
						StartLine: i + 1, StartColumn: c + 1, EndLine: i + 1, EndColumn: c + 1 + len("bogus_field")})
				}
			}
			return out
		})
		steps, err := e.c.Apply(context.Background(), rules, false)
		e.noToken(err, steps...)
		var verr *chronicle.VerificationError
		if !errors.As(err, &verr) {
			t.Fatalf("err = %v, want *VerificationError", err)
		}
		if diff := cmp.Diff([]chronicle.Action{chronicle.Invalid, chronicle.Create, chronicle.Create}, actions(steps)); diff != "" {
			t.Errorf("actions (-want +got):\n%s", diff)
		}
		if steps[0].RemoteID != existing.ID {
			t.Errorf("invalid step remote id %q, want %q", steps[0].RemoteID, existing.ID)
		}
		want := "dist/chronicle/kubernetes_suspicious_cronjob_job_creation.yaral:6:21: error: unknown UDM field \"network.http.bogus_field\""
		if len(steps[0].Diagnostics) != 1 {
			t.Fatalf("diagnostics = %+v", steps[0].Diagnostics)
		}
		if got := steps[0].Diagnostics[0].Format(steps[0].Rule.Source); got != want {
			t.Errorf("Format = %q\nwant     %q", got, want)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
		// A warning does not make a rule invalid but is reported.
		if d := steps[2].Diagnostics; len(d) != 1 || d[0].Severity != "WARNING" {
			t.Errorf("warnings = %+v", d)
		}
		if w := e.writes(); len(w) != 0 {
			t.Errorf("invalid push wrote: %+v", w)
		}
		if got, _ := e.srv.Rule(existing.ID); got.Revisions != 1 {
			t.Errorf("existing rule has %d revisions", got.Revisions)
		}
	})
}

// A rejected token gives a clear 401 error, is not retried, and the error
// shows neither the rejected nor the real token.
func TestUnauthorized(t *testing.T) {
	const wrong = "ya29.wrong-token-1f2e3d4c5b6a79880"
	e := newEnv(t, func(c *chronicle.Config) { c.Token = wrong })
	_, err := e.c.Apply(context.Background(), testRules(), false)
	if err == nil {
		t.Fatal("Apply succeeded with a wrong token")
	}
	e.noToken(err)
	assertNoSecret(t, wrong, err)
	var apiErr *chronicle.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 401 || apiErr.Status != "UNAUTHENTICATED" {
		t.Fatalf("err = %v, want a 401 UNAUTHENTICATED *APIError", err)
	}
	for _, frag := range []string{"verify rule kubernetes_suspicious_cronjob_job_creation", "HTTP 401 UNAUTHENTICATED", "access token was rejected"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error %q lacks %q", err, frag)
		}
	}
	if n := len(e.srv.Requests()); n != 1 {
		t.Errorf("%d requests, want 1 (no retry on 401)", n)
	}
	if len(e.sleeps) != 0 {
		t.Errorf("slept %v", e.sleeps)
	}
}

// 429 and 5xx are retried with backoff 1s, 2s, 4s or the Retry-After value.
func TestRetriesWithBackoff(t *testing.T) {
	tests := []struct {
		name      string
		fault     chronicletest.Fault
		wantSleep []time.Duration
		method    string
		suffix    string
		wantReqs  int
	}{
		{"429 once", chronicletest.Fault{Method: "POST", PathSuffix: ":verifyRuleText", Status: 429, Times: 1},
			[]time.Duration{time.Second}, "POST", ":verifyRuleText", 4},
		{"429 with Retry-After", chronicletest.Fault{Method: "POST", PathSuffix: ":verifyRuleText", Status: 429, Times: 1, RetryAfter: "7"},
			[]time.Duration{7 * time.Second}, "POST", ":verifyRuleText", 4},
		{"503 twice on list", chronicletest.Fault{Method: "GET", PathSuffix: "/rules", Status: 503, Times: 2},
			[]time.Duration{time.Second, 2 * time.Second}, "GET", "/rules", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.Fail(tt.fault)
			steps, err := e.c.Plan(context.Background(), testRules())
			e.noToken(err)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if diff := cmp.Diff([]chronicle.Action{chronicle.Create, chronicle.Create, chronicle.Create}, actions(steps)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSleep, e.sleeps); diff != "" {
				t.Errorf("sleeps (-want +got):\n%s", diff)
			}
			if n := e.count(tt.method, tt.suffix); n != tt.wantReqs {
				t.Errorf("%d %s %s requests, want %d", n, tt.method, tt.suffix, tt.wantReqs)
			}
		})
	}
}

// A 500 on every try fails after MaxRetries retries (1s, 2s, 4s); MaxRetries
// is configurable; 4xx other than 429 are never retried.
func TestRetryLimits(t *testing.T) {
	t.Run("500 forever, default MaxRetries", func(t *testing.T) {
		e := newEnv(t)
		e.srv.FailNext("GET", "/rules", 500, 100)
		_, err := e.c.Plan(context.Background(), testRules())
		e.noToken(err)
		var apiErr *chronicle.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 500 || apiErr.Status != "INTERNAL" {
			t.Fatalf("err = %v, want a 500 *APIError", err)
		}
		if !strings.Contains(err.Error(), "gave up after 4 attempts") || !strings.HasPrefix(err.Error(), "list rules: ") {
			t.Errorf("err = %q", err)
		}
		if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, e.sleeps); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
		if n := e.count("GET", "/rules"); n != 4 {
			t.Errorf("%d list requests, want 4", n)
		}
	})
	t.Run("MaxRetries 1", func(t *testing.T) {
		e := newEnv(t, func(c *chronicle.Config) { c.MaxRetries = 1 })
		e.srv.FailNext("", "", 503, 100)
		_, err := e.c.Plan(context.Background(), testRules())
		e.noToken(err)
		if err == nil || !strings.Contains(err.Error(), "gave up after 2 attempts") {
			t.Fatalf("err = %v", err)
		}
		if diff := cmp.Diff([]time.Duration{time.Second}, e.sleeps); diff != "" {
			t.Errorf("sleeps (-want +got):\n%s", diff)
		}
	})
	t.Run("MaxRetries negative", func(t *testing.T) {
		e := newEnv(t, func(c *chronicle.Config) { c.MaxRetries = -1 })
		e.srv.FailNext("", "", 429, 1)
		if _, err := e.c.Plan(context.Background(), testRules()); err == nil {
			t.Fatal("no error")
		}
		if len(e.sleeps) != 0 || len(e.srv.Requests()) != 1 {
			t.Errorf("sleeps %v, %d requests", e.sleeps, len(e.srv.Requests()))
		}
	})
	t.Run("400 not retried", func(t *testing.T) {
		e := newEnv(t)
		e.srv.FailNext("POST", "/rules", 400, 1)
		steps, err := e.c.Apply(context.Background(), testRules()[:1], false)
		e.noToken(err, steps...)
		var apiErr *chronicle.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 400 || apiErr.Status != "INVALID_ARGUMENT" {
			t.Fatalf("err = %v, want a 400 *APIError", err)
		}
		if !errors.As(steps[0].Err, &apiErr) {
			t.Errorf("step error = %v", steps[0].Err)
		}
		if len(e.sleeps) != 0 || e.count("POST", "/rules") != 1 {
			t.Errorf("sleeps %v, %d creates", e.sleeps, e.count("POST", "/rules"))
		}
	})
	t.Run("context canceled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		e := newEnv(t, func(c *chronicle.Config) { c.Sleep = func(time.Duration) { cancel() } })
		e.srv.FailNext("", "", 503, 100)
		_, err := e.c.Plan(ctx, testRules())
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		e.noToken(err)
		if n := len(e.srv.Requests()); n != 1 {
			t.Errorf("%d requests after cancel, want 1", n)
		}
	})
}

// The second of three creates fails on every try: the first and third are
// still created, every step is returned, and the *ApplyError names what was
// applied and what failed. A re-push then creates only the missing rule.
func TestPartialFailureIsReported(t *testing.T) {
	e := newEnv(t)
	e.srv.Fail(chronicletest.Fault{Method: "POST", PathSuffix: "/rules", Status: 500, Skip: 1, Times: 4})
	rules := testRules()
	steps, err := e.c.Apply(context.Background(), rules, false)
	e.noToken(err, steps...)
	var aerr *chronicle.ApplyError
	if !errors.As(err, &aerr) {
		t.Fatalf("err = %v, want *ApplyError", err)
	}
	if len(steps) != 3 || len(aerr.Steps) != 3 {
		t.Fatalf("steps = %+v", steps)
	}
	if !steps[0].Applied || steps[0].Err != nil || !steps[2].Applied || steps[2].Err != nil {
		t.Errorf("first/third steps = %+v / %+v", steps[0], steps[2])
	}
	if steps[1].Applied || steps[1].Err == nil || steps[1].RemoteID != "" {
		t.Errorf("second step = %+v", steps[1])
	}
	var apiErr *chronicle.APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 500 {
		t.Errorf("errors.As(*APIError) = %v", apiErr)
	}
	msg := err.Error()
	for _, frag := range []string{
		"push incomplete: 1 of 3 rules failed",
		"applied: kubernetes_suspicious_cronjob_job_creation (created " + steps[0].RemoteID + "), kubernetes_exec_into_pod (created " + steps[2].RemoteID + ")",
		"failed: kubernetes_privileged_pod (dist/chronicle/kubernetes_privileged_pod.yaral): create: ",
		"HTTP 500 INTERNAL",
	} {
		if !strings.Contains(msg, frag) {
			t.Errorf("error lacks %q:\n%s", frag, msg)
		}
	}
	stored := e.srv.Rules()
	if len(stored) != 2 || stored[0].DisplayName != ruleNames[0] || stored[1].DisplayName != ruleNames[2] {
		t.Errorf("stored = %+v", stored)
	}
	// Before each retry of the failed create the client looked for the rule.
	if n := e.count("GET", "/rules"); n != 1+3 {
		t.Errorf("%d list requests, want 1 (plan) + 3 (before each retry)", n)
	}

	again := mustApply(t, e, rules, false)
	if diff := cmp.Diff([]chronicle.Action{chronicle.Unchanged, chronicle.Create, chronicle.Unchanged}, actions(again)); diff != "" {
		t.Errorf("re-push actions (-want +got):\n%s", diff)
	}
	if n := len(e.srv.Rules()); n != 3 {
		t.Errorf("tenant has %d rules", n)
	}
}

// A create whose answer is lost (the server created the rule, then answered
// 500) is not repeated: the client finds the rule before retrying.
func TestLostCreateAnswerMakesNoDuplicate(t *testing.T) {
	e := newEnv(t)
	e.srv.Fail(chronicletest.Fault{Method: "POST", PathSuffix: "/rules", Status: 500, Times: 1, AfterHandling: true})
	steps := mustApply(t, e, testRules()[:1], false)
	stored := e.srv.Rules()
	if len(stored) != 1 {
		t.Fatalf("tenant has %d rules, want 1: %+v", len(stored), stored)
	}
	if s := steps[0]; !s.Applied || s.RemoteID != stored[0].ID || s.RevisionID != stored[0].RevisionID {
		t.Errorf("step = %+v, stored %+v", s, stored[0])
	}
	if n := e.count("POST", "/rules"); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
	if diff := cmp.Diff([]time.Duration{time.Second}, e.sleeps); diff != "" {
		t.Errorf("sleeps (-want +got):\n%s", diff)
	}
}

// enable patches each pushed rule's deployment once
// (updateMask=enabled,alerting); a re-push only reads deployments, and patches
// an unchanged rule only when its deployment was turned off.
func TestEnableDeploysOnce(t *testing.T) {
	e := newEnv(t)
	rules := testRules()
	steps := mustApply(t, e, rules, true)
	for _, s := range steps {
		if !s.Deployed {
			t.Errorf("%s not deployed", s.Rule.Name)
		}
		if got, _ := e.srv.Rule(s.RemoteID); !got.Enabled || !got.Alerting {
			t.Errorf("stored %s = %+v", s.Rule.Name, got)
		}
		if n := e.count("PATCH", "/rules/"+s.RemoteID+"/deployment"); n != 1 {
			t.Errorf("%s: %d deployment patches, want 1", s.Rule.Name, n)
		}
	}
	if n := e.count("GET", "/deployment"); n != 0 {
		t.Errorf("%d deployment reads for new rules, want 0", n)
	}
	for _, r := range e.srv.Requests() {
		if strings.HasSuffix(r.Path, "/deployment") {
			if r.RawQuery != "updateMask=enabled,alerting" {
				t.Errorf("deployment patch query %q", r.RawQuery)
			}
			if diff := cmp.Diff(map[string]any{"enabled": true, "alerting": true}, jsonBody(t, r.Body)); diff != "" {
				t.Errorf("deployment body (-want +got):\n%s", diff)
			}
		}
	}

	e.srv.ResetRequests()
	again := mustApply(t, e, rules, true)
	if w := e.writes(); len(w) != 0 {
		t.Errorf("re-push with enable wrote: %+v", w)
	}
	if n := e.count("GET", "/deployment"); n != 3 {
		t.Errorf("%d deployment reads, want 3", n)
	}
	for _, s := range again {
		if s.Deployed {
			t.Errorf("%s re-deployed", s.Rule.Name)
		}
	}

	e.srv.SetDeployment(steps[1].RemoteID, false, false)
	e.srv.ResetRequests()
	third := mustApply(t, e, rules, true)
	w := e.writes()
	if len(w) != 1 || !strings.HasSuffix(w[0].Path, "/rules/"+steps[1].RemoteID+"/deployment") || !third[1].Deployed {
		t.Errorf("writes = %+v", w)
	}
	if got, _ := e.srv.Rule(steps[1].RemoteID); !got.Enabled || !got.Alerting {
		t.Errorf("stored = %+v", got)
	}
}

// More rules than one page: the client follows nextPageToken and matches
// rules found on later pages.
func TestListPagination(t *testing.T) {
	e := newEnv(t)
	e.srv.SetMaxPageSize(2)
	for i := range 5 {
		e.srv.AddRule(yaral(fmt.Sprintf("other_rule_%d", i), "get"))
	}
	rules := testRules()
	same := e.srv.AddRule(rules[0].Text)
	old := e.srv.AddRule(yaral(rules[1].Name, "delete"))

	steps, err := e.c.Plan(context.Background(), rules)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]chronicle.Action{chronicle.Unchanged, chronicle.Update, chronicle.Create}, actions(steps)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{same.ID, old.ID, ""}, ids(steps)); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	var queries []string
	for _, r := range e.srv.Requests() {
		if r.Method == "GET" {
			queries = append(queries, r.RawQuery)
		}
	}
	want := []string{
		"pageSize=1000&view=FULL",
		"pageSize=1000&view=FULL&pageToken=p2",
		"pageSize=1000&view=FULL&pageToken=p4",
		"pageSize=1000&view=FULL&pageToken=p6",
	}
	if diff := cmp.Diff(want, queries); diff != "" {
		t.Errorf("list queries (-want +got):\n%s", diff)
	}
}

// Bad input is refused before any request.
func TestInputErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules func() []chronicle.Rule
		want  string
	}{
		{"duplicate names", func() []chronicle.Rule {
			r := testRules()
			return append(r, chronicle.Rule{Name: r[0].Name, Text: r[0].Text, Source: "other.yaral"})
		}, "other.yaral: duplicate rule name kubernetes_suspicious_cronjob_job_creation (also in dist/chronicle/kubernetes_suspicious_cronjob_job_creation.yaral)"},
		{"name differs from text", func() []chronicle.Rule {
			r := testRules()
			r[1].Name = "something_else"
			return r
		}, "Rule.Name is something_else but the text declares rule kubernetes_privileged_pod"},
		{"empty name", func() []chronicle.Rule { return []chronicle.Rule{{Text: yaral("x", "get")}} }, "rule #1: rule name \"\" is not a YARA-L identifier"},
		{"empty text", func() []chronicle.Rule { return []chronicle.Rule{{Name: "x", Text: "\n"}} }, "x: rule x has no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.c.Apply(context.Background(), tt.rules(), false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if n := len(e.srv.Requests()); n != 0 {
				t.Errorf("%d requests", n)
			}
		})
	}
	t.Run("header after comments", func(t *testing.T) {
		e := newEnv(t)
		e.srv.SetVerify(func(string) []chronicletest.Diagnostic { return nil })
		r := chronicle.Rule{Name: "commented", Text: "// generated\n/* by detgen */\nRULE commented {\n condition:\n $e\n}"}
		if _, err := e.c.Plan(context.Background(), []chronicle.Rule{r}); err != nil {
			t.Fatal(err)
		}
	})
}

// Two remote rules with the pushed name: the rule to update is ambiguous.
func TestRemoteDuplicateNames(t *testing.T) {
	e := newEnv(t)
	rules := testRules()
	a := e.srv.AddRule(rules[0].Text)
	b := e.srv.AddRule(yaral(rules[0].Name, "update"))
	e.srv.AddRule(yaral("unrelated", "get"))
	e.srv.AddRule(yaral("unrelated", "get")) // duplicates not pushed are fine
	_, err := e.c.Apply(context.Background(), rules, false)
	want := "kubernetes_suspicious_cronjob_job_creation (dist/chronicle/kubernetes_suspicious_cronjob_job_creation.yaral) matches 2 remote rules: " + a.ID + ", " + b.ID
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if w := e.writes(); len(w) != 0 {
		t.Errorf("wrote %+v", w)
	}
}

func TestNewValidatesConfig(t *testing.T) {
	const inst = "projects/p/locations/us/instances/0f1e2d3c-4b5a-4697-8877-665544332211"
	const secret = "ya29.secret-value-8c7b6a5f"
	ok := chronicle.Config{BaseURL: "https://us-chronicle.googleapis.com/v1alpha", Instance: inst, Token: secret}
	tests := []struct {
		name string
		mod  func(*chronicle.Config)
		want string // "" means valid
	}{
		{"https", func(*chronicle.Config) {}, ""},
		{"https trailing slash", func(c *chronicle.Config) { c.BaseURL += "/" }, ""},
		{"loopback http", func(c *chronicle.Config) { c.BaseURL = "http://127.0.0.1:8080/v1alpha" }, ""},
		{"localhost http", func(c *chronicle.Config) { c.BaseURL = "http://localhost:8080/v1alpha" }, ""},
		{"ipv6 loopback http", func(c *chronicle.Config) { c.BaseURL = "http://[::1]:8080/v1alpha" }, ""},
		{"remote http", func(c *chronicle.Config) { c.BaseURL = "http://us-chronicle.googleapis.com/v1alpha" }, "must use https"},
		{"other scheme", func(c *chronicle.Config) { c.BaseURL = "ftp://example.com/" }, "must use https"},
		{"no base", func(c *chronicle.Config) { c.BaseURL = "" }, "BaseURL is empty"},
		{"query", func(c *chronicle.Config) { c.BaseURL += "?key=1" }, "query"},
		{"userinfo", func(c *chronicle.Config) { c.BaseURL = "https://u:pw@example.com/v1" }, "user information"},
		{"instance shape", func(c *chronicle.Config) { c.Instance = "projects/p/instances/i" }, "is not of the form"},
		{"instance path injection", func(c *chronicle.Config) { c.Instance = "projects/p/locations/us/instances/i/../x" }, "is not of the form"},
		{"no token", func(c *chronicle.Config) { c.Token = "" }, "Token is empty"},
		{"token with newline", func(c *chronicle.Config) { c.Token = secret + "\r\nX-Evil: 1" }, "whitespace or control characters"},
		{"token with Bearer prefix", func(c *chronicle.Config) { c.Token = "Bearer " + secret }, "without \"Bearer \""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			c, err := chronicle.New(cfg)
			if tt.want == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			assertNoSecret(t, secret, err)
			assertNoSecret(t, "pw", err)
		})
	}
}

// Every error the package can return is scanned for the token, including a
// server that echoes the token back and a transport failure.
func TestTokenNeverInErrors(t *testing.T) {
	var errs []error
	collect := func(steps []chronicle.Step, err error) {
		errs = append(errs, err)
		for _, s := range steps {
			errs = append(errs, s.Err)
		}
	}
	e := newEnv(t)
	echo := "invalid credential " + e.srv.Token + " for this instance"

	e.srv.Fail(chronicletest.Fault{Method: "POST", PathSuffix: ":verifyRuleText", Status: 400, Message: echo})
	collect(e.c.Plan(context.Background(), testRules()))
	var apiErr *chronicle.APIError
	if !errors.As(errs[0], &apiErr) || !strings.Contains(apiErr.Message, "invalid credential [REDACTED] for this instance") {
		t.Errorf("echoed token not redacted: %v", errs[0])
	}

	e.srv.Fail(chronicletest.Fault{Method: "GET", PathSuffix: "/rules", Status: 503, Times: 10, Message: echo})
	collect(e.c.Plan(context.Background(), testRules()))

	e.srv.Fail(chronicletest.Fault{Method: "POST", PathSuffix: "/rules", Status: 401, Times: 3, Message: echo})
	collect(e.c.Apply(context.Background(), testRules(), true))

	bad := testRules()
	bad[2].Text = "rule kubernetes_exec_into_pod { }"
	collect(e.c.Apply(context.Background(), bad, false))

	e.srv.FailNext("PATCH", "/deployment", 403, 1)
	collect(e.c.Apply(context.Background(), testRules(), true))

	// A non-JSON error body that contains the token.
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "<html>upstream said: %s</html>", r.Header.Get("Authorization"))
	}))
	defer h.Close()
	c2, err := chronicle.New(chronicle.Config{BaseURL: h.URL + "/v1alpha", Instance: e.srv.Instance, Token: e.srv.Token,
		HTTPClient: h.Client(), Sleep: func(time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	collect(c2.Plan(context.Background(), testRules()))

	// Transport failure: nothing listens any more.
	h2 := httptest.NewServer(http.NotFoundHandler())
	dead := h2.URL
	h2.Close()
	c3, err := chronicle.New(chronicle.Config{BaseURL: dead, Instance: e.srv.Instance, Token: e.srv.Token, Sleep: func(time.Duration) {}})
	if err != nil {
		t.Fatal(err)
	}
	collect(c3.Plan(context.Background(), testRules()))

	n := 0
	for _, err := range errs {
		if err != nil {
			n++
			assertNoSecret(t, e.srv.Token, err)
		}
	}
	if n < 7 {
		t.Errorf("only %d errors collected:\n%v", n, errs)
	}
}

func TestDiagnosticFormat(t *testing.T) {
	tests := []struct {
		d    chronicle.Diagnostic
		want string
	}{
		{chronicle.Diagnostic{Message: "m", Severity: "ERROR", StartLine: 14, StartColumn: 5, EndLine: 14, EndColumn: 33}, "r.yaral:14:5: error: m"},
		{chronicle.Diagnostic{Message: "m", Severity: "WARNING", StartLine: 2}, "r.yaral:2: warning: m"},
		{chronicle.Diagnostic{Message: "m", Severity: "SEVERITY_UNSPECIFIED"}, "r.yaral: error: m"},
		{chronicle.Diagnostic{}, "r.yaral: error: (no message)"},
	}
	for _, tt := range tests {
		if got := tt.d.Format("r.yaral"); got != tt.want {
			t.Errorf("Format(%+v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// Diagnostics whose integers come quoted (proto3 JSON allows it) still map.
func TestQuotedPositions(t *testing.T) {
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ":verifyRuleText") {
			fmt.Fprint(w, `{"compilationDiagnostics":[{"message":"bad","severity":"ERROR","position":{"startLine":"3","startColumn":7,"endLine":"3","endColumn":"9"},"uri":"x"}],"inputsUsed":{}}`)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	defer h.Close()
	c, err := chronicle.New(chronicle.Config{BaseURL: h.URL, Instance: "projects/p/locations/l/instances/i", Token: "t0k3n", HTTPClient: h.Client()})
	if err != nil {
		t.Fatal(err)
	}
	steps, err := c.Plan(context.Background(), testRules()[:1])
	if err != nil {
		t.Fatal(err)
	}
	want := []chronicle.Diagnostic{{Message: "bad", Severity: "ERROR", StartLine: 3, StartColumn: 7, EndLine: 3, EndColumn: 9}}
	if diff := cmp.Diff(want, steps[0].Diagnostics); diff != "" || steps[0].Action != chronicle.Invalid {
		t.Errorf("action %s, diagnostics (-want +got):\n%s", steps[0].Action, diff)
	}
}
