package qradar

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/detgen/detgen/backends/qradar/content"
)

// The extension format lives with the QRadar backend (package content);
// these names keep this package's API whole.
type (
	// Property is a custom event property defined by a JSON expression.
	Property = content.Property
	// Search is one rule's saved search and the properties it reads.
	Search = content.Search
)

// BuildExtension renders the content extension for searches.
func BuildExtension(id, name, version, description string, searches []Search) ([]byte, error) {
	return content.BuildExtension(id, name, version, description, searches)
}

// checkExtension parses extension and checks that it carries exactly the
// given searches with the same AQL.
func checkExtension(extension []byte, searches []Search) (*content.Document, error) {
	doc, err := content.Parse(extension)
	if err != nil {
		return nil, err
	}
	inExt := map[string]string{}
	for _, s := range doc.Searches {
		inExt[s.Name] = s.AQL
	}
	var errs []error
	want := map[string]bool{}
	for _, s := range searches {
		want[s.Name] = true
		aql, ok := inExt[s.Name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("search %q is not in the extension", s.Name))
		case aql != s.AQL:
			errs = append(errs, fmt.Errorf("search %q has different AQL in the extension", s.Name))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(inExt)) {
		if !want[n] {
			errs = append(errs, fmt.Errorf("the extension carries saved search %q that is not in the search list", n))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("qradar: extension does not match the searches (rebuild it): %w", errors.Join(errs...))
	}
	return doc, nil
}
