package strictyaml

import (
	"bytes"
	"unicode/utf8"

	"github.com/detgen/detgen/diag"
)

// checkText reports, with a position, what yaml.v3 would report without
// one: an empty file, bytes that are not UTF-8, and control characters
// YAML does not allow (all C0 but tab, LF and CR, and DEL).
func checkText(file string, src []byte) diag.List {
	var errs diag.List
	if len(bytes.TrimSpace(stripComments(src))) == 0 {
		errs.Add(diag.Pos{File: file, Line: 1, Col: 1}, "the file is empty (it must hold one YAML mapping)")
		return errs
	}
	line, col := 1, 1
	for i := 0; i < len(src); {
		r, size := utf8.DecodeRune(src[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			errs.Add(diag.Pos{File: file, Line: line, Col: col}, "the file is not UTF-8 text (byte 0x%02x)", src[i])
			return errs
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f:
			errs.Add(diag.Pos{File: file, Line: line, Col: col}, "the file holds the control character U+%04X, which YAML does not allow", r)
			return errs
		case r == '\n':
			line, col = line+1, 0
		}
		i += size
		col++
	}
	return nil
}

// stripComments drops YAML comment lines, so a file holding only
// comments counts as empty.
func stripComments(src []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(src, []byte("\n")) {
		if t := bytes.TrimSpace(l); len(t) > 0 && t[0] != '#' {
			out = append(out, t...)
		}
	}
	return out
}
