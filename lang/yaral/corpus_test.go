package yaral

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/detgen/detgen/internal/corpora"
	"github.com/google/go-cmp/cmp"
)

const corpusName = "chronicle-detection-rules"

type corpusFile struct {
	rel string // slash-separated path below the corpus root
	src string
}

// readCorpus returns every *.yaral file below dir, sorted by path.
func readCorpus(tb testing.TB, dir string) []corpusFile {
	tb.Helper()
	var files []corpusFile
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".yaral") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files = append(files, corpusFile{rel: filepath.ToSlash(rel), src: string(b)})
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	return files
}

// readRejects reads testdata/corpus-rejects.txt: "relative/path<TAB>reason"
// lines, where reason must occur in the parse error; "#" starts a comment.
func readRejects(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/corpus-rejects.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rejects := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		path, reason, ok := strings.Cut(line, "\t")
		if !ok || path == "" || reason == "" {
			t.Fatalf("corpus-rejects.txt:%d: want path<TAB>reason, got %q", n, line)
		}
		rejects[path] = reason
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rejects
}

// TestCorpusAcceptance parses every rule of the real-world corpus. The set of
// rejected files must be exactly the checked-in list, so any change in
// acceptance fails.
func TestCorpusAcceptance(t *testing.T) {
	files := readCorpus(t, corpora.Dir(t, corpusName))
	if len(files) == 0 {
		t.Fatal("corpus is empty")
	}
	want := readRejects(t)
	got := map[string]string{}
	for _, f := range files {
		if _, err := Parse(f.src); err != nil {
			got[f.rel] = err.Error()
		}
	}
	for path, msg := range got {
		reason, ok := want[path]
		switch {
		case !ok:
			t.Errorf("%s: newly rejected: %s", path, msg)
		case !strings.Contains(msg, reason):
			t.Errorf("%s: rejected for another reason:\n got: %s\nwant: %s", path, msg, reason)
		}
	}
	for path := range want {
		if _, ok := got[path]; !ok {
			t.Errorf("%s: listed in corpus-rejects.txt but now accepted", path)
		}
	}
	t.Logf("%d files: %d accepted, %d rejected", len(files), len(files)-len(got), len(got))
}

// TestCorpusRoundTrip requires, for every accepted corpus rule, that
// Parse(Print(r)) equals r up to positions and that Print is idempotent.
// Current (non-deprecated) rules must also pass Check without errors:
// SecOps compiles them, so an error would be a false positive.
func TestCorpusRoundTrip(t *testing.T) {
	for _, f := range readCorpus(t, corpora.Dir(t, corpusName)) {
		r, err := Parse(f.src)
		if err != nil {
			continue
		}
		t.Run(f.rel, func(t *testing.T) {
			roundTrip(t, r)
			diags := Check(r)
			if strings.HasPrefix(f.rel, "rules/_deprecated/") {
				return
			}
			for _, d := range diags {
				if d.Severity == SeverityError {
					t.Errorf("Check: %s", d)
				}
			}
		})
	}
}

var fuzzSeeds = []string{
	"",
	"rule r { meta: events: $e.a = 1 condition: $e }",
	events(`$e.a = /x\/y/ nocase or not re.regex($e.b, ` + "`z`" + `) and $e.c in regex %l nocase`),
	"rule r {\nmeta:\nevents:\n$e.a = $u\nmatch:\n$u over 5m after $e\noutcome:\n$risk_score = max(if($e.a = 1, 2) + 3) / 2\ncondition:\n!$e and #u > 1\noptions:\nk = 5m\n}",
	"rule r {\nmeta:\nevents:\n$e.a = 1\noutcome:\n$x = max(metrics.network_bytes_outbound(period:1d, window:30d, agg:max, principal.asset.ip:$ip))\ncondition:\n$e\n}",
	events("(((\n$e.a = 1\n)))"),
	events("any $e.a[0][\"k\"] = \"\\\"\" /* */ // x"),
}

// FuzzParse checks that Parse never panics and that every accepted text
// prints to text that parses to the same tree and prints identically.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	// The corpus adds seeds; without it (off CI) the built-in ones run.
	if dir := corpora.Optional(f, corpusName); dir != "" {
		for _, cf := range readCorpus(f, dir) {
			f.Add(cf.src)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		r, err := Parse(src)
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("error of type %T", err)
			}
			if r != nil {
				t.Fatal("non-nil rule with error")
			}
			return
		}
		_ = Check(r)
		out := Print(r)
		r2, err := Parse(out)
		if err != nil {
			t.Fatalf("printed text does not parse: %v\ninput:\n%s\nprinted:\n%s", err, src, out)
		}
		if out2 := Print(r2); out2 != out {
			t.Fatalf("Print not stable:\n%s\n----\n%s", out, out2)
		}
		if d := cmp.Diff(r, r2, ignorePos); d != "" {
			t.Fatalf("tree changed (-parsed +reparsed):\n%s\nprinted:\n%s", d, out)
		}
	})
}

// BenchmarkParseCorpus parses the whole corpus per iteration and reports the
// throughput in MB/s.
func BenchmarkParseCorpus(b *testing.B) {
	files := readCorpus(b, corpora.Dir(b, corpusName))
	var total int64
	for _, f := range files {
		total += int64(len(f.src))
	}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			_, _ = Parse(f.src)
		}
	}
}

// BenchmarkPrintCorpus prints every accepted corpus rule per iteration.
func BenchmarkPrintCorpus(b *testing.B) {
	var rules []*Rule
	var total int64
	for _, f := range readCorpus(b, corpora.Dir(b, corpusName)) {
		if r, err := Parse(f.src); err == nil {
			rules = append(rules, r)
			total += int64(len(f.src))
		}
	}
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rules {
			_ = Print(r)
		}
	}
}
