package detection

import (
	"encoding/base64"
	"regexp"
	"strings"
	"unicode/utf16"

	"github.com/detgen/detgen/ir"
)

// transform applies the value transformations of a modifier chain, left
// to right, and returns every variant the value stands for.
func transform(s string, mods []string, wildcards bool) ([]string, string) {
	vals := []string{s}
	encodedBytes := false // the values hold raw UTF-16 bytes, not text
	for _, m := range mods {
		switch m {
		case "windash":
			var out []string
			for _, v := range vals {
				out = append(out, windash(v)...)
			}
			vals = out
		case "utf16le", "utf16be", "utf16":
			for i, v := range vals {
				if wildcards {
					p := parsePattern(v)
					if p.hasWildcard() {
						return nil, m + " does not apply to a value with wildcards"
					}
					v = p.literal()
				}
				vals[i] = utf16Bytes(v, m)
			}
			encodedBytes = true
		case "base64", "base64offset":
			var out []string
			for _, v := range vals {
				if wildcards && !encodedBytes {
					p := parsePattern(v)
					if p.hasWildcard() {
						return nil, m + " does not apply to a value with wildcards"
					}
					v = p.literal()
				}
				if m == "base64" {
					out = append(out, base64.StdEncoding.EncodeToString([]byte(v)))
				} else {
					out = append(out, base64Offsets(v)...)
				}
			}
			vals = out
			encodedBytes = false
			if wildcards {
				// Base64 text holds no wildcard or escape characters.
				for i, v := range vals {
					vals[i] = escapePattern(v)
				}
			}
		}
	}
	if encodedBytes {
		return nil, "utf16 output is binary: follow it with base64 or base64offset"
	}
	return vals, ""
}

// windashRE finds the dashes and slashes that start a command-line flag,
// as Sigma's windash modifier defines them.
var windashRE = regexp.MustCompile(`\B[-/]\b`)

var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash expands every flag-starting - or / into the five characters
// Windows programs accept there (cartesian product over occurrences).
func windash(s string) []string {
	locs := windashRE.FindAllStringIndex(s, -1)
	out := []string{""}
	prev := 0
	for _, loc := range locs {
		var next []string
		for _, o := range out {
			for _, c := range windashChars {
				next = append(next, o+s[prev:loc[0]]+c)
			}
		}
		out = next
		prev = loc[1]
	}
	for i := range out {
		out[i] += s[prev:]
	}
	return out
}

func utf16Bytes(s, mod string) string {
	units := utf16.Encode([]rune(s))
	var b []byte
	if mod == "utf16" {
		b = append(b, 0xff, 0xfe)
	}
	for _, u := range units {
		if mod == "utf16be" {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return string(b)
}

// base64Offsets returns the three fragments that appear in the base64 of
// any text containing s, one per alignment (Sigma's base64offset): encode
// s shifted by i bytes and drop the characters that depend on the
// neighbouring bytes.
func base64Offsets(s string) []string {
	start := []int{0, 2, 3}
	end := []int{0, -3, -2} // 0: to the end
	var out []string
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString(append([]byte(strings.Repeat(" ", i)), s...))
		e := end[(len(s)+i)%3]
		hi := len(enc) + e
		if e == 0 {
			hi = len(enc)
		}
		if hi < start[i] {
			hi = start[i]
		}
		out = append(out, enc[start[i]:hi])
	}
	return out
}

// pattern is a Sigma value split into literal text and wildcards.
type pattern []patPart

type patPart struct {
	lit  string
	wild byte // '*' or '?' (lit empty), or 0
}

// parsePattern reads Sigma's escapes: \* and \? are literal, \\ is one
// backslash, a backslash before anything else is itself.
func parsePattern(s string) pattern {
	var p pattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p = append(p, patPart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			lit.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			p = append(p, patPart{wild: c})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return p
}

// escapePattern is the Sigma value that matches s literally.
func escapePattern(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s)
}

func (p pattern) hasWildcard() bool {
	for _, x := range p {
		if x.wild != 0 {
			return true
		}
	}
	return false
}

func (p pattern) hasInnerWildcard() bool {
	q := p.trim()
	return q.hasWildcard()
}

func (p pattern) trim() pattern {
	for len(p) > 0 && p[0].wild == '*' {
		p = p[1:]
	}
	for len(p) > 0 && p[len(p)-1].wild == '*' {
		p = p[:len(p)-1]
	}
	return p
}

func (p pattern) literal() string {
	var b strings.Builder
	for _, x := range p.trim() {
		b.WriteString(x.lit)
	}
	return b.String()
}

// classify turns a pattern under a Sigma operator into the simplest
// operator and literal, or an anchored regex when wildcards sit inside.
func (p pattern) classify(op ir.Op) (ir.Op, string, string) {
	lead := op == ir.Contains || op == ir.EndsWith || len(p) > 0 && p[0].wild == '*'
	trail := op == ir.Contains || op == ir.StartsWith || len(p) > 0 && p[len(p)-1].wild == '*'
	q := p.trim()
	if !q.hasWildcard() {
		lit := p.literal()
		switch {
		case lit == "":
			if lead || trail {
				return "", "", "^.*$"
			}
			return ir.Equals, "", ""
		case lead && trail:
			return ir.Contains, lit, ""
		case trail:
			return ir.StartsWith, lit, ""
		case lead:
			return ir.EndsWith, lit, ""
		}
		return ir.Equals, lit, ""
	}
	var re strings.Builder
	re.WriteString("^")
	if lead {
		re.WriteString(".*")
	}
	for _, x := range q {
		switch x.wild {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(x.lit))
		}
	}
	if trail {
		re.WriteString(".*")
	}
	re.WriteString("$")
	return "", "", re.String()
}
