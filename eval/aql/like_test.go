package aql

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// anchoredLike is LIKE as a regular expression anchored at both ends,
// every % as ".*": the definition likeRegexp's unanchored ends must keep.
func anchoredLike(p string, fold bool) string {
	var b strings.Builder
	b.WriteString("(?s)")
	if fold {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	for _, r := range p {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String()
}

func TestLikeRegexpIsAnchoredLike(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"%", "_", "a", "A", "b", "\n", ".", "é", "%%", "*"}
	word := func(n int) string {
		var b strings.Builder
		for range r.IntN(n) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		p, s, fold := word(6), strings.ReplaceAll(word(8), "%", "x"), r.IntN(2) == 0
		got := regexp.MustCompile(likeRegexp(p, fold)).MatchString(s)
		want := regexp.MustCompile(anchoredLike(p, fold)).MatchString(s)
		if got != want {
			t.Fatalf("LIKE %q (fold %v) on %q: %v, want %v (%s)", p, fold, s, got, want, likeRegexp(p, fold))
		}
	}
}
