package k8saudit

import (
	"errors"
	"fmt"
	"testing"
)

func TestForms(t *testing.T) {
	tests := []struct {
		name, line string
		form       Form
		verb, res  string
		user, ns   string
	}{
		{"event", `{"kind":"Event","verb":"create","objectRef":{"resource":"cronjobs","namespace":"default"},"user":{"username":"alice"}}`, FormEvent, "create", "cronjobs", "alice", "default"},
		{"gke", `{"protoPayload":{"serviceName":"k8s.io","methodName":"io.k8s.batch.v1.cronjobs.create","resourceName":"batch/v1/namespaces/ops/cronjobs/x","authenticationInfo":{"principalEmail":"bob@example.com"},"request":{"kind":"CronJob"}}}`, FormGKE, "create", "cronjobs", "bob@example.com", "ops"},
		{"gke subresource", `{"protoPayload":{"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.exec.create","resourceName":"core/v1/namespaces/ops/pods/p/exec"}}`, FormGKE, "create", "pods", "", "ops"},
		{"aks string", `{"category":"kube-audit","properties":{"log":"{\"kind\":\"Event\",\"verb\":\"update\",\"objectRef\":{\"resource\":\"cronjobs\"},\"user\":{\"username\":\"carol\"}}"}}`, FormAKS, "update", "cronjobs", "carol", ""},
		{"aks object", `{"category":"kube-audit-admin","properties":{"log":{"kind":"Event","verb":"patch","objectRef":{"resource":"jobs"}}}}`, FormAKS, "patch", "jobs", "", ""},
	}
	for _, tc := range tests {
		ev, form, err := Parse([]byte(tc.line))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		first := func(p string) string {
			if v := Values(ev, p); len(v) > 0 {
				return v[0]
			}
			return ""
		}
		if form != tc.form || first("verb") != tc.verb || first("objectRef.resource") != tc.res || first("user.username") != tc.user || first("objectRef.namespace") != tc.ns {
			t.Errorf("%s: form %s verb %q resource %q user %q ns %q", tc.name, form, first("verb"), first("objectRef.resource"), first("user.username"), first("objectRef.namespace"))
		}
	}
	for _, line := range []string{`{"protoPayload":{"serviceName":"compute.googleapis.com"}}`, `{"category":"AuditEvent","properties":{}}`, `{"hello":1}`} {
		if _, _, err := Parse([]byte(line)); !errors.Is(err, ErrNotAudit) {
			t.Errorf("%s: err %v, want ErrNotAudit", line, err)
		}
	}
	if _, _, err := Parse([]byte(`{"kind":`)); err == nil {
		t.Error("truncated JSON accepted")
	}
}

func TestValues(t *testing.T) {
	ev, _, _ := Parse([]byte(`{"verb":"create","objectRef":{},"requestObject":{"spec":{"containers":[
		{"image":"a","command":["sh","-c"],"securityContext":{"privileged":true}},
		{"image":"b","args":["x"]},
		{"image":"c","securityContext":{"privileged":false}}],"hostNetwork":true}}}`))
	for path, want := range map[string]string{
		"requestObject.spec.containers[].image":                      "[a b c]",
		"requestObject.spec.containers[].command[]":                  "[sh -c]",
		"requestObject.spec.containers[].securityContext.privileged": "[true false]",
		"requestObject.spec.hostNetwork":                             "[true]",
		"requestObject.spec.volumes[].hostPath.path":                 "[]",
		"requestObject.spec.containers.image":                        "[]", // a list needs []
	} {
		if got := fmt.Sprint(Values(ev, path)); got != want {
			t.Errorf("%s = %s, want %s", path, got, want)
		}
	}
}
