package sigmain

import (
	"errors"
	"sync"
	"sync/atomic"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
)

// Sink takes the artifacts ConvertFiles checks, by their path below the
// output directory, from several goroutines at once. *driver.Stage is one.
type Sink interface {
	WriteFile(path string, data []byte) error
	Remove(path string) error
}

// ConvertFiles is Load then Convert for a command that writes each
// artifact as soon as it is checked: it hands the artifact to sink (which
// may be nil) and keeps only what a report needs, so memory stays flat in
// the number of rules. Its results and outcomes are Load's and Convert's
// without the rules and artifacts: Result.Rule is nil (Result.Name
// holds the name), and Outcome.Artifact and Outcome.Warnings are empty
// (Outcome.Path says where the artifact went). errs lists the inputs that
// could not be read, as Load's; err is the sink's first error.
//
// Each file is read, parsed and converted on its own, on every core.
// That gives what Load and Convert give as long as no document is a
// filter or a correlation (they change, or take in, rules of other
// files) and no two rules share an id or a name (finish settles those in
// path order). Where one of these is found, the artifacts written are
// removed and the files are read again with Load and converted with
// Convert.
func ConvertFiles(paths []string, targets []driver.Target, sink Sink) (results []*Result, outs []Outcome, errs diag.List, err error) {
	return Config{}.ConvertFiles(paths, targets, sink)
}

// ConvertFiles is the package's ConvertFiles with c's settings.
func (c Config) ConvertFiles(paths []string, targets []driver.Target, sink Sink) (results []*Result, outs []Outcome, errs diag.List, err error) {
	rd, errs := newReader(c)
	if len(errs) > 0 {
		return nil, nil, errs, nil
	}
	jobs := listFiles(paths)
	per := make([][]Outcome, len(jobs))
	sinkErrs := make([]error, len(jobs))
	var (
		mu             sync.Mutex
		ids, names     = map[string]bool{}, map[string]bool{}
		interdependent atomic.Bool // a filter, a correlation, or a shared id or name
		unreadable     atomic.Bool // an input could not be read: nothing is written
	)
	driver.Parallel(len(jobs), func(i int) {
		j := jobs[i]
		if interdependent.Load() {
			return
		}
		j.read(rd)
		if len(j.errs) > 0 {
			unreadable.Store(true)
		}
		if unreadable.Load() {
			return
		}
		mu.Lock()
		for _, r := range j.res {
			switch {
			case r.Kind == KindFilter || r.Kind == KindCorrelation:
				interdependent.Store(true)
			case r.Kind == KindRule && r.Rule != nil:
				if ids[r.ID] || names[r.Rule.Name] {
					interdependent.Store(true)
				}
				ids[r.ID], names[r.Rule.Name] = true, true
			}
		}
		mu.Unlock()
		if interdependent.Load() {
			return
		}
		per[i], sinkErrs[i] = convertDocs(j.res, targets, sink)
	})
	if interdependent.Load() {
		for _, outs := range per {
			for _, o := range outs {
				if o.Path != "" && sink != nil {
					if err := sink.Remove(o.Path); err != nil {
						return nil, nil, nil, err
					}
				}
			}
		}
		results, errs := c.Load(paths)
		if len(errs) > 0 {
			return nil, nil, errs, nil
		}
		outs := Convert(results, targets)
		err := drain(outs, sink)
		for _, r := range results {
			r.Rule = nil
		}
		return results, outs, nil, err
	}
	for _, j := range jobs {
		errs.Append(j.errs)
	}
	if len(errs) > 0 {
		return nil, nil, errs, nil
	}
	for i, j := range jobs {
		results = append(results, j.res...)
		outs = append(outs, per[i]...)
	}
	return results, outs, nil, errors.Join(sinkErrs...)
}

// convertDocs converts the documents of one file (rules without any
// other file's filters or correlations, with ids and names unique) for
// every target, hands each artifact to sink and drops it and the rule.
func convertDocs(docs []*Result, targets []driver.Target, sink Sink) ([]Outcome, error) {
	var outs []Outcome
	for _, r := range docs {
		if r.Rule != nil {
			r.Name = r.Rule.Name
		}
		for _, t := range targets {
			o := Outcome{Result: r, Target: t, Refused: r.Refused}
			if r.Rule != nil {
				o.Artifact, o.Refused, o.Warnings = driver.GenerateOne(r.Rule, t)
				if o.Artifact.Data != nil {
					o.Path = driver.DistPath(o.Artifact)
				}
			}
			outs = append(outs, o)
		}
		r.Rule = nil
	}
	return outs, drain(outs, sink)
}

// drain hands every converted artifact to sink and keeps none of them,
// nor the rule each names (Outcome.Artifact and Outcome.Warnings).
func drain(outs []Outcome, sink Sink) error {
	var errs []error
	for i := range outs {
		o := &outs[i]
		if o.Path != "" && sink != nil {
			errs = append(errs, sink.WriteFile(o.Path, o.Artifact.Data))
		}
		o.Artifact, o.Warnings = driver.Artifact{}, nil
	}
	return errors.Join(errs...)
}
