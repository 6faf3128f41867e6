package driver

import (
	"encoding/json"
	"fmt"

	"github.com/detgen/detgen/backends/chronicle"
	"github.com/detgen/detgen/backends/qradar"
	"github.com/detgen/detgen/backends/qradar/content"
	"github.com/detgen/detgen/release"
)

// prerequisites are the files that tell an importer what must exist on the
// SIEM for an artifact to work:
//
//   - qradar/<id>.properties.json: the custom event properties the AQL
//     reads, as JSON-expression properties of the log source type;
//   - qradar/<id>.extension.xml: a content extension carrying them and the
//     search (what detgen push qradar uploads);
//   - chronicle/<id>.requirements.json: the UDM fields and labels the rule
//     reads per log type, and whether Google's default parser fills them.
func prerequisites(a Artifact) ([]release.Artifact, error) {
	r := a.Rule
	base := a.Target.Name + "/" + r.ID
	mk := func(kind, path string, v any) (release.Artifact, error) {
		data, err := json.MarshalIndent(v, "", "  ")
		return release.Artifact{Rule: r, Target: kind, Path: path, Data: append(data, '\n')}, err
	}
	switch a.Target.Name {
	case "qradar":
		props, err := qradar.Properties(r)
		if err != nil {
			return nil, err
		}
		type prop struct {
			Name            string `json:"name"`
			PropertyType    string `json:"property_type"`
			LogSourceTypeID int    `json:"log_source_type_id"`
			JSONExpression  string `json:"expression"`
			Field           string `json:"field"`
			UseForRules     bool   `json:"use_for_rule_engine"`
		}
		list := []prop{}
		var pp []content.Property
		for _, p := range props {
			list = append(list, prop{p.Name, "string", p.LogSourceTypeID, p.JSONExpression, p.Field, true})
			pp = append(pp, content.Property{Name: p.Name, JSONExpression: p.JSONExpression, LogSourceTypeID: p.LogSourceTypeID})
		}
		pj, err := mk("qradar-properties", base+".properties.json", list)
		if err != nil {
			return nil, err
		}
		xml, err := content.BuildExtension("detgen-"+r.Name, "detgen: "+r.Title, fmt.Sprint(r.Version), r.Description, []content.Search{{
			RuleID: r.ID, Name: "detgen: " + r.Title, Description: r.Description, Version: r.Version, AQL: string(a.Data), Properties: pp,
		}})
		if err != nil {
			return nil, err
		}
		return []release.Artifact{pj, {Rule: r, Target: "qradar-extension", Path: base + ".extension.xml", Data: xml}}, nil
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
