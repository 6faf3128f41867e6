// Package k8saudit reads Kubernetes API audit records in the three forms
// they reach a SIEM and turns each into the audit.k8s.io Event form the
// logsource catalog's paths are written for:
//
//   - Event: kube-apiserver's own JSON (log or webhook backend, EKS);
//   - GKE: a Cloud Audit Logs LogEntry whose protoPayload has serviceName
//     "k8s.io" (research/k8s-audit-data.md §4, "GKE form");
//   - AKS: an Azure diagnostics record (category kube-audit or
//     kube-audit-admin) whose properties.log holds the Event as a JSON
//     string or object.
package k8saudit

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/detgen/detgen/record"
	"strings"
)

// Form says which wrapper a record came in.
type Form string

const (
	FormEvent Form = "event"
	FormGKE   Form = "gke"
	FormAKS   Form = "aks"
)

// ErrNotAudit is returned for valid JSON that is no Kubernetes audit record.
var ErrNotAudit = errors.New("not a Kubernetes audit record")

// Parse decodes one record and returns it as an audit Event.
func Parse(line []byte) (map[string]any, Form, error) {
	var rec map[string]any
	if err := json.Unmarshal(line, &rec); err != nil {
		return nil, "", err
	}
	return Normalize(rec)
}

// Normalize turns a decoded record into Event form.
func Normalize(rec map[string]any) (map[string]any, Form, error) {
	if pp, ok := rec["protoPayload"].(map[string]any); ok {
		if pp["serviceName"] != "k8s.io" {
			return nil, "", ErrNotAudit
		}
		return fromGKE(rec, pp), FormGKE, nil
	}
	if props, ok := rec["properties"].(map[string]any); ok {
		cat, _ := rec["category"].(string)
		if !strings.HasPrefix(cat, "kube-audit") {
			return nil, "", ErrNotAudit
		}
		switch log := props["log"].(type) {
		case string:
			var ev map[string]any
			if err := json.Unmarshal([]byte(log), &ev); err != nil {
				return nil, "", fmt.Errorf("AKS properties.log: %w", err)
			}
			return ev, FormAKS, nil
		case map[string]any:
			return log, FormAKS, nil
		}
		return nil, "", fmt.Errorf("AKS record without properties.log")
	}
	if _, ok := rec["verb"].(string); ok {
		if _, ok := rec["objectRef"]; ok || rec["kind"] == "Event" || rec["requestURI"] != nil {
			return rec, FormEvent, nil
		}
	}
	return nil, "", ErrNotAudit
}

// fromGKE maps a GKE LogEntry onto Event fields. methodName is
// io.k8s.<group>.<version>.<resource>[.<subresource>].<verb>, resourceName
// <group>/<version>/namespaces/<ns>/<resource>/<name>.
func fromGKE(rec, pp map[string]any) map[string]any {
	ev := map[string]any{"kind": "Event", "apiVersion": "audit.k8s.io/v1"}
	method, _ := pp["methodName"].(string)
	parts := strings.Split(strings.TrimPrefix(method, "io.k8s."), ".")
	objectRef := map[string]any{}
	if len(parts) >= 4 {
		ev["verb"] = parts[len(parts)-1]
		group := parts[0]
		if group != "core" {
			objectRef["apiGroup"] = group
		}
		objectRef["apiVersion"] = parts[1]
		objectRef["resource"] = parts[2]
		if len(parts) == 5 {
			objectRef["subresource"] = parts[3]
		}
	}
	if rn, ok := pp["resourceName"].(string); ok {
		seg := strings.Split(rn, "/")
		for i := 0; i+1 < len(seg); i++ {
			if seg[i] == "namespaces" {
				objectRef["namespace"] = seg[i+1]
				if i+3 < len(seg) {
					objectRef["name"] = seg[i+3]
				}
			}
		}
	}
	ev["objectRef"] = objectRef
	if ai, ok := pp["authenticationInfo"].(map[string]any); ok {
		if u, ok := ai["principalEmail"].(string); ok {
			ev["user"] = map[string]any{"username": u}
		}
	}
	if rm, ok := pp["requestMetadata"].(map[string]any); ok {
		if ip, ok := rm["callerIp"].(string); ok {
			ev["sourceIPs"] = []any{ip}
		}
		if ua, ok := rm["callerSuppliedUserAgent"].(string); ok {
			ev["userAgent"] = ua
		}
	}
	if req, ok := pp["request"]; ok {
		ev["requestObject"] = req
	}
	if resp, ok := pp["response"]; ok {
		ev["responseObject"] = resp
	}
	if op, ok := rec["operation"].(map[string]any); ok {
		if id, ok := op["id"].(string); ok {
			ev["auditID"] = id
		}
	}
	// The LogEntry's time is when the API server received the request.
	if ts, ok := rec["timestamp"].(string); ok {
		ev["requestReceivedTimestamp"] = ts
	}
	if rec["insertId"] != nil && ev["auditID"] == nil {
		ev["auditID"] = rec["insertId"]
	}
	return ev
}

// Values returns every value at a dotted path (see record.Values).
func Values(ev map[string]any, path string) []string { return record.Values(ev, path) }
