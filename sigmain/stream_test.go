package sigmain

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/corpora"
	"github.com/google/go-cmp/cmp"
)

// memorySink records what ConvertFiles writes and removes.
type memorySink struct {
	mu      sync.Mutex
	files   map[string]string
	removed int
}

func (s *memorySink) WriteFile(path string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files = map[string]string{}
	}
	s.files[path] = string(data)
	return nil
}

func (s *memorySink) Remove(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.files[path]; !ok {
		return fmt.Errorf("remove %s: not written", path)
	}
	delete(s.files, path)
	s.removed++
	return nil
}

// report is what a command prints of a conversion: per document its
// position, kind, id, name, refusals and warnings, and per outcome where
// the artifact went or why it was refused.
func report(results []*Result, outs []Outcome) []string {
	var lines []string
	for _, r := range results {
		lines = append(lines, fmt.Sprintf("doc %s %s %s name=%q refused=%v warnings=%v filters=%v", r.Pos, r.Kind, r.ID, r.Name, r.Refused, r.Warnings, r.Filters))
	}
	for _, o := range outs {
		lines = append(lines, fmt.Sprintf("out %s %s %q %v", o.Result.Pos, o.Target.Name, o.Path, o.Refused))
	}
	return lines
}

// convertReference is Load then Convert: the files and the report.
func convertReference(t *testing.T, paths []string, targets []driver.Target) (map[string]string, []string) {
	t.Helper()
	results, errs := Load(paths)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	outs := Convert(results, targets)
	files := map[string]string{}
	for _, o := range outs {
		if o.Converted() {
			files[o.Path] = string(o.Artifact.Data)
		}
	}
	return files, report(results, outs)
}

func allTargets(t *testing.T) []driver.Target {
	var targets []driver.Target
	for _, name := range []string{"qradar", "chronicle", "sigma"} {
		tg, ok := driver.LookupTarget(name)
		if !ok {
			t.Fatalf("no target %s", name)
		}
		targets = append(targets, tg)
	}
	return targets
}

// TestConvertFilesIsLoadThenConvert: on SigmaHQ's rules, converting file
// by file writes the same files and reports the same outcomes as Load
// then Convert, and keeps no rule or artifact.
func TestConvertFilesIsLoadThenConvert(t *testing.T) {
	root := corpora.Dir(t, "sigmahq")
	dirs, _ := filepath.Glob(filepath.Join(root, "rules*"))
	sort.Strings(dirs)
	targets := allTargets(t)
	wantFiles, wantReport := convertReference(t, dirs, targets)
	var sink memorySink
	results, outs, errs, err := ConvertFiles(dirs, targets, &sink)
	if len(errs) > 0 || err != nil {
		t.Fatal(errs, err)
	}
	if sink.removed != 0 {
		t.Errorf("%d files removed: the corpus took the fallback", sink.removed)
	}
	if d := cmp.Diff(wantReport, report(results, outs)); d != "" {
		t.Errorf("report differs (-Load+Convert +ConvertFiles):\n%s", d)
	}
	if len(sink.files) != len(wantFiles) {
		t.Errorf("%d files written, want %d", len(sink.files), len(wantFiles))
	}
	for p, want := range wantFiles {
		if sink.files[p] != want {
			t.Errorf("%s differs from Load+Convert's", p)
		}
	}
	for _, r := range results {
		if r.Rule != nil {
			t.Fatalf("%s: rule kept", r.Pos)
		}
	}
	for _, o := range outs {
		if o.Artifact.Data != nil || o.Artifact.Rule != nil || o.Warnings != nil {
			t.Fatalf("%s: %s artifact kept", o.Result.Pos, o.Target.Name)
		}
	}
}

