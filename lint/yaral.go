package lint

import (
	"errors"

	"github.com/detgen/detgen/lang/yaral"
)

func checkYARAL(src []byte) []Finding {
	r, err := yaral.Parse(string(src))
	if err != nil {
		var list yaral.ErrorList
		if !errors.As(err, &list) {
			return []Finding{syntax(1, 1, err.Error())}
		}
		var out []Finding
		for _, e := range list {
			out = append(out, syntax(e.Pos.Line, e.Pos.Col, e.Msg))
		}
		return out
	}
	var out []Finding
	for _, d := range yaral.Check(r) {
		sev := Warning
		if d.Severity == yaral.SeverityError {
			sev = Error
		}
		out = append(out, Finding{Line: d.Pos.Line, Col: d.Pos.Col, Severity: sev, Code: d.Code, Msg: d.Msg})
	}
	return out
}
