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
	if onlyComments(src) {
		errs.Add(diag.Pos{File: file, Line: 1, Col: 1}, "the file is empty (it must hold one YAML mapping)")
		return errs
	}
	line, col := 1, 1
	for i := 0; i < len(src); {
		r, size := rune(src[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(src[i:])
		}
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

// onlyComments reports whether src holds nothing but blank lines and
// YAML comment lines, so that such a file counts as empty.
func onlyComments(src []byte) bool {
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}
