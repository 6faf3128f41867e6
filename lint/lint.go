// Package lint checks artifacts in the three target languages: generated
// ones before detgen writes them, and hand-written ones through
// `detgen lint`. Each language has a parser and checks of its own; lint
// only dispatches and reports in one shape.
package lint

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/lang/aql"
	"github.com/detgen/detgen/lang/yaral"
)

// Language is a target language.
type Language string

const (
	AQL   Language = "aql"
	YARAL Language = "yaral"
	Sigma Language = "sigma"
)

// Severity of a finding: an error means the target would reject the
// artifact or it cannot work as meant; a warning means it is probably
// wrong or slow.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem at a 1-based line and column of the artifact.
type Finding struct {
	Line, Col int
	Severity  Severity
	Code      string
	Msg       string
}

func (f Finding) String() string {
	return fmt.Sprintf("%d:%d: %s: %s [%s]", f.Line, f.Col, f.Severity, f.Msg, f.Code)
}

// LanguageOf picks the language from a file name.
func LanguageOf(path string) (Language, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".aql":
		return AQL, true
	case ".yaral", ".yara-l", ".yl":
		return YARAL, true
	case ".yml", ".yaml":
		return Sigma, true
	}
	return "", false
}

// Check parses src and runs the language's checks. A parse error is
// reported as error findings with code "syntax".
func Check(lang Language, src []byte) []Finding {
	var fs []Finding
	switch lang {
	case AQL:
		fs = checkAQL(src)
	case YARAL:
		fs = checkYARAL(src)
	case Sigma:
		fs = checkSigma(src)
	default:
		return []Finding{{Line: 1, Col: 1, Severity: Error, Code: "language", Msg: fmt.Sprintf("unknown language %q", lang)}}
	}
	return append(invisibleCharacters(lang, src), fs...)
}

// escapeHint says how lang writes r visibly.
func escapeHint(lang Language, r rune) string {
	switch lang {
	case AQL:
		return fmt.Sprintf(`AQL strings have no escapes: match it with MATCHES and \x{%X}`, r)
	case YARAL:
		return fmt.Sprintf(`write it in a regex as \x{%X}`, r)
	}
	return fmt.Sprintf(`write it in a double-quoted YAML string as \u%04X`, r)
}

// invisibleCharacters reports every character of src a reviewer cannot
// see or that changes how the text around it reads (package invisible): a
// generator writes such a value escaped, and a hand-written query holding
// one raw is what a "Trojan Source" change looks like.
func invisibleCharacters(lang Language, src []byte) []Finding {
	var out []Finding
	for i := 0; i < len(src); {
		if src[i] < utf8.RuneSelf {
			i++ // none is ASCII
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if invisible.Is(r) {
			line := 1 + bytes.Count(src[:i], []byte{'\n'})
			col := 1 + utf8.RuneCount(src[bytes.LastIndexByte(src[:i], '\n')+1:i])
			out = append(out, Finding{Line: line, Col: col, Severity: Error, Code: "invisible-character",
				Msg: fmt.Sprintf("invisible character %U written raw: %s", r, escapeHint(lang, r))})
		}
		i += n
	}
	return out
}

// Errors returns the error findings only.
func Errors(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Severity == Error {
			out = append(out, f)
		}
	}
	return out
}

func syntax(line, col int, msg string) Finding {
	return Finding{Line: line, Col: col, Severity: Error, Code: "syntax", Msg: msg}
}

// syntaxErrors turns a parser's error list (aql.ErrorList,
// yaral.ErrorList) into findings.
func syntaxErrors[L ~[]*E, E any](err error, at func(*E) (line, col int, msg string)) []Finding {
	var list L
	if !errors.As(err, &list) {
		return []Finding{syntax(1, 1, err.Error())}
	}
	var out []Finding
	for _, e := range list {
		out = append(out, syntax(at(e)))
	}
	return out
}

// checked turns a language's diagnostics into findings.
func checked[D any](ds []D, at func(D) (line, col int, isError bool, code, msg string)) []Finding {
	var out []Finding
	for _, d := range ds {
		l, c, isErr, code, msg := at(d)
		sev := Warning
		if isErr {
			sev = Error
		}
		out = append(out, Finding{Line: l, Col: c, Severity: sev, Code: code, Msg: msg})
	}
	return out
}

func checkAQL(src []byte) []Finding {
	q, err := aql.Parse(string(src))
	if err != nil {
		return syntaxErrors[aql.ErrorList](err, func(e *aql.Error) (int, int, string) { return e.Pos.Line, e.Pos.Col, e.Msg })
	}
	return checked(aql.Check(q), func(d aql.Diagnostic) (int, int, bool, string, string) {
		return d.Pos.Line, d.Pos.Col, d.Severity == aql.SeverityError, d.Code, d.Msg
	})
}

func checkYARAL(src []byte) []Finding {
	r, err := yaral.Parse(string(src))
	if err != nil {
		return syntaxErrors[yaral.ErrorList](err, func(e *yaral.Error) (int, int, string) { return e.Pos.Line, e.Pos.Col, e.Msg })
	}
	return checked(yaral.Check(r), func(d yaral.Diagnostic) (int, int, bool, string, string) {
		return d.Pos.Line, d.Pos.Col, d.Severity == yaral.SeverityError, d.Code, d.Msg
	})
}
