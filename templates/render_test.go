package templates

import (
	"strings"
	"testing"
	"text/template"
)

// TestRenderOwnsItsOutput: the bytes Render returns are the output and
// stay so when the pooled buffer renders again.
func TestRenderOwnsItsOutput(t *testing.T) {
	tmpl := template.Must(template.New("t").Parse("{{.}}!"))
	first, err := Render(tmpl, "one")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := Render(tmpl, strings.Repeat("x", i*100)); err != nil {
			t.Fatal(err)
		}
	}
	if string(first) != "one!" {
		t.Fatalf("first render = %q , want \"one!\"", first)
	}
	if _, err := Render(template.Must(template.New("e").Option("missingkey=error").Parse("{{.x}}")), map[string]int{}); err == nil {
		t.Fatal("a failing template rendered")
	}
}
