// Package templates holds the text/template layouts of every generated
// artifact. Templates receive only fragments that their backend has already
// escaped for the target language; they decide layout, never quoting.
package templates

import (
	"bytes"
	"embed"
	"io/fs"
	"sync"
	"text/template"
)

//go:embed *.tmpl
var embedded embed.FS

var files fs.FS = embedded

// parsed caches templates by name: every rule of a build renders with the
// same few layouts, and a parsed template is safe for concurrent use.
var parsed sync.Map

// Load parses the named template file (e.g. "qradar.aql.tmpl"), once per
// process for a given name: funcs must be the same (stateless) functions
// on every call with that name.
func Load(name string, funcs template.FuncMap) (*template.Template, error) {
	if t, ok := parsed.Load(name); ok {
		return t.(*template.Template), nil
	}
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(files, name)
	if err != nil {
		return nil, err
	}
	parsed.Store(name, t)
	return t, nil
}

// buffers are the render buffers: an artifact grows its buffer from
// empty several times, and every copy is garbage.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render executes t with data and returns a copy of the output: the
// pooled buffer's capacity stays behind.
func Render(t *template.Template, data any) ([]byte, error) {
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	buf.Reset()
	if err := t.Execute(buf, data); err != nil {
		return nil, err
	}
	return bytes.Clone(buf.Bytes()), nil
}

// Embedded is the shipped template set.
func Embedded() fs.FS { return embedded }

// Replace makes Load read templates from fsys until the returned function
// restores the shipped set. Tests use it to prove that a broken layout is
// caught by the artifact checks; it is not safe for concurrent use.
func Replace(fsys fs.FS) (restore func()) {
	files = fsys
	parsed.Clear()
	return func() {
		files = embedded
		parsed.Clear()
	}
}
