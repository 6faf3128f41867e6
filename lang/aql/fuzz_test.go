package aql

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse checks that Parse never panics, that every error has a position,
// and that whatever parses prints to text that parses back to the same tree
// and prints identically; Check must not panic either.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM events",
		"SELECT a AS 'b', \"c d\" FROM flows WHERE x IN (1, 2) AND NOT y LIKE '%z%' LIMIT 5 LAST 1 HOURS",
		"SELECT IF a THEN 1 ELSE 2 + 3 FROM events START PARSEDATETIME('1 day ago') PARAMETERS a=1",
		"SELECT CASE WHEN a THEN b END, -2 ^ -3, GEO::LOOKUP(x, 'y') FROM events WHERE TEXT SEARCH 'q'",
	} {
		f.Add(s)
	}
	for _, cf := range corpusSeeds(f) {
		f.Add(cf.src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error is %T %v", err, err)
			}
			for _, e := range list {
				if !e.Pos.IsValid() || e.Pos.Offset > len(src) {
					t.Fatalf("bad error position: %v", e)
				}
			}
			if q != nil {
				t.Fatal("query returned with error")
			}
			return
		}
		Check(q)
		out := Print(q)
		q2, err := Parse(out)
		if err != nil {
			t.Fatalf("printed query does not parse: %v\nsrc: %q\nout: %q", err, src, out)
		}
		if out2 := Print(q2); out2 != out {
			t.Fatalf("print not stable:\n1st: %q\n2nd: %q", out, out2)
		}
		if diff := cmp.Diff(q, q2, ignorePos); diff != "" {
			t.Fatalf("round trip changed the tree:\nsrc: %q\nout: %q\n%s", src, out, diff)
		}
	})
}
