package scan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/detgen/detgen/backends/sigma"
)

// benchBytes is the size of the generated audit log: DETGEN_BENCH_MB
// megabytes, 1024 (1 GiB) by default.
func benchBytes() int64 {
	if mb, err := strconv.Atoi(os.Getenv("DETGEN_BENCH_MB")); err == nil && mb > 0 {
		return int64(mb) << 20
	}
	return 1 << 30
}

var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
	benchHits int
)

// TestMain removes the generated benchmark log (up to a GiB) at exit.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// writeAuditLog generates a realistic audit log: mostly get/list/watch at
// Metadata level, pod creations and lease updates at RequestResponse level,
// and one suspicious CronJob creation per thousand lines.
func writeAuditLog(b *testing.B, dir string, size int64) (string, int) {
	positive, err := os.ReadFile("../rules/kubernetes/testdata/t1053.007/reverse-shell-cronjob.json")
	if err != nil {
		b.Fatal(err)
	}
	var pos bytes.Buffer
	json.Compact(&pos, positive)
	path := filepath.Join(dir, "audit.jsonl")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewSource(1))
	resources := []string{"pods", "configmaps", "secrets", "services", "endpoints", "nodes", "deployments", "leases", "events", "namespaces"}
	users := []string{"system:serviceaccount:kube-system:replicaset-controller", "system:kube-scheduler", "system:node:worker-3", "alice@example.com", "system:serviceaccount:monitoring:prometheus"}
	verbs := []string{"get", "list", "watch", "get", "list", "watch", "get"}
	var written int64
	hits := 0
	for n := 0; written < size; n++ {
		var line string
		ts := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond).Format(time.RFC3339Nano)
		id := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), n&0xffff, n&0xfff, n&0xfff, n)
		switch {
		case n%1000 == 999:
			line = strings.Replace(pos.String(), `"3f1e2d4c-0001-4a1b-8c2d-000000000001"`, strconv.Quote(id), 1)
			hits++
		case n%10 == 0:
			name := fmt.Sprintf("web-%d-%05x", n%97, n)
			line = fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":%q,"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"create","user":{"username":"system:serviceaccount:kube-system:replicaset-controller","groups":["system:serviceaccounts","system:authenticated"]},"sourceIPs":["10.0.0.12"],"userAgent":"kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/system:serviceaccount:kube-system:replicaset-controller","objectRef":{"resource":"pods","namespace":"shop","name":%q,"apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":%q,"namespace":"shop","labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:2.14.1","ports":[{"containerPort":8080}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}}}],"serviceAccountName":"web"}},"responseObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":%q,"namespace":"shop","uid":%q,"resourceVersion":"%d"},"spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:2.14.1","imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log"}],"restartPolicy":"Always","dnsPolicy":"ClusterFirst"},"status":{"phase":"Pending","qosClass":"Burstable"}},"requestReceivedTimestamp":%q,"stageTimestamp":%q,"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller:replicaset-controller\""}}`,
				id, name, name, name, id, n, ts, ts)
		case n%10 == 1:
			line = fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":%q,"stage":"ResponseComplete","requestURI":"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-%d","verb":"update","user":{"username":"system:node:worker-%d","groups":["system:nodes","system:authenticated"]},"sourceIPs":["10.0.1.%d"],"userAgent":"kubelet/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{"resource":"leases","namespace":"kube-node-lease","name":"worker-%d","apiGroup":"coordination.k8s.io","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestObject":{"kind":"Lease","apiVersion":"coordination.k8s.io/v1","metadata":{"name":"worker-%d","namespace":"kube-node-lease"},"spec":{"holderIdentity":"worker-%d","leaseDurationSeconds":40,"renewTime":%q}},"requestReceivedTimestamp":%q,"stageTimestamp":%q,"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}`,
				id, n%50, n%50, n%250, n%50, n%50, n%50, ts, ts, ts)
		default:
			res := resources[rng.Intn(len(resources))]
			verb := verbs[rng.Intn(len(verbs))]
			line = fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":%q,"stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/%s?limit=500","verb":%q,"user":{"username":%q,"groups":["system:authenticated"]},"sourceIPs":["10.0.2.%d"],"userAgent":"kube-probe/1.30","objectRef":{"resource":%q,"namespace":"shop","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":%q,"stageTimestamp":%q,"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}`,
				id, res, verb, users[rng.Intn(len(users))], n%250, res, ts, ts)
		}
		w.WriteString(line)
		w.WriteByte('\n')
		written += int64(len(line)) + 1
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path, hits
}

func benchLog(b *testing.B) (string, int64) {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "detgen-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		benchPath, benchHits = writeAuditLog(b, dir, benchBytes())
	})
	st, err := os.Stat(benchPath)
	if err != nil {
		b.Fatal(err)
	}
	return benchPath, st.Size()
}

func eachLine(b *testing.B, path string, f func([]byte)) {
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 1<<20)
	for {
		line, _, _, err := readLine(br)
		if len(line) > 0 {
			f(line)
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkThroughput measures, over the same generated log and in the
// same run, detgen scan and two baselines: decoding every line with
// encoding/json, and decoding every line then evaluating the generated
// Sigma rule with sigma-go. It reports each throughput in MB/s and scan's
// speed-up over the encoding/json baseline (target: at least 3x).
//
//	DETGEN_BENCH_MB=1024 go test ./scan -run '^$' -bench Throughput -benchtime 1x
func BenchmarkThroughput(b *testing.B) {
	path, size := benchLog(b)
	rules := shippedRules(b)
	s, err := New(rules)
	if err != nil {
		b.Fatal(err)
	}
	sigmaRule, err := sigma.Generate(rules[0])
	if err != nil {
		b.Fatal(err)
	}
	parsed, err := sigmago.ParseRule(sigmaRule)
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := sigma.EventConfig(rules[0].Logsource)
	if err != nil {
		b.Fatal(err)
	}
	sev := evaluator.ForRule(parsed, evaluator.WithConfig(cfg))

	mbps := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	var tScan, tJSON, tSigma time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		f, _ := os.Open(path)
		st, err := s.Scan(bufio.NewReaderSize(f, 1<<20), func(Hit) {}, func(int, error) {}, nil)
		f.Close()
		if err != nil || st.Hits != benchHits {
			b.Fatalf("scan: %d hits, want %d (%v)", st.Hits, benchHits, err)
		}
		tScan += time.Since(start)

		start = time.Now()
		eachLine(b, path, func(line []byte) {
			var m map[string]any
			if err := json.Unmarshal(line, &m); err != nil {
				b.Fatal(err)
			}
		})
		tJSON += time.Since(start)

		start = time.Now()
		sigmaHits := 0
		eachLine(b, path, func(line []byte) {
			var m map[string]any
			json.Unmarshal(line, &m)
			if res, _ := sev.Matches(context.Background(), m); res.Match {
				sigmaHits++
			}
		})
		tSigma += time.Since(start)
		if sigmaHits != benchHits {
			b.Fatalf("sigma-go: %d hits, want %d", sigmaHits, benchHits)
		}
	}
	b.StopTimer()
	n := time.Duration(b.N)
	b.ReportMetric(mbps(tScan/n), "scan-MB/s")
	b.ReportMetric(mbps(tJSON/n), "json-decode-MB/s")
	b.ReportMetric(mbps(tSigma/n), "sigma-go-MB/s")
	b.ReportMetric(float64(tJSON)/float64(tScan), "scan-speedup-vs-json")
	b.ReportMetric(float64(size)/1e6, "log-MB")
}
