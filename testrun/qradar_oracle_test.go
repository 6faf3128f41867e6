package testrun

import (
	"encoding/json"
	"testing"
)

func TestJSONExpression(t *testing.T) {
	var doc any
	json.Unmarshal([]byte(`{"a":{"b/c":{"d.e":"x"},"n":5,"t":true,"q\"k":"y"}}`), &doc)
	for expr, want := range map[string]string{
		`/"a"/"b/c"/"d.e"`: "x",
		`/"a"/"n"`:         "5",
		`/"a"/"t"`:         "true",
		`/"a"/"q\"k"`:      "y",
		`/"a"/"missing"`:   "",
		`/"a"`:             "",
		`a`:                "",
	} {
		if got, _ := jsonExpression(doc, expr); got != want {
			t.Errorf("%s: %q, want %q", expr, got, want)
		}
	}
}
