// Package templates holds the text/template layouts of every generated
// artifact. Templates receive only fragments that their backend has already
// escaped for the target language; they decide layout, never quoting.
package templates

import (
	"embed"
	"io/fs"
	"text/template"
)

//go:embed *.tmpl
var embedded embed.FS

var files fs.FS = embedded

// Load parses the named template file (e.g. "qradar.aql.tmpl").
func Load(name string, funcs template.FuncMap) (*template.Template, error) {
	return template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(files, name)
}

// Embedded is the shipped template set.
func Embedded() fs.FS { return embedded }

// Replace makes Load read templates from fsys until the returned function
// restores the shipped set. Tests use it to prove that a broken layout is
// caught by the artifact checks; it is not safe for concurrent use.
func Replace(fsys fs.FS) (restore func()) {
	files = fsys
	return func() { files = embedded }
}
