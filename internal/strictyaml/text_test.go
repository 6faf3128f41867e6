package strictyaml

import (
	"strings"
	"testing"
)

// An empty file and one that is not UTF-8 are reported at a position, as
// every other problem is.
func TestEmptyAndNonUTF8(t *testing.T) {
	tests := []struct{ src, want string }{
		{"", "f.yaml:1:1: the file is empty (it must hold one YAML mapping)"},
		{"\n  \n# only a comment\n", "f.yaml:1:1: the file is empty (it must hold one YAML mapping)"},
		{"\xff\xfet\x00i\x00", "f.yaml:1:1: the file is not UTF-8 text (byte 0xff)"},
		{"title: t\nitems:\n  - name: caf\xe9\n", "f.yaml:3:14: the file is not UTF-8 text (byte 0xe9)"},
		{"title: ü\xc3\n", "f.yaml:1:9: the file is not UTF-8 text (byte 0xc3)"},
		{"title: t\n\titems: \x00\n", "f.yaml:2:9: the file holds the control character U+0000"},
	}
	for _, tc := range tests {
		var d doc
		errs := Decode("f.yaml", []byte(tc.src), &d)
		if len(errs) != 1 || !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%q:\ngot  %v\nwant %s", tc.src, errs, tc.want)
		}
	}
}
