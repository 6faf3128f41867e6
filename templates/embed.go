// Package templates holds the text/template layouts of every generated
// artifact. Templates receive only fragments that their backend has already
// escaped for the target language; they decide layout, never quoting.
package templates

import (
	"embed"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

// Load parses the named template file (e.g. "qradar.aql.tmpl").
func Load(name string, funcs template.FuncMap) (*template.Template, error) {
	return template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(files, name)
}
