package scan

import (
	"bytes"
	"unicode/utf8"
)

// The prefilters' meaning, written one needle search at a time: the
// reference the one-pass needleIndex is tested against
// (TestNeedleIndexAgreesWithPrefilters, TestPrefilterNeverSkipsANeededRecord).

// lineText is a line as the prefilters search it.
type lineText struct {
	raw      []byte
	lower    []byte // ASCII lower case, made on first use
	escaped  bool   // holds \u or \/: a value may be spelt otherwise
	nonASCII bool
}

func newLineText(raw, buf []byte) lineText {
	t := lineText{raw: raw, lower: buf[:0]}
	t.escaped = bytes.Contains(raw, []byte(`\u`)) || bytes.Contains(raw, []byte(`\/`))
	t.nonASCII = !isASCII(raw)
	return t
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (t *lineText) lowered() []byte {
	if len(t.lower) == 0 && len(t.raw) > 0 {
		for _, c := range t.raw {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			t.lower = append(t.lower, c)
		}
	}
	return t.lower
}

// passes reports whether the line has one needle of every set.
func (pf prefilter) passes(t *lineText) bool {
	if t.escaped {
		return true
	}
	for _, set := range pf {
		text := t.raw
		if set.fold {
			if t.nonASCII {
				continue
			}
			text = t.lowered()
		}
		found := false
		for _, n := range set.any {
			if bytes.Contains(text, n) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
