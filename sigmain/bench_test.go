package sigmain

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/corpora"
	"gopkg.in/yaml.v3"
)

// BenchmarkConvertSigmaHQ converts every rule of SigmaHQ's rule folders
// to QRadar and Chronicle, each artifact checked by the in-tree AQL and
// YARA-L checks (sigmain.ConvertFiles, what detgen convert runs, without
// writing the files), and in the same run decodes the same files with
// gopkg.in/yaml.v3 alone (every document into a yaml.Node): the floor
// any Go converter reading YAML has. It reports documents per second for
// both, and the peak resident memory of each phase (VmHWM, reset before
// each through /proc/self/clear_refs; the test binary's own footprint
// included).
//
//	go test ./sigmain -run '^$' -bench ConvertSigmaHQ -benchtime 5x
func BenchmarkConvertSigmaHQ(b *testing.B) {
	root := corpora.Dir(b, "sigmahq")
	dirs, _ := filepath.Glob(filepath.Join(root, "rules*"))
	sort.Strings(dirs)
	files, err := FindFiles(dirs)
	if err != nil {
		b.Fatal(err)
	}
	var targets []driver.Target
	for _, name := range []string{"qradar", "chronicle"} {
		tg, _ := driver.LookupTarget(name)
		targets = append(targets, tg)
	}
	docs := 0
	decode := func() {
		docs = 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			dec := yaml.NewDecoder(bytes.NewReader(src))
			for {
				var n yaml.Node
				if err := dec.Decode(&n); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					b.Fatal(err)
				}
				docs++
			}
		}
	}
	rules, converted := 0, 0
	convert := func() {
		_, outs, errs, err := ConvertFiles(dirs, targets, nil)
		if len(errs) > 0 || err != nil {
			b.Fatal(errs, err)
		}
		rules, converted = len(outs)/len(targets), 0
		for _, o := range outs {
			if o.Converted() {
				converted++
			}
		}
	}
	var tYAML, tConv, cYAML, cConv time.Duration
	var hwmYAML, hwmConv int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, cpu, hwm := phase(decode)
		tYAML, cYAML, hwmYAML = tYAML+d, cYAML+cpu, max(hwmYAML, hwm)
		d, cpu, hwm = phase(convert)
		tConv, cConv, hwmConv = tConv+d, cConv+cpu, max(hwmConv, hwm)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(rules)*n/tConv.Seconds(), "rules/s")
	b.ReportMetric(float64(docs)*n/tYAML.Seconds(), "yaml-docs/s")
	b.ReportMetric(tConv.Seconds()/tYAML.Seconds(), "x-yaml-time")
	// CPU time (user and system) is what a busy machine does not distort:
	// rules per CPU-second, for conversion and for decoding alone.
	b.ReportMetric(float64(rules)*n/cConv.Seconds(), "rules/cpu-s")
	b.ReportMetric(float64(docs)*n/cYAML.Seconds(), "yaml-docs/cpu-s")
	b.ReportMetric(float64(hwmConv)/(1<<20), "peak-MB")
	b.ReportMetric(float64(hwmYAML)/(1<<20), "yaml-peak-MB")
	b.ReportMetric(float64(rules), "rules")
	b.ReportMetric(float64(converted), "artifacts")
}

// phase runs f after returning freed memory to the OS and resetting the
// peak RSS, and returns its wall time, the CPU time the process spent, and
// the peak RSS it reached (0 where /proc is not there).
func phase(f func()) (wall, cpu time.Duration, hwm int64) {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	c0 := cpuTime()
	start := time.Now()
	f()
	return time.Since(start), cpuTime() - c0, vmHWM()
}

// cpuTime is the user and system time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the process's peak resident set size in bytes.
func vmHWM() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
