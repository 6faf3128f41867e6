package qradartest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/detgen/detgen/push/qradar/qradartest"
)

const ext = `<?xml version="1.0" encoding="UTF-8"?>
<content>
  <detgen_extension id="hub" name="Hub" version="1"></detgen_extension>
  <custom_property name="verb" property_type="string" log_source_type_id="446"><json_expression>/"verb"</json_expression></custom_property>
  <saved_search rule_id="r" rule_version="1"><name>s1</name><aql>SELECT 1 FROM events</aql></saved_search>
</content>`

type call struct {
	method, path string
	header       map[string]string
	body         io.Reader
}

func do(t *testing.T, srv *qradartest.Server, c call, out any) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, srv.URL+c.path, c.body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("SEC", srv.Token)
	req.Header.Set("Version", "20.0")
	req.Header.Set("Accept", "application/json")
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", c.method, c.path, err, b)
		}
	}
	return resp, b
}

type apiErr struct {
	HTTPResponse struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"http_response"`
	Code        int    `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
}

func TestAuthVersionAccept(t *testing.T) {
	srv := qradartest.NewServer(t)
	get := "/api/ariel/saved_searches"
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no SEC", map[string]string{"SEC": ""}, 401},
		{"wrong SEC", map[string]string{"SEC": "nope"}, 401},
		{"no Version", map[string]string{"Version": ""}, 422},
		{"XML only", map[string]string{"Accept": "application/xml"}, 406},
		{"ok", nil, 200},
	} {
		var e apiErr
		var out any = &e
		if tc.status == 200 {
			out = nil
		}
		resp, body := do(t, srv, call{method: "GET", path: get, header: tc.header}, out)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
		if tc.status != 200 && (e.HTTPResponse.Code != tc.status || e.Message == "") {
			t.Errorf("%s: error body %s", tc.name, body)
		}
		if bytes.Contains(body, []byte(srv.Token)) {
			t.Errorf("%s: body echoes the token", tc.name)
		}
	}
}

func TestValidator(t *testing.T) {
	srv := qradartest.NewServer(t)
	validate := func(q string, inURL bool) []qradartest.Message {
		var out struct {
			ErrorMessages []qradartest.Message `json:"error_messages"`
		}
		c := call{method: "POST", path: "/api/ariel/validators/aql"}
		form := url.Values{"query_expression": {q}}.Encode()
		if inURL {
			c.path += "?" + form
		} else {
			c.body = strings.NewReader(form)
			c.header = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		}
		resp, body := do(t, srv, c, &out)
		if resp.StatusCode != 200 || out.ErrorMessages == nil {
			t.Fatalf("status %d body %s", resp.StatusCode, body)
		}
		return out.ErrorMessages
	}
	for _, tc := range []struct {
		q      string
		errors int
	}{
		{"select * from events", 0},
		{"  SELECT UTF8(payload) FROM events WHERE UTF8(payload) ILIKE '%x%'", 0},
		{"DELETE FROM events", 1},
		{"SELECT * FROM events WHERE payload ILIKE '%x%'", 1},
		{"SELECT * FROM events WHERE x=1 AND PAYLOAD  like '%x%'", 1},
		{"show tables where payload ilike 'x'", 2},
	} {
		for _, inURL := range []bool{false, true} {
			if got := validate(tc.q, inURL); len(got) != tc.errors {
				t.Errorf("%q (url=%v): %d messages %+v, want %d", tc.q, inURL, len(got), got, tc.errors)
			}
		}
	}
	srv.SetValidator(func(q string) []qradartest.Message {
		return []qradartest.Message{{Severity: "WARN", Message: q}}
	})
	if got := validate("x", false); len(got) != 1 || got[0].Message != "x" {
		t.Errorf("hook not used: %+v", got)
	}
}

func upload(t *testing.T, srv *qradartest.Server, body string) (int, map[string]any) {
	t.Helper()
	var out map[string]any
	resp, _ := do(t, srv, call{method: "POST", path: "/api/config/extension_management/extensions",
		header: map[string]string{"Content-Type": "application/xml"}, body: strings.NewReader(body)}, &out)
	return resp.StatusCode, out
}

func TestUploadInstallAndList(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(2)
	status, out := upload(t, srv, ext)
	if status != 201 || out["status"] != "UPLOADED" || out["name"] != "Hub" || out["contents"] == nil {
		t.Fatalf("upload: %d %v", status, out)
	}
	id := int(out["id"].(float64))

	// Same hub id and version again: 409/22613. Bad XML: 422/22607.
	if status, out := upload(t, srv, ext); status != 409 || out["code"] != float64(22613) {
		t.Errorf("duplicate: %d %v", status, out)
	}
	if status, out := upload(t, srv, "<content><unclosed>"); status != 422 || out["code"] != float64(22607) {
		t.Errorf("bad xml: %d %v", status, out)
	}

	var inst struct {
		StatusID int    `json:"status_id"`
		Message  string `json:"message"`
	}
	resp, _ := do(t, srv, call{method: "POST", path: fmt.Sprintf("/api/config/extension_management/extensions/%d?action_type=INSTALL&overwrite=true", id)}, &inst)
	if resp.StatusCode != 202 || inst.StatusID == 0 {
		t.Fatalf("install: %d %+v", resp.StatusCode, inst)
	}
	var statuses []string
	for range 3 {
		var st struct{ Status string }
		do(t, srv, call{method: "GET", path: fmt.Sprintf("/api/config/extension_management/extensions_task_status/%d", inst.StatusID)}, &st)
		statuses = append(statuses, st.Status)
	}
	if diff := cmp.Diff([]string{"PROCESSING", "COMPLETED", "COMPLETED"}, statuses); diff != "" {
		t.Errorf("task statuses (-want +got):\n%s", diff)
	}
	var list []map[string]any
	do(t, srv, call{method: "GET", path: "/api/ariel/saved_searches"}, &list)
	if len(list) != 1 || list[0]["name"] != "s1" || list[0]["aql"] != "SELECT 1 FROM events" || list[0]["id"] == nil {
		t.Errorf("saved searches: %v", list)
	}
	if p := srv.CustomProperties(); len(p) != 1 || p[0].JSONExpression != `/"verb"` || p[0].LogSourceTypeID != 446 {
		t.Errorf("properties: %+v", p)
	}
}

