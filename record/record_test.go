package record

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestHasAgreesWithValues: Has is true exactly when Values returns some
// value, for paths through maps, lists, nulls and scalars.
func TestHasAgreesWithValues(t *testing.T) {
	var ev map[string]any
	json.Unmarshal([]byte(`{"a":{"b":[{"c":"x"},{"c":null},{"d":1}],"n":null,"s":"t","l":[null,"v"],"e":[],"m":{"k":true}},"z":[1,2]}`), &ev)
	paths := []string{"a", "a.b", "a.b[].c", "a.b[].d", "a.b[].e", "a.b.c", "a.n", "a.s", "a.s.x", "a.l", "a.l[]", "a.e", "a.e[]", "a.m", "a.m.k", "z", "z[]", "q", "a.b[].c[]"}
	for _, p := range paths {
		vs := Values(ev, p)
		if has := Compile(p).Has(ev); has != (len(vs) > 0) {
			t.Errorf("%s: Has %v, Values %q", p, has, vs)
		}
	}
	if got := Values(ev, "a.b[].c"); !slices.Equal(got, []string{"x"}) {
		t.Errorf("a.b[].c = %q", got)
	}
	if got := Values(ev, "a.l"); !slices.Equal(got, []string{"v"}) {
		t.Errorf("a.l = %q", got)
	}
}
