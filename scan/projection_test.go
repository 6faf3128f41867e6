package scan

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestProjectedScanAgrees: decoding only the paths the rules, catalogs and
// readers read (record/prune) gives the same hits, malformed lines and
// counts as decoding whole lines, over the Kubernetes corpus (Event, GKE,
// AKS), the SigmaHQ Windows events and every shipped rule's test events,
// each in several spellings. A reader that reads a key reader.Keeps does
// not list fails here.
func TestProjectedScanAgrees(t *testing.T) {
	var log bytes.Buffer
	for _, rec := range prefilterRecords(t) {
		for _, v := range variants(rec) {
			log.Write(v)
			log.WriteByte('\n')
		}
	}
	log.WriteString(`{"kind":"Event","verb":"create","objectRef":{"resource":"cronjobs"},"x":1e999}` + "\n")
	log.WriteString(`{"kind":"Event","verb":"create","objectRef":{"resource":"cronjobs"},"x":"\q"}` + "\n")
	run := func(whole bool) ([]string, Stats) {
		s, err := New(shippedRules(t))
		if err != nil {
			t.Fatal(err)
		}
		if whole {
			s.tree = nil
		} else if s.tree == nil {
			t.Fatal("the shipped rules should not need whole records")
		}
		var out []string
		st, err := s.Scan(bytes.NewReader(log.Bytes()), func(h Hit) {
			out = append(out, fmt.Sprintf("%d %s %d %v %v", h.Line, h.Rule, h.Score, h.Signals, h.Summary))
		}, func(line int, err error) {
			out = append(out, fmt.Sprintf("%d malformed", line))
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out, st
	}
	whole, wst := run(true)
	pruned, pst := run(false)
	if diff := cmp.Diff(whole, pruned); diff != "" {
		t.Errorf("hits differ (-whole +pruned):\n%s", diff)
	}
	if wst != pst {
		t.Errorf("stats differ: whole %+v, pruned %+v", wst, pst)
	}
	if wst.Hits < 100 {
		t.Errorf("only %d hits: the comparison proves little", wst.Hits)
	}
	t.Logf("%d lines, %d hits, %d decoded", wst.Lines, wst.Hits, wst.Decoded)
}