func TestMultipartUploadAndOverwriteFalse(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	srv.AddSavedSearch("s1", "SELECT 2 FROM events")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "ext.xml")
	io.WriteString(fw, ext)
	mw.Close()
	var out struct{ ID int }
	resp, body := do(t, srv, call{method: "POST", path: "/api/config/extension_management/extensions",
		header: map[string]string{"Content-Type": mw.FormDataContentType()}, body: &buf}, &out)
	if resp.StatusCode != 201 {
		t.Fatalf("multipart upload: %d %s", resp.StatusCode, body)
	}
	var inst struct {
		StatusID int `json:"status_id"`
	}
	do(t, srv, call{method: "POST", path: fmt.Sprintf("/api/config/extension_management/extensions/%d?action_type=INSTALL&overwrite=false", out.ID)}, &inst)
	var st struct{ Status, Message string }
	do(t, srv, call{method: "GET", path: fmt.Sprintf("/api/config/extension_management/extensions_task_status/%d", inst.StatusID)}, &st)
	if st.Status != "ERROR" || !strings.Contains(st.Message, "already exists") {
		t.Errorf("overwrite=false over an existing search: %+v", st)
	}
	if ss := srv.SavedSearches(); ss[0].AQL != "SELECT 2 FROM events" {
		t.Errorf("search changed: %+v", ss)
	}
}

func TestPaginationFilterFields(t *testing.T) {
	srv := qradartest.NewServer(t)
	for i := range 7 {
		srv.AddSavedSearch(fmt.Sprintf("s%d", i), "SELECT 1")
	}
	srv.AddSavedSearch(`q"uote`, "SELECT 2")
	var page []map[string]any
	resp, _ := do(t, srv, call{method: "GET", path: "/api/ariel/saved_searches?fields=id,name",
		header: map[string]string{"Range": "items=5-9"}}, &page)
	if cr := resp.Header.Get("Content-Range"); cr != "items 5-7/8" || len(page) != 3 {
		t.Errorf("Content-Range %q, %d items", cr, len(page))
	}
	if _, ok := page[0]["aql"]; ok || page[0]["name"] != "s5" {
		t.Errorf("fields not applied: %v", page[0])
	}
	resp, _ = do(t, srv, call{method: "GET", path: "/api/ariel/saved_searches",
		header: map[string]string{"Range": "items=8-9"}}, &page)
	if cr := resp.Header.Get("Content-Range"); cr != "items */8" || len(page) != 0 {
		t.Errorf("past the end: Content-Range %q, %d items", cr, len(page))
	}
	q := url.Values{"filter": {`name="q\"uote"`}}.Encode()
	do(t, srv, call{method: "GET", path: "/api/ariel/saved_searches?" + q}, &page)
	if len(page) != 1 || page[0]["aql"] != "SELECT 2" {
		t.Errorf("filter: %v", page)
	}
}

func TestFailNextAndLog(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.FailNext("GET", "/ariel/saved_searches", 503, 2)
	var codes []int
	for range 3 {
		resp, _ := do(t, srv, call{method: "GET", path: "/api/ariel/saved_searches"}, nil)
		codes = append(codes, resp.StatusCode)
	}
	if diff := cmp.Diff([]int{503, 503, 200}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	var logged []int
	for _, r := range srv.Requests() {
		logged = append(logged, r.Status)
	}
	if diff := cmp.Diff(codes, logged); diff != "" {
		t.Errorf("logged statuses (-want +got):\n%s", diff)
	}
	if n := srv.Count("GET", "/api/ariel/"); n != 3 {
		t.Errorf("Count = %d", n)
	}
}

func TestTaskErrorAndPreview(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(1)
	_, out := upload(t, srv, ext)
	id := int(out["id"].(float64))
	poll := func(action string) (string, string) {
		var inst struct {
			StatusID int `json:"status_id"`
		}
		do(t, srv, call{method: "POST", path: fmt.Sprintf("/api/config/extension_management/extensions/%d?action_type=%s", id, action)}, &inst)
		var st struct{ Status, Message string }
		do(t, srv, call{method: "GET", path: fmt.Sprintf("/api/config/extension_management/extensions_task_status/%d", inst.StatusID)}, &st)
		return st.Status, st.Message
	}
	if st, _ := poll("PREVIEW"); st != "COMPLETED" || len(srv.SavedSearches()) != 0 {
		t.Errorf("preview: %s, searches %v", st, srv.SavedSearches())
	}
	srv.SetTaskError("disk full")
	if st, msg := poll("INSTALL"); st != "ERROR" || msg != "disk full" || len(srv.SavedSearches()) != 0 {
		t.Errorf("install with error: %s %q", st, msg)
	}
	resp, _ := do(t, srv, call{method: "POST", path: fmt.Sprintf("/api/config/extension_management/extensions/%d?action_type=BOGUS", id)}, nil)
	if resp.StatusCode != 422 {
		t.Errorf("bad action: %d", resp.StatusCode)
	}
}
