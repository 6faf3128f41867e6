package main

import (
	"strings"
	"testing"

	"github.com/detgen/detgen/push/chronicle/chronicletest"
	"github.com/detgen/detgen/push/qradar/qradartest"
)

// Bad push settings are usage errors (exit 2) naming the flag or variable
// the user set, not the Go field behind it.
func TestPushErrorsNameFlags(t *testing.T) {
	t.Setenv("DETGEN_QRADAR_TOKEN", "tok")
	t.Setenv("DETGEN_CHRONICLE_TOKEN", "tok")
	const inst = "projects/p/locations/us/instances/i"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"push", "qradar", "--url", "console/api"}, `--url "console/api" must be an absolute http(s) URL`},
		{[]string{"push", "qradar", "--url", "https://u:p@console/api"}, "--url must not contain credentials"},
		{[]string{"push", "qradar", "--url", "https://console/api", "--poll-interval", "-1s"}, "--poll-interval must not be negative"},
		{[]string{"push", "chronicle", "--instance", inst, "--base-url", "http://chronicle.example/v1alpha"}, `--base-url "http://chronicle.example/v1alpha" must use https`},
		{[]string{"push", "chronicle", "--instance", "projects/p", "--base-url", "https://chronicle.example/v1alpha"}, `--instance "projects/p" is not of the form`},
		{[]string{"push", "chronicle", "--instance", inst, "--enable"}, "--enable needs --apply"},
	}
	for _, tc := range tests {
		code, _, stderr := detgen(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "Config.") {
			t.Errorf("detgen %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	t.Setenv("DETGEN_QRADAR_TOKEN", "a b")
	code, _, stderr := detgen(t, "push", "qradar", "--url", "https://console/api")
	if want := "DETGEN_QRADAR_TOKEN contains whitespace"; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, want)
	}
}

// A token about to go over plain http is warned about first; the
// loopback fakes still work.
func TestPushWarnsOnPlainHTTP(t *testing.T) {
	q := qradartest.NewServer(t)
	t.Setenv("DETGEN_QRADAR_TOKEN", q.Token)
	code, _, stderr := detgen(t, "push", "qradar", "--rules", "../../rules", "--url", q.BaseURL)
	want := "detgen: warning: --url " + q.BaseURL + " is plain http: DETGEN_QRADAR_TOKEN will be sent unencrypted"
	if code != 0 || !strings.HasPrefix(stderr, want) {
		t.Errorf("qradar: exit %d, stderr %q; want it to start with %q", code, stderr, want)
	}
	c := chronicletest.NewServer(t)
	t.Setenv("DETGEN_CHRONICLE_TOKEN", c.Token)
	code, _, stderr = detgen(t, "push", "chronicle", "--rules", "../../rules", "--base-url", c.BaseURL, "--instance", c.Instance)
	want = "detgen: warning: --base-url " + c.BaseURL + " is plain http: DETGEN_CHRONICLE_TOKEN will be sent unencrypted"
	if code != 0 || !strings.HasPrefix(stderr, want) {
		t.Errorf("chronicle: exit %d, stderr %q; want it to start with %q", code, stderr, want)
	}
}
