package chronicletest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const goodRule = "rule my_rule {\n events:\n  $e.metadata.event_type = \"PROCESS_LAUNCH\"\n condition:\n  $e\n}\n"

func do(t *testing.T, s *Server, method, path, body string, auth bool) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.BaseURL+"/"+s.Instance+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: decoding answer: %v", method, path, err)
	}
	return resp.StatusCode, m, resp.Header
}

func envelope(code int, status string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		e, ok := m["error"].(map[string]any)
		return ok && e["code"] == float64(code) && e["status"] == status && e["message"] != ""
	}
}

func TestAuthRequired(t *testing.T) {
	s := NewServer(t)
	code, m, _ := do(t, s, "POST", ":verifyRuleText", `{"ruleText":"x"}`, false)
	if code != 401 || !envelope(401, "UNAUTHENTICATED")(m) {
		t.Errorf("got %d %v", code, m)
	}
	if len(s.Requests()) != 1 {
		t.Errorf("rejected request not logged")
	}
}

func TestVerifyRuleText(t *testing.T) {
	s := NewServer(t)
	code, m, _ := do(t, s, "POST", ":verifyRuleText", `{"ruleText":`+jsonString(goodRule)+`}`, true)
	if diff := cmp.Diff(map[string]any{"success": true}, m); code != 200 || diff != "" {
		t.Errorf("camelCase: %d (-want +got):\n%s", code, diff)
	}
	// snake_case as Google's own tools send it; an error is still HTTP 200
	// and "success" is left out.
	code, m, _ = do(t, s, "POST", ":verifyRuleText", `{"rule_text":"events: x"}`, true)
	want := map[string]any{"compilationDiagnostics": []any{map[string]any{
		"message":  `expected "rule <name> {"`,
		"severity": "ERROR",
		"position": map[string]any{"startLine": float64(1), "startColumn": float64(1), "endLine": float64(1), "endColumn": float64(2)},
	}}}
	if diff := cmp.Diff(want, m); code != 200 || diff != "" {
		t.Errorf("snake_case: %d (-want +got):\n%s", code, diff)
	}
	code, m, _ = do(t, s, "POST", ":verifyRuleText", `{"text":"x"}`, true)
	if code != 400 || !envelope(400, "INVALID_ARGUMENT")(m) {
		t.Errorf("unknown field: %d %v", code, m)
	}
}

