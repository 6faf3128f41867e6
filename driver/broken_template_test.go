package driver

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/detgen/detgen/templates"
)

// TestBrokenTemplateFailsBuild breaks one layout the way a careless edit
// would and checks that the artifact check stops the build with a message
// naming the rule, the target and the position, and returns no artifacts.
func TestBrokenTemplateFailsBuild(t *testing.T) {
	tests := []struct {
		template, old, new, want string
	}{
		// A dropped FROM clause: the AQL parser rejects the query.
		{"qradar.aql.tmpl", "FROM events\n", "", "qradar: generated aql artifact of rule kubernetes_suspicious_cronjob_job_creation fails its check at 22:1: error: expected ',' or FROM, found keyword WHERE [syntax]"},
		// A query that parses but that QRadar refuses (no DISTINCT in AQL).
		{"qradar.aql.tmpl", "SELECT\n", "SELECT DISTINCT\n", "[distinct]"},
		// A rule whose events section lost its log-type predicate keyword.
		{"chronicle.yaral.tmpl", "  condition:\n", "  conditions:\n", "chronicle: generated yaral artifact of rule kubernetes_suspicious_cronjob_job_creation fails its check at"},
		// A selection the condition does not use.
		{"sigma.yml.tmpl", "    condition: {{.Condition}}", "    unused_selection:\n        verb: 'x'\n    condition: {{.Condition}}", `selection "unused_selection" is not used by the condition`},
	}
	for _, tc := range tests {
		t.Run(tc.template+"/"+tc.want, func(t *testing.T) {
			mfs := fstest.MapFS{}
			err := fs.WalkDir(templates.Embedded(), ".", func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := fs.ReadFile(templates.Embedded(), path)
				if path == tc.template {
					if !strings.Contains(string(data), tc.old) {
						t.Fatalf("%q not in %s", tc.old, path)
					}
					data = []byte(strings.Replace(string(data), tc.old, tc.new, 1))
				}
				mfs[path] = &fstest.MapFile{Data: data}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			defer templates.Replace(mfs)()

			paths, _ := FindSpecs(rulesDir)
			rules, errs := LoadRules(paths)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			arts, errs, _ := Generate(rules, Targets)
			if arts != nil {
				t.Errorf("artifacts returned despite a broken template")
			}
			if !strings.Contains(errs.Error(), tc.want) {
				t.Errorf("errors do not mention %q:\n%v", tc.want, errs)
			}
		})
	}
}