// TestConvertFilesFallsBack: where documents depend on each other (a
// filter, a correlation, a shared id, a shared name), what was written
// is removed and the result is Load then Convert's.
func TestConvertFilesFallsBack(t *testing.T) {
	const rule = `title: Whoami %[1]d
id: %[2]s
name: %[3]s
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
`
	uuid := func(i int) string { return fmt.Sprintf("4f3c7d4e-0000-4000-8000-%012d", i) }
	// Each case is files, in path order; the later files hold what
	// forces the fallback, after artifacts were written.
	cases := map[string][]string{
		"independent": {fmt.Sprintf(rule, 1, uuid(1), "one"), fmt.Sprintf(rule, 2, uuid(2), "two")},
		"filter": {fmt.Sprintf(rule, 1, uuid(1), "one"), fmt.Sprintf(rule, 2, uuid(2), "two"),
			`title: Not admins
id: 4f3c7d4e-0000-4000-8000-000000000099
logsource: {product: windows, category: process_creation}
filter:
  rules: [one]
  selection: {User: admin}
  condition: not selection
`},
		"correlation": {fmt.Sprintf(rule, 1, uuid(1), "one"), fmt.Sprintf(rule, 2, uuid(2), "two"),
			`title: Many whoami
id: 4f3c7d4e-0000-4000-8000-000000000098
correlation:
  type: event_count
  rules: [one]
  group-by: [Computer]
  timespan: 10m
  condition: {gte: 5}
`},
		"shared id": {fmt.Sprintf(rule, 1, uuid(1), "one"), fmt.Sprintf(rule, 2, uuid(1), "two")},
		// The name comes from the file's stem: a/r1.yml and b/r1.yml.
		"shared name": {fmt.Sprintf(rule, 1, uuid(1), "one"), fmt.Sprintf(rule, 2, uuid(2), "two")},
	}
	targets := allTargets(t)
	for name, docs := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for i, doc := range docs {
				path := filepath.Join(dir, fmt.Sprintf("r%d.yml", i))
				if name == "shared name" {
					path = filepath.Join(dir, string(rune('a'+i)), "r1.yml")
					os.MkdirAll(filepath.Dir(path), 0o755)
				}
				if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantFiles, wantReport := convertReference(t, []string{dir}, targets)
			var sink memorySink
			results, outs, errs, err := ConvertFiles([]string{dir}, targets, &sink)
			if len(errs) > 0 || err != nil {
				t.Fatal(errs, err)
			}
			if d := cmp.Diff(wantReport, report(results, outs)); d != "" {
				t.Errorf("report differs (-Load+Convert +ConvertFiles):\n%s", d)
			}
			if d := cmp.Diff(wantFiles, sink.files); d != "" {
				t.Errorf("files differ (-Load+Convert +ConvertFiles):\n%s", d)
			}
			if len(wantFiles) == 0 {
				t.Errorf("nothing converted: the case proves nothing")
			}
		})
	}
}

// TestConvertFilesUnreadable: an input that cannot be read is reported as
// Load reports it, and nothing is left written.
func TestConvertFilesUnreadable(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yml"), []byte("title: [unclosed\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yml"), []byte(`title: Whoami
id: 4f3c7d4e-0000-4000-8000-000000000001
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
`), 0o644)
	_, wantErrs := Load([]string{dir})
	var sink memorySink
	_, _, errs, err := ConvertFiles([]string{dir}, allTargets(t), &sink)
	if err != nil || len(errs) == 0 || errs.Error() != wantErrs.Error() {
		t.Fatalf("errs = %v (err %v), want %v", errs, err, wantErrs)
	}
}

// TestConvertFilesRefusesAFIFO: a FIFO named like a Sigma file is
// reported, not read (reading it would block until a writer came).
func TestConvertFilesRefusesAFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yml"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan diag.List, 1)
	go func() {
		_, _, errs, _ := ConvertFiles([]string{dir}, allTargets(t), nil)
		done <- errs
	}()
	select {
	case errs := <-done:
		if len(errs) != 1 || !strings.Contains(errs.Error(), "pipe.yml") || !strings.Contains(errs.Error(), "not a regular file") {
			t.Fatalf("errs = %v, want pipe.yml refused as not a regular file", errs)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("convert blocked on a FIFO")
	}
}

// TestConvertFilesFallbackOnDisk: through a staging directory, a fallback
// that refuses the rules written before it leaves no file and no empty
// directory of them (the filter, read last, is for another log source, so
// every rule it names is refused).
func TestConvertFilesFallbackOnDisk(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("r%02d", i)
		names = append(names, name)
		os.WriteFile(filepath.Join(dir, name+".yml"), []byte(fmt.Sprintf(`title: Whoami %d
id: 4f3c7d4e-0000-4000-8000-%012d
name: %s
logsource: {product: windows, category: process_creation}
detection:
  sel: {Image|endswith: '\whoami.exe'}
  condition: sel
`, i, i, name)), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "zz.yml"), []byte(`title: Not admins
id: 4f3c7d4e-0000-4000-8000-000000000999
logsource: {product: windows, service: security}
filter:
  rules: [`+strings.Join(names, ", ")+`]
  selection: {TargetUserName: admin}
  condition: selection
`), 0o644)
	out := filepath.Join(t.TempDir(), "out")
	stage, err := driver.CreateDir(out)
	if err != nil {
		t.Fatal(err)
	}
	results, _, errs, err := ConvertFiles([]string{dir}, allTargets(t), stage)
	if len(errs) > 0 || err != nil {
		t.Fatal(errs, err)
	}
	if err := stage.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, r := range results[:len(names)] {
		if r.Name != "" || len(r.Refused) == 0 {
			t.Fatalf("%s: the filtered rule was not refused", r.Pos)
		}
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != driver.Marker {
			t.Errorf("output holds %s", e.Name())
		}
	}
}
