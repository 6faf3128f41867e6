// Package mappings holds, as data, everything that ties a logical field of
// a spec to a platform: the logsource catalogs (which fields exist and where
// they sit in the raw event) and one profile per backend and logsource.
// Adding a rule needs no Go change; adding a logsource needs only files here.
package mappings

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/internal/strictyaml"
)

//go:embed logsources/*.yaml qradar/*.yaml chronicle/*.yaml sigma/*.yaml
var files embed.FS

// Load strictly decodes mappings/<dir>/<logsource>.yaml into out.
func Load(dir, logsource string, out any) diag.List {
	name := fmt.Sprintf("%s/%s.yaml", dir, logsource)
	src, err := fs.ReadFile(files, name)
	if err != nil {
		var errs diag.List
		errs.Add(diag.Pos{File: "mappings/" + name}, "no %s mapping for logsource %q", dir, logsource)
		return errs
	}
	return strictyaml.Decode("mappings/"+name, src, out)
}

// Logsource is a catalog of the logical fields a spec may test.
type Logsource struct {
	Name        string  `yaml:"name" detgen:"required"`
	Description string  `yaml:"description" detgen:"required"`
	Fields      []Field `yaml:"fields" detgen:"required"`
}

// Field is one logical field: its value type and where it sits in the raw
// event, as dotted paths in which "[]" marks a list whose every element is
// searched.
type Field struct {
	Name        string   `yaml:"name" detgen:"required"`
	Type        string   `yaml:"type" detgen:"required"`
	Description string   `yaml:"description" detgen:"required"`
	Paths       []string `yaml:"paths" detgen:"required"`
}

// LoadLogsource loads the catalog of one logsource.
func LoadLogsource(name string) (*Logsource, diag.List) {
	var ls Logsource
	errs := Load("logsources", name, &ls)
	return &ls, errs
}

// LogsourceNames lists the logsources that have a catalog.
func LogsourceNames() []string {
	entries, _ := fs.Glob(files, "logsources/*.yaml")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(path.Base(e), ".yaml"))
	}
	return names
}

// Field returns the catalog entry for a logical field name.
func (l *Logsource) Field(name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}
