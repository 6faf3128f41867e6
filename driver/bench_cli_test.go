//go:build linux

package driver_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/detgen/detgen/driver"
	"gopkg.in/yaml.v3"
)

// BenchmarkCLI runs the detgen binary on the rules of BenchmarkBuild, each
// command in a process of its own, and reports its seconds (the fastest of
// three runs: this machine's speed drifts) and peak resident memory (MB,
// of a fourth run), and the start-up time (--version). Cold is
// without a cache (DETGEN_CACHE=off): build, validate, list, lock and
// docs, and build of twice the rules (build-cold-2x: memory must not grow
// with the rules); cached is from the cache a build made: build unchanged
// and with one spec edited, then validate, list, lock and docs. Baselines in the
// same run: write-files-s is Go merely creating files of the sizes a build
// writes, in the same directory tree, and yaml-decode-s yaml.v3 decoding
// every spec into a node tree on every core. The Makefile runs it on a RAM
// file system (TMPDIR=/dev/shm) when there is one: on a disk, creating the
// files alone can exceed the whole build's CPU time.
func BenchmarkCLI(b *testing.B) {
	n := benchRules()
	rules, double := copies(b, n), copies(b, 2*n)
	specs, err := driver.FindSpecs(rules)
	if err != nil {
		b.Fatal(err)
	}
	bin := filepath.Join(b.TempDir(), "detgen")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/detgen").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	work := b.TempDir()
	// run measures detgen args three times; before, when not nil, runs
	// before each. A cached command first runs once unmeasured, so that
	// every measured run finds the cache full.
	run := func(metric, cache string, before func(), args ...string) {
		b.Helper()
		best, peak := time.Duration(1<<62), 0.0
		// Three timed runs, then one whose memory is sampled (sampling
		// takes CPU from the two cores the command runs on).
		runs := 4
		if cache != "off" {
			runs++
		}
		for k := range runs {
			sample := k == runs-1
			if before != nil {
				before()
			}
			if cache == "off" && (args[0] == "build" || args[0] == "docs") {
				// Cold: the output directory is written anew too.
				os.RemoveAll(filepath.Join(work, args[len(args)-1]))
			}
			cmd := exec.Command(bin, append([]string{"--quiet"}, args...)...)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "DETGEN_CACHE="+cache)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = nil, &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			hwm := func() int { return 0 }
			if sample {
				hwm = watchPeakRSS(cmd.Process.Pid)
			}
			err := cmd.Wait()
			took, kb := time.Since(start), hwm()
			if err != nil {
				b.Fatalf("detgen %v: %v\n%s", args, err, stderr.Bytes())
			}
			switch {
			case cache != "off" && k == 0:
				// fills the cache
			case sample:
				peak = float64(kb) / 1024
			default:
				best = min(best, took)
			}
		}
		b.ReportMetric(best.Seconds(), metric+"-s")
		b.ReportMetric(peak, metric+"-MB")
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
		// Twice the rules: time about twice, memory the same.
		run("build-cold-2x", "off", nil, "build", "--rules", double, "--out", "dist")
		run("build-cold", "off", nil, "build", "--rules", rules, "--out", "dist")
		run("validate-cold", "off", nil, append([]string{"validate"}, specs...)...)
		run("list-cold", "off", nil, "list", "--rules", rules)
		run("lock-cold", "off", nil, "lock", "--rules", rules, "--lock", "rules.lock.json")
		run("docs-cold", "off", nil, "docs", "--rules", rules, "--out", "site")
		writeFilesBaseline(b, filepath.Join(work, "dist"), filepath.Join(work, "baseline"))
		yamlDecodeBaseline(b, specs)

		run("build-cached", "", nil, "build", "--rules", rules, "--out", "dist")
		src, err := os.ReadFile(specs[0])
		if err != nil {
			b.Fatal(err)
		}
		edits := 0
		edit := func() { // a new edit of one spec before each run
			edits++
			os.WriteFile(specs[0], fmt.Appendf(bytes.Clone(src), "# edit %d\n", edits), 0o644)
		}
		run("build-1-edited", "", edit, "build", "--rules", rules, "--out", "dist")
		os.WriteFile(specs[0], src, 0o644)
		run("validate-cached", "", nil, append([]string{"validate"}, specs...)...)
		run("list-cached", "", nil, "list", "--rules", rules)
		run("lock-cached", "", nil, "lock", "--rules", rules, "--lock", "rules.lock.json")
		run("docs-cached", "", nil, "docs", "--rules", rules, "--out", "site")
	}
}

// watchPeakRSS samples the high-water mark of the resident memory of
// process pid (VmHWM, KiB) until the returned function is called, which
// returns the last sample. The child's rusage cannot be used: a process
// started from this one (clone with the parent's memory, then exec) has
// its ru_maxrss raised to this test process's own peak.
func watchPeakRSS(pid int) func() int {
	var last atomic.Int64
	done := make(chan struct{})
	stopped := make(chan struct{})
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(stopped)
		for {
			if data, err := os.ReadFile(path); err == nil {
				for _, line := range strings.Split(string(data), "\n") {
					var kb int64
					if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
						last.Store(max(last.Load(), kb))
					}
				}
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() int {
		close(done)
		<-stopped
		return int(last.Load())
	}
}

// writeFilesBaseline reports the fastest of three runs of creating, under
// dir, a file of the size of each file of the build output out (the same
// directory tree): what writing a build's files costs on this file system
// without any of the work that makes them.
func writeFilesBaseline(b *testing.B, out, dir string) {
	b.Helper()
	type file struct {
		rel  string
		size int64
	}
	var files []file
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		files = append(files, file{rel, info.Size()})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	buf := bytes.Repeat([]byte("x"), 1<<20)
	best := time.Duration(1 << 62)
	for range 3 {
		os.RemoveAll(dir)
		start := time.Now()
		for _, f := range files {
			p := filepath.Join(dir, f.rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			data := buf
			for int64(len(data)) < f.size {
				data = append(data, buf...)
			}
			if err := os.WriteFile(p, data[:f.size], 0o644); err != nil {
				b.Fatal(err)
			}
		}
		best = min(best, time.Since(start))
	}
	os.RemoveAll(dir)
	b.ReportMetric(best.Seconds(), "write-files-s")
	b.ReportMetric(float64(len(files)), "files")
}

// yamlDecodeBaseline reports the fastest of three runs of yaml.v3 decoding
// every spec into a node tree, on every core (the files read first).
func yamlDecodeBaseline(b *testing.B, specs []string) {
	b.Helper()
	srcs := make([][]byte, len(specs))
	for i, p := range specs {
		var err error
		if srcs[i], err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	best := time.Duration(1 << 62)
	for range 3 {
		start := time.Now()
		driver.Parallel(len(srcs), func(i int) {
			var doc yaml.Node
			if err := yaml.Unmarshal(srcs[i], &doc); err != nil {
				b.Error(err)
			}
		})
		best = min(best, time.Since(start))
	}
	b.ReportMetric(best.Seconds(), "yaml-decode-s")
}
