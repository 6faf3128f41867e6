//go:build linux

package driver_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/detgen/detgen/driver"
)

// BenchmarkCLI runs the detgen binary on the rules of BenchmarkBuild, each
// command in a process of its own, and reports its seconds and peak
// resident memory (MB), and the start-up time (--version): build cold (empty cache, the baseline), build from
// the cache unchanged and with one spec edited, then validate, list, lock
// and docs (cold, then cached).
func BenchmarkCLI(b *testing.B) {
	n := benchRules()
	rules := copies(b, n)
	specs, err := driver.FindSpecs(rules)
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "detgen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/detgen").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	work := b.TempDir()
	run := func(metric string, args ...string) {
		b.Helper()
		cmd := exec.Command(bin, append([]string{"--quiet"}, args...)...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "DETGEN_CACHE=")
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("detgen %v: %v\n%s", args, err, stderr.Bytes())
		}
		b.ReportMetric(time.Since(start).Seconds(), metric+"-s")
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			b.ReportMetric(float64(ru.Maxrss)/1024, metric+"-MB") // KiB on Linux
		}
	}
	// Start-up: the fastest of 20 runs of --version (process creation,
	// runtime start and the command table; no rule is read).
	startup := time.Duration(1 << 62)
	for k := 0; k < 20; k++ {
		start := time.Now()
		if err := exec.Command(bin, "--version").Run(); err != nil {
			b.Fatal(err)
		}
		startup = min(startup, time.Since(start))
	}
	b.ReportMetric(float64(startup.Microseconds())/1000, "startup-ms")
	for i := 0; i < b.N; i++ {
		os.RemoveAll(filepath.Join(work, driver.CacheDirName))
		os.Remove(filepath.Join(work, "rules.lock.json"))
		run("build-cold", "build", "--rules", rules, "--out", "dist")
		run("build-cached", "build", "--rules", rules, "--out", "dist")
		src, err := os.ReadFile(specs[0])
		if err != nil {
			b.Fatal(err)
		}
		os.WriteFile(specs[0], append(src, []byte("# edited\n")...), 0o644)
		run("build-1-edited", "build", "--rules", rules, "--out", "dist")
		os.WriteFile(specs[0], src, 0o644)
		run("validate", append([]string{"validate"}, specs...)...)
		run("list", "list", "--rules", rules)
		run("lock", "lock", "--rules", rules, "--lock", "rules.lock.json")
		run("docs-cold", "docs", "--rules", rules, "--out", "site")
		run("docs-cached", "docs", "--rules", rules, "--out", "site")
	}
}