func TestRulesLifecycle(t *testing.T) {
	s := NewServer(t)
	idRE := regexp.MustCompile(`^` + regexp.QuoteMeta(s.Instance) + `/rules/ru_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	revRE := regexp.MustCompile(`^v_[0-9]{10}_[0-9]{9}$`)

	code, created, _ := do(t, s, "POST", "/rules", `{"text":`+jsonString(goodRule)+`}`, true)
	if code != 200 || !idRE.MatchString(created["name"].(string)) || !revRE.MatchString(created["revisionId"].(string)) ||
		created["displayName"] != "my_rule" || created["text"] != goodRule || created["compilationState"] != "SUCCEEDED" {
		t.Fatalf("create: %d %v", code, created)
	}
	id := created["name"].(string)[len(s.Instance+"/rules/"):]

	if code, m, _ := do(t, s, "POST", "/rules", `{"text":"rule broken {}"}`, true); code != 400 || !envelope(400, "INVALID_ARGUMENT")(m) {
		t.Errorf("create invalid: %d %v", code, m)
	}

	// BASIC list (the default) leaves the text out; FULL has it.
	_, basic, _ := do(t, s, "GET", "/rules", "", true)
	if r := basic["rules"].([]any)[0].(map[string]any); r["text"] != nil || r["displayName"] != "my_rule" {
		t.Errorf("basic list: %v", basic)
	}
	_, full, _ := do(t, s, "GET", "/rules?view=FULL", "", true)
	if r := full["rules"].([]any)[0].(map[string]any); r["text"] != goodRule {
		t.Errorf("full list: %v", full)
	}
	_, got, _ := do(t, s, "GET", "/rules/"+id, "", true)
	if got["text"] != goodRule {
		t.Errorf("get: %v", got)
	}

	changed := strings.Replace(goodRule, "PROCESS_LAUNCH", "NETWORK_CONNECTION", 1)
	code, patched, _ := do(t, s, "PATCH", "/rules/"+id+"?updateMask=text", `{"text":`+jsonString(changed)+`}`, true)
	if code != 200 || patched["name"] != created["name"] || patched["revisionId"] == created["revisionId"] ||
		!revRE.MatchString(patched["revisionId"].(string)) || patched["text"] != changed {
		t.Errorf("patch: %d %v", code, patched)
	}
	if s.Revisions(id) != 2 {
		t.Errorf("revisions = %d", s.Revisions(id))
	}
	if code, m, _ := do(t, s, "PATCH", "/rules/"+id+"?updateMask=text", `{"text":`+jsonString(goodRule)+`,"etag":"\"stale\""}`, true); code != 409 || !envelope(409, "ABORTED")(m) {
		t.Errorf("stale etag: %d %v", code, m)
	}
	if code, m, _ := do(t, s, "PATCH", "/rules/"+id+"?updateMask=author", `{"text":"x"}`, true); code != 400 || !envelope(400, "INVALID_ARGUMENT")(m) {
		t.Errorf("bad mask: %d %v", code, m)
	}
	if code, m, _ := do(t, s, "GET", "/rules/ru_missing", "", true); code != 404 || !envelope(404, "NOT_FOUND")(m) {
		t.Errorf("missing: %d %v", code, m)
	}

	// Deployment: false fields are left out, as in proto3 JSON.
	_, dep, _ := do(t, s, "GET", "/rules/"+id+"/deployment", "", true)
	if diff := cmp.Diff(map[string]any{"name": s.Instance + "/rules/" + id + "/deployment"}, dep); diff != "" {
		t.Errorf("deployment (-want +got):\n%s", diff)
	}
	code, dep, _ = do(t, s, "PATCH", "/rules/"+id+"/deployment?updateMask=enabled,alerting", `{"enabled":true,"alerting":true,"run_frequency":"DAILY"}`, true)
	if code != 200 || dep["enabled"] != true || dep["alerting"] != true || dep["runFrequency"] != nil {
		t.Errorf("deployment patch (runFrequency not in mask): %d %v", code, dep)
	}
	if r, _ := s.Rule(id); !r.Enabled || !r.Alerting {
		t.Errorf("stored = %+v", r)
	}
}

func TestPagination(t *testing.T) {
	s := NewServer(t)
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		s.AddRule(strings.Replace(goodRule, "my_rule", n, 1))
	}
	var names []string
	path := "/rules?pageSize=2"
	for pages := 0; pages < 10; pages++ {
		_, m, _ := do(t, s, "GET", path, "", true)
		for _, r := range m["rules"].([]any) {
			names = append(names, r.(map[string]any)["displayName"].(string))
		}
		tok, _ := m["nextPageToken"].(string)
		if tok == "" {
			break
		}
		path = "/rules?pageSize=2&pageToken=" + tok
	}
	if diff := cmp.Diff([]string{"a", "b", "c", "d", "e"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	s.SetMaxPageSize(3)
	if _, m, _ := do(t, s, "GET", "/rules?pageSize=1000", "", true); len(m["rules"].([]any)) != 3 || m["nextPageToken"] != "p3" {
		t.Errorf("capped page: %v", m)
	}
	if code, m, _ := do(t, s, "GET", "/rules?pageToken=bogus", "", true); code != 400 || !envelope(400, "INVALID_ARGUMENT")(m) {
		t.Errorf("bad token: %d %v", code, m)
	}
}

func TestFaults(t *testing.T) {
	s := NewServer(t)
	s.FailNext("POST", ":verifyRuleText", 429, 2)
	s.Fail(Fault{Method: "GET", PathSuffix: "/rules", Status: 503, Skip: 1, RetryAfter: "3"})
	body := `{"ruleText":` + jsonString(goodRule) + `}`
	for i := range 2 {
		if code, m, _ := do(t, s, "POST", ":verifyRuleText", body, true); code != 429 || !envelope(429, "RESOURCE_EXHAUSTED")(m) {
			t.Errorf("try %d: %d %v", i, code, m)
		}
	}
	if code, _, _ := do(t, s, "POST", ":verifyRuleText", body, true); code != 200 {
		t.Errorf("after faults: %d", code)
	}
	if code, _, _ := do(t, s, "GET", "/rules", "", true); code != 200 {
		t.Errorf("skipped: %d", code)
	}
	if code, m, h := do(t, s, "GET", "/rules", "", true); code != 503 || !envelope(503, "UNAVAILABLE")(m) || h.Get("Retry-After") != "3" {
		t.Errorf("503: %d %v %v", code, m, h)
	}
	// A fault applies before the auth check, so it can stand for a 401 too.
	s.FailNext("", "", 401, 1)
	if code, m, _ := do(t, s, "GET", "/rules", "", true); code != 401 || !envelope(401, "UNAUTHENTICATED")(m) {
		t.Errorf("401: %d %v", code, m)
	}
	// AfterHandling: the rule is created, the answer is an error.
	s.Fail(Fault{Method: "POST", PathSuffix: "/rules", Status: 500, AfterHandling: true})
	if code, m, _ := do(t, s, "POST", "/rules", `{"text":`+jsonString(goodRule)+`}`, true); code != 500 || !envelope(500, "INTERNAL")(m) {
		t.Errorf("after handling: %d %v", code, m)
	}
	if n := len(s.Rules()); n != 1 {
		t.Errorf("%d rules after a lost answer, want 1", n)
	}
	if n := len(s.Requests()); n != 7 {
		t.Errorf("%d requests logged, want 7", n)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
