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
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/detgen/detgen/backends/sigma"
	"github.com/detgen/detgen/ir"
)

// benchBytes is the size of the generated audit log: DETGEN_BENCH_MB
// megabytes, 1024 (1 GiB) by default.
func benchBytes() int64 {
	if mb, err := strconv.Atoi(os.Getenv("DETGEN_BENCH_MB")); err == nil && mb > 0 {
		return int64(mb) << 20
	}
	return 1 << 30
}

// cronJobRuleID is the shipped T1053.007 rule, the one the generated
// positives trigger (rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml).
const cronJobRuleID = "14c5ecd1-d826-4822-9987-96a68c25fef2"

// A benchmark log per traffic mix, generated once per run.
type benchLogFile struct {
	once sync.Once
	path string
	hits int
}

var (
	benchDir  string
	benchLogs = map[string]*benchLogFile{"reads": {}, "writes30": {}}
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
// and one suspicious CronJob creation per thousand lines. The writes30 mix
// adds a tenth of Job status updates by the controller manager with their
// whole body (RequestResponse): in the CronJob rule's scope, so never
// skipped by the pre-filter, and excluded only by their identity.
func writeAuditLog(b *testing.B, dir, mix string, size int64) (string, int) {
	positive, err := os.ReadFile("../rules/kubernetes/testdata/t1053.007/reverse-shell-cronjob.json")
	if err != nil {
		b.Fatal(err)
	}
	var pos bytes.Buffer
	json.Compact(&pos, positive)
	path := filepath.Join(dir, "audit-"+mix+".jsonl")
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
		case mix == "writes30" && n%10 == 2:
			name := fmt.Sprintf("backup-%d-%05x", n%31, n)
			line = fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":%q,"stage":"ResponseComplete","requestURI":"/apis/batch/v1/namespaces/ops/jobs/%s/status","verb":"update","user":{"username":"system:kube-controller-manager","groups":["system:authenticated"]},"sourceIPs":["10.0.0.2"],"userAgent":"kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3968350/system:serviceaccount:kube-system:job-controller","objectRef":{"resource":"jobs","namespace":"ops","name":%q,"apiGroup":"batch","apiVersion":"v1","subresource":"status"},"responseStatus":{"metadata":{},"code":200},"requestObject":{"kind":"Job","apiVersion":"batch/v1","metadata":{"name":%q,"namespace":"ops","labels":{"batch.kubernetes.io/controller-uid":%q,"job-name":%q}},"spec":{"parallelism":1,"completions":1,"backoffLimit":6,"template":{"spec":{"containers":[{"name":"backup","image":"registry.example.com/ops/backup:4.2.0","command":["/usr/local/bin/backup","--target","s3://backups/ops","--compress"],"resources":{"limits":{"cpu":"1","memory":"512Mi"}}}],"restartPolicy":"OnFailure","serviceAccountName":"backup"}}},"status":{"conditions":[{"type":"Complete","status":"True","lastProbeTime":%q,"lastTransitionTime":%q}],"startTime":%q,"completionTime":%q,"succeeded":1,"ready":0}},"requestReceivedTimestamp":%q,"stageTimestamp":%q,"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:kube-controller-manager\""}}`,
				id, name, name, name, id, name, ts, ts, ts, ts, ts, ts)
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

func benchLog(b *testing.B, mix string) (string, int, int64) {
	lf := benchLogs[mix]
	lf.once.Do(func() {
		if benchDir == "" {
			dir, err := os.MkdirTemp("", "detgen-bench-")
			if err != nil {
				b.Fatal(err)
			}
			benchDir = dir
		}
		lf.path, lf.hits = writeAuditLog(b, benchDir, mix, benchBytes())
	})
	st, err := os.Stat(lf.path)
	if err != nil {
		b.Fatal(err)
	}
	return lf.path, lf.hits, st.Size()
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

// decodeParallel decodes every line with encoding/json on every core, in
// batches as Scan reads them: the baseline for a scan that uses them all.
func decodeParallel(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	work := make(chan *batch, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for bt := range work {
				start := 0
				for _, end := range bt.ends {
					var m map[string]any
					if err := json.Unmarshal(bt.text[start:end], &m); err != nil {
						panic(err)
					}
					start = end
				}
			}
		}()
	}
	br := bufio.NewReaderSize(f, 1<<20)
	for {
		bt := &batch{}
		err := bt.fill(br)
		work <- bt
		if err != nil {
			break
		}
	}
	close(work)
	wg.Wait()
}

// BenchmarkThroughput measures, per traffic mix, over the same generated
// log and in the same run, detgen scan with every shipped rule and three
// baselines: decoding every line with encoding/json (in one goroutine, and
// on every core as scan runs), and decoding every line then evaluating the
// CronJob rule's generated Sigma with sigma-go.
// It reports each throughput in MB/s and scan's speed-up over the
// encoding/json baseline. Mixes: reads (mostly get/list/watch, 20%
// writes) and writes30 (30% writes, a third of them Job updates in the
// CronJob rule's scope with whole bodies, which no pre-filter can skip).
//
//	DETGEN_BENCH_MB=1024 go test ./scan -run '^$' -bench Throughput -benchtime 1x
func BenchmarkThroughput(b *testing.B) {
	for _, mix := range []string{"reads", "writes30"} {
		b.Run("mix="+mix, func(b *testing.B) { benchThroughput(b, mix) })
	}
}

func benchThroughput(b *testing.B, mix string) {
	path, wantHits, size := benchLog(b, mix)
	rules := shippedRules(b)
	s, err := New(rules)
	if err != nil {
		b.Fatal(err)
	}
	var cronJob *ir.Rule
	for _, r := range rules {
		if r.ID == cronJobRuleID {
			cronJob = r
		}
	}
	if cronJob == nil {
		b.Fatalf("rule %s is not shipped", cronJobRuleID)
	}
	sigmaRule, err := sigma.Generate(cronJob)
	if err != nil {
		b.Fatal(err)
	}
	// sigma-go has no cased modifier: the baseline matches those values
	// case-insensitively (Sigma's default), which the generated positives
	// and negatives do not tell apart.
	parsed, err := sigmago.ParseRule(bytes.ReplaceAll(sigmaRule, []byte("|cased"), nil))
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := sigma.EventConfig(cronJob.Logsource)
	if err != nil {
		b.Fatal(err)
	}
	sev := evaluator.ForRule(parsed, evaluator.WithConfig(cfg))

	mbps := func(d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }
	var tScan, tJSON, tJSONPar, tSigma time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		f, _ := os.Open(path)
		hits := 0
		_, err := s.Scan(bufio.NewReaderSize(f, 1<<20), func(h Hit) {
			if h.RuleID == cronJobRuleID {
				hits++
			}
		}, func(int, error) {}, nil)
		f.Close()
		if err != nil || hits != wantHits {
			b.Fatalf("scan: %d CronJob hits, want %d (%v)", hits, wantHits, err)
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
		decodeParallel(b, path)
		tJSONPar += time.Since(start)

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
		if sigmaHits != wantHits {
			b.Fatalf("sigma-go: %d hits, want %d", sigmaHits, wantHits)
		}
	}
	b.StopTimer()
	n := time.Duration(b.N)
	b.ReportMetric(mbps(tScan/n), "scan-MB/s")
	b.ReportMetric(mbps(tJSON/n), "json-decode-MB/s")
	b.ReportMetric(mbps(tJSONPar/n), "json-decode-allcores-MB/s")
	b.ReportMetric(mbps(tSigma/n), "sigma-go-MB/s")
	b.ReportMetric(float64(tJSON)/float64(tScan), "scan-speedup-vs-json")
	b.ReportMetric(float64(tJSONPar)/float64(tScan), "scan-speedup-vs-json-allcores")
	b.ReportMetric(float64(size)/1e6, "log-MB")
}
