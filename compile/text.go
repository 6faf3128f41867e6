package compile

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/invisible"
	"github.com/detgen/detgen/spec"
)

// invisibleNames names the characters of Trojan-Source style attacks:
// bidi embeddings, overrides, isolates and marks, and zero-width ones.
var invisibleNames = map[rune]string{
	0x200B: "ZERO WIDTH SPACE", 0x200C: "ZERO WIDTH NON-JOINER", 0x200D: "ZERO WIDTH JOINER",
	0x200E: "LEFT-TO-RIGHT MARK", 0x200F: "RIGHT-TO-LEFT MARK",
	0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
	0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE",
	0x2066: "LEFT-TO-RIGHT ISOLATE", 0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE",
	0x2069: "POP DIRECTIONAL ISOLATE", 0xFEFF: "ZERO WIDTH NO-BREAK SPACE (BOM)",
}

// badRune returns the first character of s no spec text may hold, and its
// 1-based index in characters; 0 when there is none. Refused: invalid
// UTF-8, C0 and C1 controls (but newline where lines allows it), every
// invisible format character (Unicode Cf: the bidi controls, zero-width
// characters, the BOM, tag characters) and the line and paragraph
// separators. Each is invisible in review or rewrites how the text
// around it reads, in every output the text reaches.
func badRune(s string, lines bool) (rune, int) {
	n := 0
	for i, r := range s {
		n++
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return r, n
			}
		case r == '\n' && lines:
		case unicode.IsControl(r), invisible.Is(r):
			return r, n
		}
	}
	return 0, 0
}

// describeRune names a refused character for a message.
func describeRune(r rune) string {
	switch name, ok := invisibleNames[r]; {
	case ok:
		return fmt.Sprintf("U+%04X %s", r, name)
	case r == utf8.RuneError:
		return "invalid UTF-8"
	case unicode.IsControl(r):
		return fmt.Sprintf("U+%04X, a control character,", r)
	}
	return fmt.Sprintf("U+%04X, an invisible formatting character,", r)
}

// describeBad names the first refused character of s and where it is.
func describeBad(s string) string {
	r, n := badRune(s, false)
	if n == 0 {
		return "U+FFFD REPLACEMENT CHARACTER (text that was not UTF-8)"
	}
	return fmt.Sprintf("%s at character %d", describeRune(r), n)
}

// reportRune reports a free-text field holding a refused character, at
// the field's position.
func (c *checker) reportRune(pos diag.Pos, what string, r rune, n int) {
	c.add(pos, "%s holds %s at character %d: remove it (it is invisible, or reorders the text around it, in every output)", what, describeRune(r), n)
}

// textList checks each item of the list field key, at the item.
func (c *checker) textList(keys diag.Keys, key string, items []string) {
	for i, s := range items {
		r, n := badRune(s, false)
		if n == 0 {
			continue // the position is looked up only for a finding
		}
		item := fmt.Sprintf("%s[%d]", key, i)
		pos, ok := keys.Lookup(item)
		if !ok {
			pos = keys.At(key)
		}
		c.reportRune(pos, item, r, n)
	}
}

// freeText checks every free-text field of r: the metadata every output
// and page carries, signal descriptions and test names. A field's name and
// position are worked out only for a finding (most fields are clean).
func (c *checker) freeText(r *spec.Rule) {
	check := func(s string, lines bool, at func() (diag.Pos, string)) {
		if ch, n := badRune(s, lines); n > 0 {
			pos, what := at()
			c.reportRune(pos, what, ch, n)
		}
	}
	field := func(keys diag.Keys, key string) func() (diag.Pos, string) {
		return func() (diag.Pos, string) { return keys.At(key), key }
	}
	check(r.Title, false, field(r.Keys, "title"))
	check(r.Description, true, field(r.Keys, "description"))
	check(r.Author, false, field(r.Keys, "author"))
	for i, ch := range r.Changelog {
		check(ch.Change, false, func() (diag.Pos, string) {
			return ch.Keys.At("change"), fmt.Sprintf("changelog[%d].change", i)
		})
	}
	c.textList(r.Keys, "data_sources", r.DataSources)
	c.textList(r.Keys, "references", r.References)
	c.textList(r.Keys, "false_positives", r.FalsePositives)
	c.textList(r.Keys, "tuning", r.Tuning)
	check(r.Testing.Methodology, true, func() (diag.Pos, string) { return r.Testing.Pos, "testing.methodology" })
	for i, tc := range r.Testing.Cases {
		check(tc.Name, false, func() (diag.Pos, string) { return tc.Pos, fmt.Sprintf("testing.cases[%d].name", i) })
		check(tc.Expected, true, func() (diag.Pos, string) { return tc.Pos, fmt.Sprintf("testing.cases[%d].expected", i) })
	}
	for _, sig := range r.Detection.Scoring.Signals {
		check(sig.Description, false, func() (diag.Pos, string) {
			return sig.Keys.At("description"), "signal " + sig.Name + ": description"
		})
	}
	for _, t := range r.Tests {
		check(t.Name, false, func() (diag.Pos, string) { return t.Keys.At("name"), fmt.Sprintf("test %q: name", t.Name) })
		check(t.Source, false, func() (diag.Pos, string) { return t.Keys.At("source"), fmt.Sprintf("test %q: source", t.Name) })
		for _, d := range t.Differs {
			check(d.Reason, true, func() (diag.Pos, string) {
				return d.Keys.At("reason"), fmt.Sprintf("test %q: differs %s: reason", t.Name, d.Target)
			})
		}
	}
}
