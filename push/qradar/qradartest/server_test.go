package qradartest_test

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
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

// ruleXML is a custom rule as exports carry it (rule_data, decoded).
const ruleXML = `<rule buildingBlock="false" enabled="true" id="7" owner="admin" roleDefinition="false" scope="LOCAL" type="EVENT">
  <name>r1</name><notes>n</notes>
  <testDefinitions>
    <test group="jsp.qradar.rulewizard.condition.page.group.common" groupId="1" id="318" name="com.q1labs.semsources.cre.tests.AQL_Test" uid="0">
      <parameter id="1"><userSelection>%22verb%22%20%3D%20%27create%27|%5B%22x%22%5D</userSelection></parameter>
      <parameter id="2"><userSelection>events</userSelection></parameter>
    </test>
  </testDefinitions>
  <responses><newevent severity="8" credibility="5" relevance="5" name="r1"/></responses>
</rule>`

var ext = `<?xml version="1.0" encoding="UTF-8"?>
<content>
  <ariel_regex_property><id>11</id><propertyname>verb</propertyname><propertytype>string</propertytype></ariel_regex_property>
  <ariel_property_json_expression><id>12</id><ap_id>11</ap_id><devicetypeid>446</devicetypeid><expression>/"verb"</expression><enabled>true</enabled></ariel_property_json_expression>
  <search><name>s1</name><description>d1</description><aql>SELECT 1 FROM events</aql></search>
  <custom_rule><origin>USER</origin><rule_data>` + base64.StdEncoding.EncodeToString([]byte(ruleXML)) + `</rule_data><uuid>u-1</uuid><rule_type>0</rule_type><id>7</id></custom_rule>
</content>`

// zipped is ext in a zip, as a content export.
func zipped(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(name)
	io.WriteString(w, body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

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
	return uploadAs(t, srv, "application/xml", []byte(body))
}

func uploadAs(t *testing.T, srv *qradartest.Server, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	var out map[string]any
	resp, _ := do(t, srv, call{method: "POST", path: "/api/config/extension_management/extensions",
		header: map[string]string{"Content-Type": contentType}, body: bytes.NewReader(body)}, &out)
	return resp.StatusCode, out
}

func TestUploadInstallAndList(t *testing.T) {
	srv := qradartest.NewServer(t)
	srv.SetInstallPolls(2)
	status, out := uploadAs(t, srv, "application/zip", zipped(t, "my-rules.xml", ext))
	if status != 201 || out["status"] != "UPLOADED" || out["name"] != "my-rules" || out["contents"] == nil {
		t.Fatalf("upload: %d %v", status, out)
	}
	id := int(out["id"].(float64))

	// What the console would refuse: 422/22607.
	var two bytes.Buffer
	zw := zip.NewWriter(&two)
	for _, n := range []string{"a.xml", "b.xml"} {
		w, _ := zw.Create(n)
		io.WriteString(w, ext)
	}
	zw.Close()
	for name, body := range map[string][]byte{
		"bad xml":            []byte("<content><unclosed>"),
		"two xml files":      two.Bytes(),
		"rule without test":  []byte(strings.Replace(ext, base64.StdEncoding.EncodeToString([]byte(ruleXML)), base64.StdEncoding.EncodeToString([]byte(`<rule type="EVENT"><name>x</name></rule>`)), 1)),
		"rule_data not b64":  []byte(strings.Replace(ext, "<rule_data>", "<rule_data>!", 1)),
		"orphan expression":  []byte(strings.Replace(ext, "<ap_id>11</ap_id>", "<ap_id>99</ap_id>", 1)),
		"search without aql": []byte(strings.Replace(ext, "<aql>SELECT 1 FROM events</aql>", "", 1)),
	} {
		ct := "application/xml"
		if name == "two xml files" {
			ct = "application/zip"
		}
		if status, out := uploadAs(t, srv, ct, body); status != 422 || out["code"] != float64(22607) {
			t.Errorf("%s: %d %v", name, status, out)
		}
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
	if len(list) != 1 || list[0]["name"] != "s1" || list[0]["aql"] != "SELECT 1 FROM events" || list[0]["description"] != "d1" || list[0]["id"] == nil {
		t.Errorf("saved searches: %v", list)
	}
	var rules []map[string]any
	do(t, srv, call{method: "GET", path: "/api/analytics/rules?fields=id,identifier,name"}, &rules)
	if len(rules) != 1 || rules[0]["identifier"] != "u-1" || rules[0]["name"] != "r1" || len(rules[0]) != 3 {
		t.Errorf("rules: %v", rules)
	}
	if r := srv.CustomRules(); len(r) != 1 || r[0].Filter != `"verb" = 'create'` || r[0].Severity != 8 || !r[0].Enabled {
		t.Errorf("custom rules: %+v", r)
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
