package scan

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// enumerationRuleID is the shipped secret-enumeration aggregation
// (rules/kubernetes/t1552.007-secret-enumeration.yaml): more than 20
// distinct Secrets read by one identity within 10 minutes.
const enumerationRuleID = "7d4c2a1e-9b3f-4e6a-8c5d-2f1e0a9b8c7d"

var (
	aggBenchOnce   sync.Once
	aggBenchPath   string
	aggBenchBursts int
)

// writeSecretsLog generates an audit log in which aggregation state is
// the load: 200 records a second, a third of them Secret reads spread over
// 50,000 identities (a 10-minute window holds some 40,000 selected events
// in some 30,000 open groups, filled within the first 120,000 records),
// the rest ordinary reads; every 100,000 records one identity reads 25
// different Secrets within 25 seconds, which must alert once.
func writeSecretsLog(b *testing.B, dir string, size int64) (string, int) {
	path := filepath.Join(dir, "secrets.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewSource(2))
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	const line = `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"%08x-0000-4000-8000-%012x","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/%s/%s/%s","verb":"get","user":{"username":%q,"groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.0.%d.%d"],"userAgent":"app/1.4 (linux/amd64)","objectRef":{"resource":%q,"apiVersion":"v1","namespace":%q,"name":%q},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":%q,"stageTimestamp":%q,"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed"}}`
	var written int64
	bursts, burst := 0, -1
	for n := 0; written < size; n++ {
		ts := start.Add(time.Duration(n) * 5 * time.Millisecond).Format(time.RFC3339Nano)
		ns := fmt.Sprintf("team-%d", n%40)
		user := fmt.Sprintf("system:serviceaccount:%s:app-%d", ns, rng.Intn(50000))
		resource, name := "configmaps", fmt.Sprintf("cm-%d", rng.Intn(200))
		switch {
		case n%100000 == 50000:
			burst = 0
		case burst >= 0 && n%200 == 0:
			// One of the burst's 25 reads, one a second; a burst the end
			// of the log cuts short (under 21 reads) does not count.
			user = fmt.Sprintf("mallory-%d@example.com", n/100000)
			resource, name = "secrets", fmt.Sprintf("harvested-%d", burst)
			if burst++; burst == 21 {
				bursts++
			}
			if burst == 25 {
				burst = -1
			}
		case n%3 == 0:
			resource, name = "secrets", fmt.Sprintf("app-secret-%d", rng.Intn(200))
		}
		s := fmt.Sprintf(line, rng.Uint32(), n, ns, resource, name, user, n%250, n%200, resource, ns, name, ts, ts)
		w.WriteString(s)
		w.WriteByte('\n')
		written += int64(len(s)) + 1
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path, bursts
}

// countReader counts the bytes read, for the memory sampler.
type countReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// BenchmarkAggregateScan streams a log through every shipped rule,
// aggregations and sequences included, and reports throughput beside
// encoding/json decoding of the same log in the same run, the peak live
// heap (after each GC) over the first and the second half of the log (flat memory: the
// second is no larger than the first by more than noise, however long the
// log) and the process's peak RSS.
//
//	DETGEN_BENCH_MB=1024 go test ./scan -run '^$' -bench AggregateScan -benchtime 1x
func BenchmarkAggregateScan(b *testing.B) {
	aggBenchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "detgen-aggbench-")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
		aggBenchPath, aggBenchBursts = writeSecretsLog(b, dir, benchBytes())
	})
	st, err := os.Stat(aggBenchPath)
	if err != nil {
		b.Fatal(err)
	}
	size := st.Size()
	s, err := New(shippedRules(b))
	if err != nil {
		b.Fatal(err)
	}
	// The live heap as of the last GC: what the scan holds, without the
	// garbage a sample of all heap objects would count.
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	heap := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	mbps := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	var tScan, tJSON time.Duration
	var peak [2]uint64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(aggBenchPath)
		if err != nil {
			b.Fatal(err)
		}
		cr := &countReader{r: f}
		done := make(chan struct{})
		var sampled sync.WaitGroup
		sampled.Add(1)
		go func() {
			defer sampled.Done()
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				half := 0
				if cr.n.Load() > size/2 {
					half = 1
				}
				peak[half] = max(peak[half], heap())
				select {
				case <-done:
					return
				case <-t.C:
				}
			}
		}()
		start := time.Now()
		alerts := 0
		_, err = s.Scan(bufio.NewReaderSize(cr, 1<<20), func(h Hit) {
			if h.RuleID == enumerationRuleID {
				alerts++
			}
		}, func(int, error) {}, nil)
		tScan += time.Since(start)
		close(done)
		sampled.Wait()
		f.Close()
		if err != nil || alerts != aggBenchBursts {
			b.Fatalf("scan: %d enumeration alerts, want %d (%v)", alerts, aggBenchBursts, err)
		}

		start = time.Now()
		eachLine(b, aggBenchPath, func(line []byte) {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				b.Fatal(err)
			}
		})
		tJSON += time.Since(start)
	}
	b.StopTimer()
	n := time.Duration(b.N)
	b.ReportMetric(mbps(tScan/n), "scan-MB/s")
	b.ReportMetric(mbps(tJSON/n), "json-decode-MB/s")
	b.ReportMetric(float64(peak[0])/(1<<20), "peak-live-heap-1st-half-MiB")
	b.ReportMetric(float64(peak[1])/(1<<20), "peak-live-heap-2nd-half-MiB")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB") // Linux: KiB
	}
	b.ReportMetric(float64(size)/1e6, "log-MB")
	b.ReportMetric(float64(aggBenchBursts), "alerts")
}
