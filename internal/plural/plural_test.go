package plural

import "testing"

func TestN(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{N(0, "rule"), "0 rules"},
		{N(1, "rule"), "1 rule"},
		{N(2, "rule"), "2 rules"},
		{N(1, "match", "matches"), "1 match"},
		{N(3, "match", "matches"), "3 matches"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
