package testrun

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/detgen/detgen/backends/chronicle"
	evalyaral "github.com/detgen/detgen/eval/yaral"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/k8saudit"
	"github.com/detgen/detgen/lang/yaral"
	"github.com/detgen/detgen/mappings"
)

// chronicleRunner evaluates the generated YARA-L rule over each record
// mapped to UDM the way SecOps would: the log type's default parser for
// its own fields (research/yaral.md §4.2–4.3), and the parser extension the
// Chronicle profile prescribes for the pod-template labels.
type chronicleRunner struct {
	rule *yaral.Rule
	prof *chronicle.Profile
	ls   *mappings.Logsource
}

func newChronicleRunner(r *ir.Rule, artifact []byte) (*chronicleRunner, error) {
	rule, err := yaral.Parse(string(artifact))
	if err != nil {
		return nil, fmt.Errorf("generated YARA-L does not parse: %w", err)
	}
	prof, err := chronicle.LoadProfile(r.Logsource)
	if err != nil {
		return nil, err
	}
	ls, errs := mappings.LoadLogsource(r.Logsource)
	if len(errs) > 0 {
		return nil, errs
	}
	return &chronicleRunner{rule: rule, prof: prof, ls: ls}, nil
}

// logTypeOf is the SecOps log type a record is ingested as.
func logTypeOf(form k8saudit.Form) string {
	switch form {
	case k8saudit.FormGKE:
		return "GCP_CLOUDAUDIT"
	case k8saudit.FormAKS:
		return "KUBERNETES_AUDIT_AZURE"
	}
	return "KUBERNETES_AUDIT"
}

// udm maps a record to a UDM event.
func (c *chronicleRunner) udm(raw []byte, ev map[string]any, form k8saudit.Form) evalyaral.Event {
	logType := logTypeOf(form)
	out := evalyaral.Event{"metadata.log_type": {logType}}
	// Fields every parser of these log types fills, also read by outcomes.
	switch logType {
	case "KUBERNETES_AUDIT":
		out["target.url"] = k8saudit.Values(ev, "requestURI")
		out["principal.user.userid"] = k8saudit.Values(ev, "user.uid")
		out["principal.ip"] = k8saudit.Values(ev, "sourceIPs[]")
		out["network.http.user_agent"] = k8saudit.Values(ev, "userAgent")
		out["target.resource.name"] = k8saudit.Values(ev, "objectRef.name")
		out["metadata.product_event_type"] = k8saudit.Values(ev, "kind")
	case "GCP_CLOUDAUDIT":
		var rec map[string]any
		json.Unmarshal(raw, &rec)
		out["metadata.product_event_type"] = k8saudit.Values(rec, "protoPayload.methodName")
		out["target.resource.name"] = k8saudit.Values(rec, "protoPayload.resourceName")
		out["principal.ip"] = k8saudit.Values(rec, "protoPayload.requestMetadata.callerIp")
	}
	var lt *chronicle.LogType
	for i := range c.prof.LogTypes {
		if c.prof.LogTypes[i].Name == logType {
			lt = &c.prof.LogTypes[i]
		}
	}
	if lt == nil {
		return out // a log type the rule does not select
	}
	set := func(f chronicle.UDMField, extension string) {
		vs := fieldValues(c.ls, ev, f.Field)
		if f.Wrap != "" {
			return // the UDM path holds another value (product_event_type), set above
		}
		switch extension {
		case "":
			if len(vs) > 0 {
				out[f.UDM] = vs
			}
		case "first":
			if len(vs) > 0 {
				out[f.UDM] = vs[:1]
			}
		case "joined":
			if len(vs) > 0 {
				out[f.UDM] = []string{strings.Join(vs, " ")}
			}
		case "any_true":
			for _, v := range vs {
				if v == "true" {
					out[f.UDM] = []string{"true"}
				}
			}
		}
	}
	for _, f := range lt.Fields {
		set(f, "")
	}
	for _, f := range c.prof.Fields {
		set(f, f.Extension)
	}
	return out
}

func (c *chronicleRunner) run(raw []byte, ev map[string]any, form k8saudit.Form) (Verdict, error) {
	res, err := evalyaral.Evaluate(c.rule, c.udm(raw, ev, form))
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Match: res.Match, HasScore: true}
	if res.Match {
		score, ok := res.Outcomes["risk_score"].(int64)
		if !ok {
			return Verdict{}, fmt.Errorf("$risk_score is %v", res.Outcomes["risk_score"])
		}
		v.Score = int(score)
	}
	return v, nil
}
