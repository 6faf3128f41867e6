package lint

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/detgen/detgen/internal/fastyaml"
	"gopkg.in/yaml.v3"
)

var (
	sigmaUUID     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	sigmaLevels   = []string{"informational", "low", "medium", "high", "critical"}
	sigmaStatuses = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
	yamlLineRE    = regexp.MustCompile(`line (\d+)`)
)

// checkSigma parses with sigma-go, then applies the conventions a SigmaHQ
// reviewer asks for: a UUID id, a known level and status, ATT&CK tags that
// name real ids, a logsource, and a condition that uses every selection
// and names only selections that exist.
func checkSigma(src []byte) []Finding {
	if !bytes.HasPrefix(src, []byte("---")) && !bytes.Contains(src, []byte("\n---")) {
		return checkSigmaRule(src) // one document: no splitting
	}
	docs := splitDocuments(src)
	if len(docs) == 1 {
		return checkSigmaRule(src)
	}
	// Several documents: base rules and correlation rules (a correlation
	// names the rules it correlates by their name). Each document is
	// parsed once.
	var out []Finding
	names := map[string]bool{}
	roots := make([]*yaml.Node, len(docs))
	tops := make([]map[string]any, len(docs))
	for i, d := range docs {
		root, err := parseYAML(d.src)
		if err != nil || root.Decode(&tops[i]) != nil {
			tops[i] = nil
		}
		roots[i] = root
		if n, _ := tops[i]["name"].(string); n != "" {
			names[n] = true
		}
	}
	for i, d := range docs {
		var fs []Finding
		if _, ok := tops[i]["correlation"]; ok {
			fs = checkCorrelation(tops[i], names)
		} else if roots[i] != nil {
			fs = checkSigmaNode(roots[i])
		} else {
			fs = checkSigmaRule(d.src)
		}
		for _, f := range fs {
			f.Line += d.line - 1
			out = append(out, f)
		}
	}
	return out
}

// parseYAML parses one YAML document into its root node (the document's
// content).
func parseYAML(src []byte) (*yaml.Node, error) {
	doc, err := fastyaml.Unmarshal(src)
	if err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("yaml: empty document")
	}
	return doc.Content[0], nil
}

// checkSigmaRule checks one detection rule document: sigma-go decodes
// it (as sigma.ParseRule does, from the node parsed once here).
func checkSigmaRule(src []byte) []Finding {
	root, err := parseYAML(src)
	if err != nil {
		return sigmaGoError(err)
	}
	return checkSigmaNode(root)
}

func sigmaGoError(err error) []Finding {
	line := 1
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscanf(m[1], "%d", &line)
	}
	return []Finding{syntax(line, 1, "sigma-go: "+err.Error())}
}

// checkSigmaNode checks the parsed document root of one detection rule.
func checkSigmaNode(root *yaml.Node) []Finding {
	var rule sigmago.Rule
	if err := root.Decode(&rule); err != nil {
		return sigmaGoError(err)
	}
	at := func(key string) (int, int) {
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == key {
				return root.Content[i+1].Line, root.Content[i+1].Column
			}
		}
		return root.Line, root.Column
	}
	var out []Finding
	add := func(key string, sev Severity, code, format string, args ...any) {
		l, c := at(key)
		out = append(out, Finding{Line: l, Col: c, Severity: sev, Code: code, Msg: fmt.Sprintf(format, args...)})
	}

	switch {
	case rule.ID == "":
		add("id", Warning, "sigma-id", "no id: SigmaHQ rules carry a UUID")
	case !sigmaUUID.MatchString(rule.ID):
		add("id", Error, "sigma-id", "id %q is not a UUID", rule.ID)
	}
	if rule.Level == "" {
		add("level", Warning, "sigma-level", "no level")
	} else if !slices.Contains(sigmaLevels, rule.Level) {
		add("level", Error, "sigma-level", "level %q is not one of %s", rule.Level, strings.Join(sigmaLevels, ", "))
	}
	if rule.Status != "" && !slices.Contains(sigmaStatuses, rule.Status) {
		add("status", Error, "sigma-status", "status %q is not one of %s", rule.Status, strings.Join(sigmaStatuses, ", "))
	}
	ls := rule.Logsource
	if ls.Category == "" && ls.Product == "" && ls.Service == "" {
		add("logsource", Error, "sigma-logsource", "logsource names no category, product or service")
	}
	for _, tag := range rule.Tags {
		if msg := checkTag(tag); msg != "" {
			add("tags", Error, "sigma-tag", "%s", msg)
		}
	}

	// Selections and the condition must refer to each other.
	used := map[string]bool{}
	var refs []string
	for _, c := range rule.Detection.Conditions {
		walkSearch(c.Search, func(name string, pattern bool) {
			if !pattern {
				refs = append(refs, name)
			}
			for sel := range rule.Detection.Searches {
				if ok, _ := path.Match(name, sel); ok || name == sel {
					used[sel] = true
				}
			}
		})
	}
	for _, name := range refs {
		if _, ok := rule.Detection.Searches[name]; !ok {
			add("detection", Error, "sigma-condition", "condition names selection %q, which does not exist", name)
		}
	}
	var unused []string
	for sel := range rule.Detection.Searches {
		if !used[sel] {
			unused = append(unused, sel)
		}
	}
	slices.Sort(unused)
	for _, sel := range unused {
		add("detection", Error, "sigma-condition", "selection %q is not used by the condition", sel)
	}
	return out
}

// walkSearch calls f for every selection name or pattern the condition
// names; "them" is the pattern "*".
func walkSearch(e sigmago.SearchExpr, f func(name string, pattern bool)) {
	switch x := e.(type) {
	case sigmago.And:
		for _, y := range x {
			walkSearch(y, f)
		}
	case sigmago.Or:
		for _, y := range x {
			walkSearch(y, f)
		}
	case sigmago.Not:
		walkSearch(x.Expr, f)
	case sigmago.SearchIdentifier:
		f(x.Name, false)
	case sigmago.OneOfIdentifier:
		f(x.Ident.Name, false)
	case sigmago.AllOfIdentifier:
		f(x.Ident.Name, false)
	case sigmago.OneOfPattern:
		f(x.Pattern, true)
	case sigmago.AllOfPattern:
		f(x.Pattern, true)
	case sigmago.OneOfThem, sigmago.AllOfThem:
		f("*", true)
	}
}
