// Package jsonorder rewrites a JSON document with its objects' keys in
// the opposite order, for tests that must not depend on key order: a
// sender may order an object's members as it likes.
package jsonorder

import (
	"bytes"
	"encoding/json"
)

// Reversed returns data, compact, with every object's keys in reverse of
// the order written. Values are unchanged: numbers as written, strings
// re-encoded without escaping <, > and & (which the input may escape or
// not; only the order is meant to change).
func Reversed(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out bytes.Buffer
	scalar := func(v any) error {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return err
		}
		out.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
		return nil
	}
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return scalar(tok)
		}
		switch d {
		case '{':
			var pairs [][]byte
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				save := out
				out = bytes.Buffer{}
				if err := scalar(k); err != nil {
					return err
				}
				out.WriteByte(':')
				if err := walk(); err != nil {
					return err
				}
				pairs = append(pairs, out.Bytes())
				out = save
			}
			dec.Token() // }
			out.WriteByte('{')
			for i := len(pairs) - 1; i >= 0; i-- {
				out.Write(pairs[i])
				if i > 0 {
					out.WriteByte(',')
				}
			}
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for first := true; dec.More(); first = false {
				if !first {
					out.WriteByte(',')
				}
				if err := walk(); err != nil {
					return err
				}
			}
			dec.Token() // ]
			out.WriteByte(']')
		}
		return nil
	}
	if err := walk(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
