package chronicle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Wire shapes of the Chronicle API (proto3 JSON: lowerCamelCase, false and
// empty fields omitted in answers).

type verifyRequest struct {
	RuleText string `json:"ruleText"`
}

type verifyResponse struct {
	Success                bool             `json:"success"`
	CompilationDiagnostics []wireDiagnostic `json:"compilationDiagnostics"`
}

type wireDiagnostic struct {
	Message  string        `json:"message"`
	Severity string        `json:"severity"`
	URI      string        `json:"uri"`
	Position *wirePosition `json:"position"`
}

type wirePosition struct {
	StartLine   flexInt `json:"startLine"`
	StartColumn flexInt `json:"startColumn"`
	EndLine     flexInt `json:"endLine"`
	EndColumn   flexInt `json:"endColumn"`
}

// flexInt accepts a JSON number or a decimal string (proto3 JSON may quote
// integers).
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*n = flexInt(v)
	return nil
}

type wireRule struct {
	Name        string `json:"name"`
	RevisionID  string `json:"revisionId"`
	DisplayName string `json:"displayName"`
	Text        string `json:"text"`
}

type listRulesResponse struct {
	Rules         []wireRule `json:"rules"`
	NextPageToken string     `json:"nextPageToken"`
}

type ruleText struct {
	Text string `json:"text"`
}

type wireDeployment struct {
	Name     string `json:"name"`
	Enabled  bool   `json:"enabled"`
	Alerting bool   `json:"alerting"`
}

type deploymentPatch struct {
	Enabled  bool `json:"enabled"`
	Alerting bool `json:"alerting"`
}
