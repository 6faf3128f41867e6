package driver_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
)

// copies writes n copies of the shipped rules (fresh ids and names, test
// event files linked) under a temporary rules directory: a team's worth
// of content for the build benchmarks.
func copies(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	paths, err := driver.FindSpecs("../rules")
	if err != nil {
		b.Fatal(err)
	}
	idRE := regexp.MustCompile(`(?m)^id: [0-9a-f-]+$`)
	nameRE := regexp.MustCompile(`(?m)^name: ([a-z0-9_]+)$`)
	for i := 0; i < n; i++ {
		p := paths[i%len(paths)]
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		s := idRE.ReplaceAllString(string(src), fmt.Sprintf("id: %08x-0000-4000-8000-%012x", i, i))
		s = nameRE.ReplaceAllString(s, fmt.Sprintf("name: ${1}_%d", i))
		sub := filepath.Join(dir, fmt.Sprint(i%len(paths)))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(sub, "testdata")); os.IsNotExist(err) {
			abs, _ := filepath.Abs(filepath.Join(filepath.Dir(p), "testdata"))
			os.Symlink(abs, filepath.Join(sub, "testdata"))
		}
		name := strings.TrimSuffix(filepath.Base(p), ".yaml") + fmt.Sprintf("-%d.yaml", i)
		if err := os.WriteFile(filepath.Join(sub, name), []byte(s), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkBuild compiles, generates and checks every artifact of 2,000
// rules (DETGEN_BENCH_RULES to change), as detgen build does before it
// writes files.
func BenchmarkBuild(b *testing.B) {
	n := 2000
	if v := os.Getenv("DETGEN_BENCH_RULES"); v != "" {
		fmt.Sscan(v, &n)
	}
	dir := copies(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := driver.BuildDir(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rules/s")
}
