package scan

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

func TestDecompress(t *testing.T) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write([]byte("a\n"))
	w.Close()
	w = gzip.NewWriter(&z) // a second member, as cat a.gz b.gz makes
	w.Write([]byte("b\n"))
	w.Close()
	for in, want := range map[string]string{z.String(): "a\nb\n", "plain\n": "plain\n", "": "", "\x1f": "\x1f"} {
		r, err := Decompress(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || string(got) != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
	r, _ := Decompress(bytes.NewReader(z.Bytes()[:z.Len()-30]))
	if _, err := io.ReadAll(r); err == nil || !strings.HasPrefix(err.Error(), "gzip: ") {
		t.Errorf("truncated gzip: err = %v", err)
	}
}

// Records counts audit records, including one the pre-filter skips, and
// not other JSON.
func TestRecordsCounted(t *testing.T) {
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	get := `{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"get","user":{"username":"u"},"objectRef":{"resource":"pods"}}`
	for in, want := range map[string]int{
		`{"hello":"world"}` + "\n" + `{"a":1}`: 0,
		"junk\n\n":                             0,
		`{"hello":"world"}` + "\n" + get:       1,
	} {
		st, err := s.Scan(strings.NewReader(in), func(Hit) {}, func(int, error) {}, nil)
		if err != nil || st.Records != want {
			t.Errorf("%q: Records = %d, %v; want %d", in, st.Records, err, want)
		}
	}
}
