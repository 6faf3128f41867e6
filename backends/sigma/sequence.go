package sigma

import (
	"bytes"
	"fmt"
	"text/template"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/templates"
)

// seqDoc is one correlation document of a sequence's Sigma output.
type seqDoc struct {
	Title, ID, Name string
	Main            bool // the outermost correlation: carries the rule's metadata
	Type            string
	Rules           []string
	GroupBy         []string
	Timespan        string
	Op, Value       string
}

// generateSequence renders a sequence rule as Sigma correlation chaining
// (sigma-correlation-rules-specification.md): one base rule per step
// (the rule's condition and the step's), an event_count correlation for a
// step that needs several events, and a temporal or temporal_ordered
// correlation over the steps, grouped by the join fields. Chained windows
// are each the rule's window, so a Sigma engine may accept a sequence
// spread over up to two windows where the spec asks for one (declared in
// docs/spec.md).
func generateSequence(r *ir.Rule, prof *Profile, tmpl *template.Template) ([]byte, error) {
	seq := r.Sequence
	var out bytes.Buffer
	var refs []string
	var docs []seqDoc
	b := &builder{prof: prof, src: r, names: map[ir.Expr]string{}, used: map[string]int{}}
	var groupBy []string
	for _, f := range seq.Join {
		var name string
		if err := catch(func() { name = b.oneName(&ir.Aggregate{Pos: seq.Pos}, f) }); err != nil {
			return nil, err
		}
		groupBy = append(groupBy, name)
	}
	span := timespan(seq.Window)
	for i, st := range seq.Steps {
		step := *r
		step.Condition = &ir.And{Args: []ir.Expr{r.Condition, st.When}}
		step.Sequence = nil
		data, err := build(&step, prof)
		if err != nil {
			return nil, err
		}
		data.BaseName = r.Name + "_" + st.Name
		data.ID = derivedID(r.ID, "step:"+st.Name)
		data.StepTitle = fmt.Sprintf("%s (step %s)", r.Title, st.Name)
		if i > 0 {
			out.WriteString("---\n")
		}
		if err := tmpl.Execute(&out, data); err != nil {
			return nil, err
		}
		ref := data.BaseName
		if st.Min > 1 {
			ref = r.Name + "_" + st.Name + "_count"
			docs = append(docs, seqDoc{
				Title: fmt.Sprintf("%s (%d or more %s)", r.Title, st.Min, st.Name), ID: derivedID(r.ID, "count:"+st.Name), Name: ref,
				Type: "event_count", Rules: []string{data.BaseName}, GroupBy: groupBy, Timespan: span, Op: "gte", Value: fmt.Sprint(st.Min),
			})
		}
		refs = append(refs, ref)
	}
	typ := "temporal"
	if seq.Ordered {
		typ = "temporal_ordered"
	}
	docs = append(docs, seqDoc{Title: r.Title, ID: r.ID, Main: true, Type: typ, Rules: refs, GroupBy: groupBy, Timespan: span})
	ct, err := templates.Load("sigma.correlation.yml.tmpl", template.FuncMap{
		"y":   func(s string) string { return yamlString(foldSpace(s)) },
		"tag": tagScalar,
	})
	if err != nil {
		return nil, err
	}
	var tags []string
	if d, err := build(r.WithoutSequence(), prof); err == nil {
		tags = d.Tags
	}
	if err := ct.Execute(&out, map[string]any{"Docs": docs, "Rule": r, "Tags": tags}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// catch runs f and returns the unsupported error it panics with.
func catch(f func()) (err error) {
	defer diag.CatchUnsupported(&err)
	f()
	return nil
}
