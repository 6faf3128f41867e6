package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// auditLog is two compact copies of a shipped test event that fires.
func auditLog(t *testing.T) []byte {
	t.Helper()
	event, err := os.ReadFile("../../rules/kubernetes/testdata/t1053.007/reverse-shell-cronjob.json")
	if err != nil {
		t.Fatal(err)
	}
	var line bytes.Buffer
	if err := json.Compact(&line, event); err != nil {
		t.Fatal(err)
	}
	line.WriteByte('\n')
	return bytes.Repeat(line.Bytes(), 2)
}

func gz(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// A gzip file and standard input give the same hits as the plain file.
func TestScanReadsGzipAndStdin(t *testing.T) {
	dir := t.TempDir()
	plain, packed := filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "audit.jsonl.gz")
	os.WriteFile(plain, auditLog(t), 0o644)
	os.WriteFile(packed, gz(t, auditLog(t)), 0o644)
	code, want, stderr := detgen(t, "scan", "--rules", "../../rules", plain)
	if code != 0 || want == "" {
		t.Fatalf("plain: exit %d, no hits\n%s", code, stderr)
	}
	code, got, stderr := detgen(t, "scan", "--rules", "../../rules", packed)
	if code != 0 || got != want {
		t.Errorf("gzip: exit %d, stdout differs from the plain file's:\n%s\n%s", code, got, stderr)
	}
	for _, in := range [][]byte{auditLog(t), gz(t, auditLog(t))} {
		code, got, stderr = detgenIn(t, bytes.NewReader(in), "scan", "--rules", "../../rules", "-")
		if code != 0 || got != want {
			t.Errorf("stdin: exit %d, stdout differs from the plain file's:\n%s\n%s", code, got, stderr)
		}
	}
}

// Input in which no line is a record of the rules' log sources fails,
// naming the file and the log sources.
func TestScanFailsWhenNothingIsARecord(t *testing.T) {
	dir := t.TempDir()
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i*7 + 3)
	}
	files := map[string][]byte{
		"junk.bin":        junk,
		"empty.jsonl.gz":  gz(t, nil),
		"empty.jsonl":     nil,
		"other.jsonl":     []byte(`{"hello":"world"}` + "\n"),
		"truncated.gz":    gz(t, auditLog(t))[:40],
		"not-gzip.log.gz": []byte("plain text\n"),
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		os.WriteFile(path, data, 0o644)
		code, stdout, stderr := detgen(t, "scan", "--rules", "../../rules", path)
		if code != 1 || stdout != "" || !strings.Contains(stderr, "detgen: "+path+": ") {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", name, code, stdout, stderr)
		}
	}
	code, _, stderr := detgenIn(t, bytes.NewReader(junk), "scan", "--rules", "../../rules", "-")
	if code != 1 || !strings.Contains(stderr, "detgen: standard input: no line is a record of the rules' log sources, aws_cloudtrail, ") {
		t.Errorf("stdin: exit %d, stderr:\n%s", code, stderr)
	}
}

// TestScanTargetRefusal: a rule the chosen target cannot run is reported
// as convert reports a refusal, at the Sigma key, once.
func TestScanTargetRefusal(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "rule.yml")
	os.WriteFile(rule, []byte(strings.Replace(sigmaCertutil, "Image|endswith: '\\certutil.exe'", "OriginalFileName: 'CertUtil.exe'", 1)), 0o644)
	log := filepath.Join(dir, "events.json")
	os.WriteFile(log, []byte(`{"Event":{"System":{"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational"},"EventData":{"OriginalFileName":"CertUtil.exe"}}}`+"\n"), 0o644)
	code, _, stderr := detgen(t, "scan", "--rules", rule, "--target", "qradar", log)
	want := rule + ":15:9: qradar cannot run this rule: field OriginalFileName cannot be used on QRadar"
	if code != 1 || !strings.Contains(stderr, want) || strings.Count(stderr, "cannot run this rule") != 1 {
		t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}
