package yaral_test

import (
	"fmt"

	"github.com/detgen/detgen/lang/yaral"
)

// A code generator builds the tree, quotes values with the literal helpers
// and prints it; Parse and Check validate the result.
func Example() {
	field := func(path ...string) *yaral.FieldExpr {
		f := &yaral.FieldExpr{Var: &yaral.Var{Name: "e"}}
		for _, p := range path {
			f.Path = append(f.Path, &yaral.PathElem{Name: p})
		}
		return f
	}
	str := func(s string) *yaral.BasicLit {
		return &yaral.BasicLit{Kind: yaral.STRING, Value: yaral.QuoteString(s)}
	}
	eq := func(x, y yaral.Expr) *yaral.BinaryExpr { return &yaral.BinaryExpr{Op: yaral.EQ, X: x, Y: y} }
	r := &yaral.Rule{
		Name: "k8s_cronjob_created",
		Meta: &yaral.MetaSection{Entries: []*yaral.KeyValue{
			{Key: "author", Value: str("detgen")},
			{Key: "description", Value: str(`CronJob created by "someone"`)},
		}},
		Events: &yaral.EventsSection{Predicates: []yaral.Expr{
			&yaral.BinaryExpr{Op: yaral.OR,
				X: eq(field("metadata", "log_type"), str("KUBERNETES_AUDIT")),
				Y: eq(field("metadata", "log_type"), str("K8S_AUDIT"))},
			eq(field("target", "url"), &yaral.BasicLit{Kind: yaral.REGEX, Value: yaral.QuoteRegex("/cronjobs(/|$)")}),
		}},
		Outcome: &yaral.OutcomeSection{Assignments: []*yaral.Assignment{
			{Var: &yaral.Var{Name: "risk_score"}, Value: &yaral.CallExpr{Name: "max", Args: []yaral.Expr{&yaral.BasicLit{Kind: yaral.INT, Value: "65"}}}},
		}},
		Condition: &yaral.ConditionSection{Expr: &yaral.Var{Name: "e"}},
	}
	text := yaral.Print(r)
	fmt.Print(text)
	parsed, err := yaral.Parse(text)
	if err != nil {
		panic(err)
	}
	for _, d := range yaral.Check(parsed) {
		fmt.Println(d)
	}
	// Output:
	// rule k8s_cronjob_created {
	//
	//   meta:
	//     author = "detgen"
	//     description = "CronJob created by \"someone\""
	//
	//   events:
	//     ($e.metadata.log_type = "KUBERNETES_AUDIT" or $e.metadata.log_type = "K8S_AUDIT")
	//     $e.target.url = /\/cronjobs(\/|$)/
	//
	//   outcome:
	//     $risk_score = max(65)
	//
	//   condition:
	//     $e
	// }
	// 8:74: error: log type "K8S_AUDIT" does not exist in SecOps: Kubernetes audit logs use KUBERNETES_AUDIT (or KUBERNETES_AUDIT_AZURE, GCP_CLOUDAUDIT for GKE) [unknown-log-type]
}
