package scan

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// occurrences is what matcher.each must report: every (pattern, end) at
// which a pattern occurs in text, ignoring ASCII case, found by brute force.
func occurrences(patterns []string, text []byte) []string {
	low := make([]byte, len(text))
	for i, c := range text {
		low[i] = lowerASCII(c)
	}
	var out []string
	for p, pat := range patterns {
		pl := []byte(strings.ToLower(pat))
		for i := 0; i+len(pl) <= len(low); i++ {
			if bytes.Equal(low[i:i+len(pl)], pl) {
				out = append(out, fmt.Sprint(p, "@", i+len(pl)))
			}
		}
	}
	sort.Strings(out)
	return out
}

func matched(m *matcher, text []byte) []string {
	var out []string
	m.each(text, func(p int32, end int) { out = append(out, fmt.Sprint(p, "@", end)) })
	sort.Strings(out)
	return out
}

func TestMatcherFindsEveryOccurrence(t *testing.T) {
	patterns := []string{"he", "she", "his", "hers", "a", "aa", "aaa", "Pods", "pods", "-e /bin/sh", "/", "/bin", "bin/sh", "SH"}
	for _, text := range []string{
		"", "ushers", "aaaaa", "she sells sea shells", "POdS pods pOdS", `"-e","/bin/sh" nc -e /BIN/SH`, "hhhhers hishers",
	} {
		if got, want := matched(newMatcher(patterns), []byte(text)), occurrences(patterns, []byte(text)); !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", text, got, want)
		}
	}
}

func FuzzMatcher(f *testing.F) {
	f.Add("he,she,his,hers", []byte("ushers"))
	f.Add("a,aa,ab,b", []byte("aAbBaab"))
	f.Fuzz(func(t *testing.T, pats string, text []byte) {
		var patterns []string
		for _, p := range strings.Split(pats, ",") {
			if p == "" || !isASCII([]byte(p)) || len(patterns) == 20 {
				continue
			}
			patterns = append(patterns, p)
		}
		if len(patterns) == 0 {
			return
		}
		if got, want := matched(newMatcher(patterns), text), occurrences(patterns, text); !slices.Equal(got, want) {
			t.Errorf("patterns %q, text %q: got %v, want %v", patterns, text, got, want)
		}
	})
}

// BenchmarkMatcher finds every prefilter needle of the shipped rules in a
// generated audit log, beside a bytes.Contains search per needle (what the
// prefilters did before).
func BenchmarkMatcher(b *testing.B) {
	path, _, _ := benchLog(b, "reads")
	s, err := New(shippedRules(b))
	if err != nil {
		b.Fatal(err)
	}
	var lines [][]byte
	var size int64
	eachLine(b, path, func(l []byte) {
		lines = append(lines, append([]byte(nil), l...))
		size += int64(len(l))
	})
	var pats [][]byte
	for _, n := range s.index.needles {
		pats = append(pats, bytes.ToLower(n.text))
	}
	b.Run("matcher", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			for _, l := range lines {
				s.index.m.each(l, func(int32, int) {})
			}
		}
	})
	b.Run("contains-per-needle", func(b *testing.B) {
		b.SetBytes(size)
		low := []byte{}
		for i := 0; i < b.N; i++ {
			for _, l := range lines {
				low = low[:0]
				for _, c := range l {
					low = append(low, lowerASCII(c))
				}
				for _, p := range pats {
					bytes.Contains(low, p)
				}
			}
		}
	})
}
