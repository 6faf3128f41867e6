package jsonorder

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestReversed(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1,"b":{"c":"x<y","d":[1,{"e":true,"f":null}]},"g":12345678901234567890}`: `{"g":12345678901234567890,"b":{"d":[1,{"f":null,"e":true}],"c":"x<y"},"a":1}`,
		`{ "z" : "\u003c" , "y": 1.50 }`:                                               `{"y":1.50,"z":"<"}`,
		`[]`:                                                                           `[]`,
		`{}`:                                                                           `{}`,
		`"s"`:                                                                          `"s"`,
	} {
		got, err := Reversed([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("Reversed(%s) = %s, %v; want %s", in, got, err, want)
			continue
		}
		// The same document, order aside.
		var a, b any
		json.Unmarshal([]byte(in), &a)
		json.Unmarshal(got, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("Reversed(%s) changed the values: %s", in, got)
		}
	}
	if _, err := Reversed([]byte(`{"a":`)); err == nil {
		t.Error("a broken document gave no error")
	}
}
