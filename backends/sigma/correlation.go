package sigma

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"

	"github.com/detgen/detgen/ir"
)

// correlation is the second document of an aggregate rule's Sigma output:
// a Sigma correlation rule (sigma-correlation-rules-specification.md)
// over the first document, the base rule that selects the events.
type correlation struct {
	Type     string // event_count, value_count, value_sum, value_avg
	GroupBy  []string
	Timespan string
	Op       string // gt or gte
	Value    string
	Field    string // for the value_* types
}

func (b *builder) correlate(r *ir.Rule, d *ruleData) {
	agg := r.Aggregate
	d.BaseName = r.Name + "_events"
	d.ID = derivedID(r.ID, "base")
	c := &correlation{Timespan: timespan(agg.Window), Op: string(agg.Threshold.Op), Value: strconv.FormatFloat(agg.Threshold.Value, 'f', -1, 64)}
	switch agg.Func {
	case ir.Count:
		c.Type = "event_count"
	case ir.DistinctCount:
		c.Type = "value_count"
	case ir.Sum:
		c.Type = "value_sum"
	case ir.Avg:
		c.Type = "value_avg"
	}
	if agg.Field != "" {
		c.Field = b.oneName(agg, agg.Field)
	}
	for _, f := range agg.GroupBy {
		c.GroupBy = append(c.GroupBy, b.oneName(agg, f))
	}
	d.Correlation = c
}

// oneName is the single Sigma field name a correlation can group by.
func (b *builder) oneName(agg *ir.Aggregate, field string) string {
	for _, f := range b.prof.Fields {
		if f.Field == field && len(f.Names) == 1 && f.Unavailable == "" {
			return f.Names[0]
		}
	}
	b.fail(agg.Pos, "aggregate field %s needs exactly one Sigma field name to group or count by", field)
	return ""
}

func timespan(w time.Duration) string {
	switch {
	case w%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", w/(24*time.Hour))
	case w%time.Hour == 0:
		return fmt.Sprintf("%dh", w/time.Hour)
	case w%time.Minute == 0:
		return fmt.Sprintf("%dm", w/time.Minute)
	}
	return fmt.Sprintf("%ds", w/time.Second)
}

// derivedID is a stable UUID v4-shaped id for a document derived from a
// rule (its base rule), so output stays byte-identical.
func derivedID(id, what string) string {
	h := sha256.Sum256([]byte("detgen:" + what + ":" + id))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
