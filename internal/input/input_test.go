package input

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

// readSoon is Read that fails the test instead of hanging.
func readSoon(t *testing.T, path string, limit int64) ([]byte, error) {
	t.Helper()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := Read(path, "a spec", limit)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-time.After(5 * time.Second):
		t.Fatalf("Read(%s) hangs", path)
		return nil, nil
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.yaml")
	os.WriteFile(ok, []byte("id: x\n"), 0o644)
	link := filepath.Join(dir, "link.yaml")
	os.Symlink("ok.yaml", link)
	for _, p := range []string{ok, link} {
		if data, err := readSoon(t, p, 100); err != nil || string(data) != "id: x\n" {
			t.Errorf("%s: %q, %v", p, data, err)
		}
	}
}

func TestReadRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.yaml")
	os.Symlink("/dev/zero", zero)
	big := filepath.Join(dir, "big.yaml")
	os.WriteFile(big, make([]byte, 5<<20), 0o644)
	tests := []struct {
		path  string
		limit int64
		want  string
	}{
		{fifo, MaxSpec, "is a named pipe (FIFO), not a regular file: a spec must be a regular file"},
		{zero, MaxSpec, "is a character device, not a regular file: a spec must be a regular file"},
		{dir, MaxSpec, "is a directory, not a regular file"},
		{big, MaxSpec, "is 5 MiB, over the 4 MiB limit for a spec"},
		{big, 1500, "is 5 MiB, over the 1.5 KiB limit for a spec"},
	}
	for _, tc := range tests {
		_, err := readSoon(t, tc.path, tc.limit)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.path, err, tc.want)
		}
	}
}

// readAll must give every byte whatever the size hint says (a file that
// grew or shrank after its stat) and stop one byte past the limit.
func TestReadAllAnySizeHint(t *testing.T) {
	data := strings.Repeat("0123456789", 1000)
	for _, hint := range []int64{0, 1, 100, int64(len(data)), int64(len(data)) + 50, 1 << 20} {
		got, err := readAll(iotest.OneByteReader(strings.NewReader(data)), hint, 1<<20)
		if err != nil || string(got) != data {
			t.Fatalf("hint %d: %d bytes, %v", hint, len(got), err)
		}
		got, err = readAll(strings.NewReader(data), hint, 5000)
		if err != nil || string(got) != data[:5000] {
			t.Fatalf("hint %d, max 5000: %d bytes, %v", hint, len(got), err)
		}
	}
	if _, err := readAll(iotest.ErrReader(io.ErrUnexpectedEOF), 10, 100); err != io.ErrUnexpectedEOF {
		t.Fatalf("error %v", err)
	}
}
