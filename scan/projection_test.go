package scan

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// scanAll scans log with s (serially with serial) and returns every hit
// and complaint, as text, in order, and the counts.
func scanAll(t *testing.T, s *Scanner, log []byte, serial bool) ([]string, Stats) {
	t.Helper()
	var out []string
	hit := func(h Hit) {
		out = append(out, fmt.Sprintf("%d %s %d %v %v", h.Line, h.Rule, h.Score, h.Signals, h.Summary))
	}
	bad := func(line int, err error) { out = append(out, fmt.Sprintf("%d malformed: %v", line, err)) }
	scan := s.Scan
	if serial {
		scan = s.scanSerial
	}
	st, err := scan(bytes.NewReader(log), hit, bad, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out, st
}

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
		return scanAll(t, s, log.Bytes(), false)
	}
	whole, wst := run(true)
	pruned, pst := run(false)
	// The two decoders word a malformed line differently; the line is
	// what must agree.
	for _, out := range [][]string{whole, pruned} {
		for i, o := range out {
			if j := strings.Index(o, " malformed: "); j >= 0 {
				out[i] = o[:j] + " malformed"
			}
		}
	}
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

// TestParallelScanAgreesWithSerial: judging lines in parallel batches and
// applying them in order gives the serial scan's hits, complaints and
// counts, in the same order: over the corpora, with lines that are no
// records for longer than a batch at the start (Stats.Records is asked
// per line until the first record), blank, overlong and broken lines.
func TestParallelScanAgreesWithSerial(t *testing.T) {
	var log bytes.Buffer
	for log.Len() < 3*batchBytes {
		log.WriteString(`{"hello":"world","n":1}` + "\n")
	}
	log.WriteString("\n   \nnot json\n{\"a\":}\n")
	log.WriteString("{" + strings.Repeat("x", MaxLine+1) + "}\n")
	for _, rec := range prefilterRecords(t) {
		for _, v := range variants(rec) {
			log.Write(v)
			log.WriteByte('\n')
		}
	}
	log.WriteString(`{"kind":"Event","verb":"create","objectRef":{"resource":"cronjobs"}`) // no final newline
	run := func(serial bool) ([]string, Stats) {
		s, err := New(shippedRules(t))
		if err != nil {
			t.Fatal(err)
		}
		return scanAll(t, s, log.Bytes(), serial)
	}
	serial, sst := run(true)
	parallel, pst := run(false)
	if diff := cmp.Diff(serial, parallel); diff != "" {
		t.Errorf("hits and complaints differ (-serial +parallel):\n%s", diff)
	}
	if sst != pst {
		t.Errorf("stats differ: serial %+v, parallel %+v", sst, pst)
	}
	if sst.Records == 0 || sst.Hits < 100 || sst.Malformed < 3 {
		t.Errorf("the log exercises too little: %+v", sst)
	}
}

// TestRecordsCountedWhenOnlyPrefiltered: a log whose records no rule can
// select still counts them (Records > 0), so a log of other JSON is told
// apart; found in any batch, not only the first.
func TestRecordsCountedWhenOnlyPrefiltered(t *testing.T) {
	var log bytes.Buffer
	for log.Len() < 2*batchBytes {
		log.WriteString(`{"hello":"world"}` + "\n")
	}
	log.WriteString(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"watch","objectRef":{"resource":"configmaps"}}` + "\n")
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Scan(bytes.NewReader(log.Bytes()), func(Hit) {}, func(int, error) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != 1 || st.Decoded != 0 {
		t.Errorf("stats %+v, want one record, none decoded", st)
	}
}

// TestPrefilteredScanAgreesWithUnfiltered: skipping lines, and rules, by
// their prefilters changes no hit, complaint or count but those of the
// lines skipped: over the corpora in every spelling, aggregation and sequence
// rules included, with records out of time order.
func TestPrefilteredScanAgreesWithUnfiltered(t *testing.T) {
	var log bytes.Buffer
	for _, rec := range prefilterRecords(t) {
		for _, v := range variants(rec) {
			log.Write(v)
			log.WriteByte('\n')
		}
	}
	run := func(filtered bool) ([]string, Stats) {
		s, err := New(shippedRules(t))
		if err != nil {
			t.Fatal(err)
		}
		if !filtered {
			for i := range s.filters {
				s.filters[i] = nil
			}
			s.index = newNeedleIndex(s.filters)
		}
		out, st := scanAll(t, s, log.Bytes(), false)
		// Lines skipped unread are not known to be records or not.
		st.Prefiltered, st.Decoded, st.Records, st.NotAudit = 0, 0, 0, 0
		return out, st
	}
	all, ast := run(false)
	some, sst := run(true)
	if diff := cmp.Diff(all, some); diff != "" {
		t.Errorf("hits differ (-unfiltered +filtered):\n%s", diff)
	}
	if ast != sst {
		t.Errorf("stats differ: unfiltered %+v, filtered %+v", ast, sst)
	}
	if ast.Late == 0 || ast.Hits < 100 {
		t.Errorf("the log exercises too little: %+v", ast)
	}
}
