package prune

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// want is what Decode must return: encoding/json's decoding of the whole
// object, then every key off the tree's paths removed.
func want(data []byte, t *Tree) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if m == nil { // the JSON text null
		return nil, nil
	}
	return cut(m, t).(map[string]any), nil
}

func cut(v any, t *Tree) any {
	if t.whole {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if c := t.children[k]; c != nil {
				out[k] = cut(e, c)
			}
		}
		return out
	case []any:
		out := []any{}
		for _, e := range x {
			out = append(out, cut(e, t))
		}
		return out
	}
	return v
}

func trees() []*Tree {
	k8s := New()
	for _, p := range []string{"verb", "objectRef.resource", "objectRef.namespace", "user.username", "user.groups[]",
		"requestObject.spec.containers[].image", "requestObject.spec.containers[].command[]",
		"requestObject.metadata.annotations", "protoPayload", "a.b\\u0063", "é", "x.y.z"} {
		k8s.Add(p)
	}
	all := New()
	all.Add("a")
	all.Add("a.b") // under a whole value: no change
	return []*Tree{New(), k8s, all}
}

var seeds = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":{"b":[1,2,{"c":null}]}}`,
	`{"verb":"create","objectRef":{"resource":"jobs","name":"x"},"user":{"username":"u","groups":["a","b"]}}`,
	`{"verb":"get","verb":"list"}`,
	`{"objectRef":{"resource":"a"},"objectRef":{"name":"b"}}`,
	`{"requestObject":{"spec":{"containers":[{"image":"i","command":["nc","-e","/bin/sh"],"env":[{"name":"x"}]}]}}}`,
	`{"requestObject":{"spec":{"containers":{"image":"not a list"}}}}`,
	`{"requestObject":[[{"spec":1}],2,"s"]}`,
	`{"ver\u0062":"get","\u00e9":"accent","é":"raw","a":{"b\u0063":true}}`,
	`{"verb":"\u0062ash \"quoted\" \\ / \/ \b\f\n\r\t \ud83d\ude00 \ud800"}`,
	"{\"verb\":\"inv\xffalid\xc3\"}",
	`{"n":-0.5e+10,"m":1E2,"o":0,"p":-12.25,"q":123456789012345678901234567890}`,
	`{"x":{"y":{"z":1e999}}}`, `{"skipped":1e999}`, `{"skipped":-1e-999}`,
	`{"a":tru}`, `{"a":nul}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`,
	`{"a":"x` + "\x01" + `"}`, `{"skip":"x` + "\x1f" + `"}`, `{"skip":"\x"}`, `{"skip":"\u12g4"}`, `{"skip":"\u12"}`,
	`{"a":1,}`, `{"a":1 "b":2}`, `{"a" 1}`, `{a:1}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{"a":1}x`, `{"a":1} {}`,
	`{"a":1`, `{"a":"`, `{"skip":{"q":[1,{"r":"s"}]}}`, `{"skip":{"q":[1,{"r":"s"]}}`,
	`[1]`, `null`, `"s"`, ``, ` `, `{"verb":"get"}` + "\n",
	`{"t":true,"f":false,"n":null}`, `{"skip":[true,false,null,{},[]]}`,
	`{"verb" : "get" , "objectRef" : { "resource" : "pods" } }`,
	"{\"verb\":\t\"get\"\r\n}",
	`{"a":{"b":{"c":{"d":[[[[[[[[[[1]]]]]]]]]]}}}}`,
	`{"protoPayload":{"serviceName":"k8s.io","methodName":"io.k8s.core.v1.pods.create","x":[{"y":1.5}]}}`,
}

func check(t *testing.T, data []byte) {
	t.Helper()
	for i, tr := range trees() {
		w, werr := want(data, tr)
		g, gerr := Decode(data, tr)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("tree %d, %q: encoding/json error %v, Decode error %v", i, data, werr, gerr)
		}
		if werr != nil {
			continue
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Fatalf("tree %d, %q: (-encoding/json +Decode)\n%s", i, data, diff)
		}
	}
}

func TestDecodeAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range seeds {
		check(t, []byte(s))
	}
}

// TestDecodeCorpus compares every Kubernetes audit record of the shared
// corpus and every test event of the shipped rules.
func TestDecodeCorpus(t *testing.T) {
	n := 0
	for _, glob := range []string{"../../../shared/corpora/k8s-audit/*/*.json*", "../../../shared/corpora/k8s-audit/*.json*", "../../rules/*/testdata/*/*.json"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(data), "\n") {
				if strings.TrimSpace(line) != "" {
					check(t, []byte(line))
					n++
				}
			}
			check(t, data)
		}
	}
	if n < 100 {
		t.Fatalf("only %d records read: corpus or rule test events moved?", n)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { check(t, data) })
}

// BenchmarkDecode decodes the rules' Kubernetes test events along a
// catalog-sized tree, beside encoding/json decoding them whole.
func BenchmarkDecode(b *testing.B) {
	files, _ := filepath.Glob("../../rules/kubernetes/testdata/*/*.json")
	var lines [][]byte
	var size int64
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var buf bytes.Buffer
		if json.Compact(&buf, data) == nil {
			lines = append(lines, buf.Bytes())
			size += int64(buf.Len())
		}
	}
	tree := trees()[1]
	b.Run("prune", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			for _, l := range lines {
				if _, err := Decode(l, tree); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal(l, &m); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
