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
	// Search is one rule: its saved search, custom rule and the properties
	// its AQL reads.
	Search = content.Search
	// Options are the build-wide settings of an extension.
	Options = content.Options
)

// BuildExtension renders the content extension for searches: the archive
// detgen build writes to qradar/extension.zip (it is content.BuildArchive;
// driver.QRadarExtension calls it with the build's options).
func BuildExtension(opts Options, searches []Search) ([]byte, error) {
	return content.BuildArchive(opts, searches)
}

// checkExtension parses extension and checks that it carries exactly the
// given searches, with the same AQL, and a custom rule for each that is
// not an aggregating search.
func checkExtension(extension []byte, searches []Search) (*content.Document, error) {
	doc, err := content.Parse(extension)
	if err != nil {
		return nil, err
	}
	inExt := map[string]string{}
	for _, s := range doc.Searches {
		inExt[s.Name] = s.AQL
	}
	rules := map[string]string{}
	for _, r := range doc.Rules {
		rules[r.UUID] = r.Name
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
		if name, ok := rules[content.RuleUUID(s.RuleID)]; content.BuildsRule(s) && (!ok || name != s.Name) {
			errs = append(errs, fmt.Errorf("the extension has no custom rule %q for rule %s", s.Name, s.RuleID))
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
