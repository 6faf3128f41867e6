package scan

import (
	"bufio"
	"strings"
	"testing"
)

// A pretty-printed stream and an array are read record by record; JSONL
// is not taken for a stream.
func TestStreamForms(t *testing.T) {
	pretty := "{\n  \"kind\": \"Event\",\n  \"verb\": \"get\"\n}\n{\n  \"kind\": \"Event\"\n}\n"
	for _, tc := range []struct {
		in     string
		stream bool
	}{
		{pretty, true},
		{`[{"a":1},{"b":2}]`, true},
		{"{\"a\":1}\n{\"b\":2}\n", false},
		{"", false},
	} {
		if got := IsStream(bufio.NewReader(strings.NewReader(tc.in))); got != tc.stream {
			t.Errorf("IsStream(%q) = %v", tc.in, got)
		}
	}
	s, err := New(shippedRules(t))
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.ScanStream(strings.NewReader(pretty+`[{"x":1},{"y":2}]`), func(Hit) {}, func(int, error) {})
	if err != nil || st.Lines != 4 {
		t.Errorf("records %d, err %v; want 4", st.Lines, err)
	}
	var bad []int
	st, _ = s.ScanStream(strings.NewReader(pretty+"{broken"), func(Hit) {}, func(n int, err error) { bad = append(bad, n) })
	if st.Malformed != 1 || len(bad) != 1 || bad[0] != 3 {
		t.Errorf("broken tail: stats %+v bad %v", st, bad)
	}
}
