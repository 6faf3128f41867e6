package fastyaml

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// fragments are line bodies that random documents are built from; put at
// random indentations they give the structural mix-ups byte-level fuzzing
// rarely reaches.
var fragments = []string{
	"a: b", "a:", "b: 1", "- x", "-", "- a: 1", "- - y", "'k': v", `"k": 'v'`, "k: b # c",
	"k: |", "k: >-", "k: |+", "k: >", "k: |2", "- |", "- >", "text line", "more text", "x: y z",
	"# comment", "", " ", "   ", "k: [a, b,", "c]", "d}", "k: {\"a\": 1,", "k: {\"a\": [1, {\"b\": null}]}",
	"k: x: y", "---", "...", "é: ü", "k: \"e\\x41\\u00e9\"", "k: 'it''s'", "k: ~", "<<: x", "k: -1",
	"k: [a\n", "- [x,", "y]", "k: {a: b}", "k: 2001-12-14", "?x: 1", ":y: 2", "k: a#b", "k: &a",
}

func randomDoc(r *rand.Rand) string {
	var b strings.Builder
	for n := 1 + r.IntN(8); n > 0; n-- {
		b.WriteString(strings.Repeat(" ", r.IntN(7)))
		b.WriteString(fragments[r.IntN(len(fragments))])
		if n > 1 || r.IntN(2) == 0 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestRandomDocuments(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	fast := 0
	for i := 0; i < n; i++ {
		src := randomDoc(r)
		if checkFile(t, "", []byte(src)) {
			fast++
		}
		if t.Failed() {
			t.Fatalf("input %q", src)
		}
	}
	t.Logf("%d of %d random documents on the fast path", fast, n)
}
