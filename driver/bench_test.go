package driver_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/spec"
)

// copies writes n copies of the shipped rules (fresh ids, names and
// titles, test event files linked) under a temporary rules directory: a team's worth
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
	titleRE := regexp.MustCompile(`(?m)^title: (.+)$`)
	for i := 0; i < n; i++ {
		p := paths[i%len(paths)]
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		s := idRE.ReplaceAllString(string(src), fmt.Sprintf("id: %08x-0000-4000-8000-%012x", i, i))
		s = nameRE.ReplaceAllString(s, fmt.Sprintf("name: ${1}_%d", i))
		// Titles name the QRadar searches, which must differ.
		s = titleRE.ReplaceAllString(s, fmt.Sprintf("title: ${1} %d", i))
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

// benchRules is the number of rules of the build benchmarks: 2,000, or
// DETGEN_BENCH_RULES.
func benchRules() int {
	n := 2000
	if v := os.Getenv("DETGEN_BENCH_RULES"); v != "" {
		fmt.Sscan(v, &n)
	}
	return n
}

// BenchmarkBuild compiles, generates and checks every artifact of 2,000
// rules (DETGEN_BENCH_RULES to change) in memory, as BuildDir does: the
// baseline of BenchmarkStreamedBuild.
func BenchmarkBuild(b *testing.B) {
	n := benchRules()
	dir := copies(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, _, err := driver.BuildDir(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rules/s")
}

// BenchmarkDecodeSpecs decodes (strict YAML) the specs of BenchmarkBuild,
// already read: the part of a cold build that the cache saves.
func BenchmarkDecodeSpecs(b *testing.B) {
	n := benchRules()
	paths, err := driver.FindSpecs(copies(b, n))
	if err != nil {
		b.Fatal(err)
	}
	srcs := make([][]byte, len(paths))
	for i, p := range paths {
		if srcs[i], err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		driver.Parallel(len(paths), func(j int) {
			if _, errs := spec.Parse(paths[j], srcs[j]); len(errs) > 0 {
				b.Error(errs)
			}
		})
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rules/s")
}

// BenchmarkStreamedBuild is detgen build of the rules of BenchmarkBuild
// into an output directory (every file written, the QRadar extension and
// the manifest too): cold (no cache), and from an unchanged cache.
func BenchmarkStreamedBuild(b *testing.B) {
	n := benchRules()
	dir := copies(b, n)
	work := b.TempDir()
	for _, bc := range []struct {
		name  string
		cache bool
	}{{"cold", false}, {"cached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			var c *driver.Cache
			if bc.cache {
				var err error
				if c, err = driver.OpenCache(filepath.Join(work, driver.CacheDirName), "bench", ""); err != nil {
					b.Fatal(err)
				}
			}
			build := func() *driver.Loaded {
				l, err := driver.LoadPaths(dir, driver.Options{Version: "bench", Cache: c})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := l.WriteBuild(filepath.Join(work, "dist"), nil); err != nil {
					b.Fatal(err)
				}
				return l
			}
			if bc.cache {
				build() // fill the cache
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if l := build(); bc.cache && l.Cached() != n {
					b.Fatalf("%d of %d rules from the cache", l.Cached(), n)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rules/s")
		})
	}
}
