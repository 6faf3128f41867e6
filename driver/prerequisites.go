package driver

import (
	"encoding/json"

	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/docgen"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/release"
)

// prerequisites are the per-rule files that tell an importer what must
// exist on the SIEM for an artifact to work:
//
//   - qradar/<id>.properties.json: the custom event properties the AQL
//     reads, as JSON-expression properties of the log source type (the
//     extension of the whole build, QRadarExtensionPath, defines them);
//   - chronicle/<id>.requirements.json: the UDM fields and labels the rule
//     reads per log type, and whether Google's default parser fills them.
//
// Prerequisites returns the prerequisite files a build ships with an
// artifact (the test runner reads the parser extension from them).
func Prerequisites(a Artifact) ([]release.Artifact, error) { return prerequisites(a) }

func prerequisites(a Artifact) ([]release.Artifact, error) {
	r := a.Rule
	base := a.Target.Name + "/" + r.ID
	mk := func(kind, path string, v any) (release.Artifact, error) {
		data, err := json.MarshalIndent(v, "", "  ")
		return release.Artifact{Rule: r, Target: kind, Path: path, Data: append(data, '\n')}, err
	}
	switch a.Target.Name {
	case "qradar":
		list, err := QRadarProperties(r)
		if err != nil {
			return nil, err
		}
		pj, err := mk("qradar-properties", base+".properties.json", list)
		if err != nil {
			return nil, err
		}
		return []release.Artifact{pj}, nil
	case "chronicle":
		reqs, err := chronicle.Requirements(r)
		if err != nil {
			return nil, err
		}
		type req struct {
			LogType       string `json:"log_type"`
			Field         string `json:"field"`
			UDM           string `json:"udm"`
			DefaultParser bool   `json:"default_parser"`
			Extension     string `json:"parser_extension,omitempty"`
		}
		list := []req{}
		for _, q := range reqs {
			list = append(list, req{q.LogType, q.Field, q.UDM, q.DefaultParser, q.Extension})
		}
		j, err := mk("chronicle-requirements", base+".requirements.json", list)
		if err != nil {
			return nil, err
		}
		return []release.Artifact{j}, nil
	}
	return nil, nil
}

// QRadarProperty is one entry of qradar/<id>.properties.json: a custom
// property the rule's AQL reads, under its console name.
type QRadarProperty struct {
	Name            string `json:"name"` // the console's: content.PropertyName(QRadarOptions.PropertyPrefix, mapping name)
	PropertyType    string `json:"property_type"`
	LogSourceTypeID int    `json:"log_source_type_id"`
	JSONExpression  string `json:"expression"`
	Field           string `json:"field"`
	UseForRules     bool   `json:"use_for_rule_engine"`
}

// QRadarProperties are the custom properties shipped for r
// (qradar/<id>.properties.json, and the same names in the extension):
// what a console, and the test runner's view of one, defines for the AQL.
func QRadarProperties(r *ir.Rule) ([]QRadarProperty, error) {
	props, err := qradar.Properties(r)
	if err != nil {
		return nil, err
	}
	list := []QRadarProperty{}
	for _, p := range props {
		list = append(list, QRadarProperty{content.PropertyName(QRadarOptions.PropertyPrefix, p.Name), "string", p.LogSourceTypeID, p.JSONExpression, p.Field, true})
	}
	return list, nil
}

// QRadarExtensionPath is where a build writes its QRadar content extension.
const QRadarExtensionPath = "qradar/extension.zip"

// QRadarOptions are the settings of the build's QRadar extension.
//
// PropertyPrefix is the one setting of the namespace of detgen's custom
// properties: the AQL generator (generateAQL), the extension, the per-rule
// property lists (QRadarProperties), the test runner and the docs all read
// it here. The extension must define exactly the properties the AQL reads,
// and content.Build refuses anything else (docs/qradar-content.md,
// "Namespacing").
var QRadarOptions = content.Options{Name: "detgen-rules", PropertyPrefix: content.DefaultPropertyPrefix}

// DocOptions are the build settings the docs describe.
func DocOptions() docgen.Options {
	return docgen.Options{QRadarPropertyPrefix: QRadarOptions.PropertyPrefix}
}

// QRadarContent is the QRadar content extension of a build: the archive
// detgen build writes to QRadarExtensionPath and detgen push qradar
// uploads, and the rules it carries.
type QRadarContent struct {
	Archive  []byte
	Searches []content.Search
}

// QRadarExtension builds the content extension for every QRadar artifact
// of a build: each rule as a saved search and a custom rule, and the
// custom properties their AQL reads. Build and push both call it, so equal
// artifacts give equal bytes. It returns nil when there is no QRadar
// artifact.
func QRadarExtension(arts []Artifact) (*QRadarContent, error) {
	var searches []content.Search
	for _, a := range arts {
		if a.Target.Name != "qradar" {
			continue
		}
		s, err := qradarSearch(a.Rule, a.Data)
		if err != nil {
			return nil, err
		}
		searches = append(searches, s)
	}
	if len(searches) == 0 {
		return nil, nil
	}
	archive, err := content.BuildArchive(QRadarOptions, searches)
	if err != nil {
		return nil, err
	}
	return &QRadarContent{Archive: archive, Searches: searches}, nil
}

// qradarSearch is the extension's search for a rule and its AQL.
func qradarSearch(r *ir.Rule, aql []byte) (content.Search, error) {
	props, err := qradar.Properties(r)
	if err != nil {
		return content.Search{}, err
	}
	var list []content.Property
	for _, p := range props {
		list = append(list, content.Property{Name: p.Name, JSONExpression: p.JSONExpression, LogSourceTypeID: p.LogSourceTypeID})
	}
	return searchOf(r, list, string(aql)), nil
}

// searchOf is the extension's search for a rule, the custom properties its
// AQL reads and the AQL: the rule's metadata is all it reads of the rule.
func searchOf(r *ir.Rule, props []content.Property, aql string) content.Search {
	return content.Search{
		RuleID: r.ID, Name: "detgen: " + r.Title, Description: r.Description, Version: r.Version,
		AQL: aql, Severity: r.Severity, Confidence: r.Confidence, Created: r.Date, Modified: r.Modified,
		Properties: props,
	}
}
