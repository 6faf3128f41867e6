package reference

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/detgen/detgen/ir"
)

// Env gives an expression access to one event.
type Env struct {
	// Values returns every value of a logical field (none when absent or
	// null); a list field yields its elements.
	Values func(field string) []string
	// Text returns every string value of the event, for keywords.
	Text func() []string
}

// Holds evaluates e: the meaning every target's rendering must agree with.
func (env Env) Holds(e ir.Expr) bool {
	switch n := e.(type) {
	case *ir.And:
		for _, a := range n.Args {
			if !env.Holds(a) {
				return false
			}
		}
		return true
	case *ir.Or:
		for _, a := range n.Args {
			if env.Holds(a) {
				return true
			}
		}
		return false
	case *ir.Not:
		return !env.Holds(n.Arg)
	case *ir.AtLeast:
		k := 0
		for _, a := range n.Args {
			if env.Holds(a) {
				k++
			}
		}
		return k >= n.N
	case *ir.Match:
		return env.match(n)
	case *ir.Keyword:
		return keyword(n, env.Text())
	}
	return false
}

func (env Env) match(m *ir.Match) bool {
	vs := env.Values(m.Field)
	switch m.Op {
	case ir.Exists:
		return len(vs) > 0
	case ir.Null:
		return len(vs) == 0
	case ir.Empty:
		for _, v := range vs {
			if v == "" {
				return true
			}
		}
		return false
	}
	one := func(want string) bool {
		if m.FieldRef {
			for _, w := range env.Values(want) {
				for _, v := range vs {
					if Compare(m, v, w) {
						return true
					}
				}
			}
			return false
		}
		for _, v := range vs {
			if Compare(m, v, want) {
				return true
			}
		}
		return false
	}
	if m.All {
		for _, w := range m.Values {
			if !one(w) {
				return false
			}
		}
		return true
	}
	for _, w := range m.Values {
		if one(w) {
			return true
		}
	}
	return false
}

// Compare applies m's operator to one field value v and one wanted value.
func Compare(m *ir.Match, v, want string) bool {
	switch m.Op {
	case ir.Regex:
		re := compileRegex(m.Flags, want)
		return re != nil && re.MatchString(v)
	case ir.CIDR:
		p, err := netip.ParsePrefix(want)
		a, err2 := netip.ParseAddr(v)
		return err == nil && err2 == nil && p.Contains(a.Unmap())
	case ir.GT, ir.GTE, ir.LT, ir.LTE:
		x, ok1 := number(v)
		y, ok2 := number(want)
		if !ok1 || !ok2 {
			return false
		}
		switch m.Op {
		case ir.GT:
			return x > y
		case ir.GTE:
			return x >= y
		case ir.LT:
			return x < y
		}
		return x <= y
	}
	switch m.Type {
	case ir.Int:
		x, ok1 := number(v)
		y, ok2 := number(want)
		if m.Op == ir.Equals && ok1 && ok2 {
			return x == y
		}
	case ir.IP:
		if m.Op == ir.Equals {
			a, err1 := netip.ParseAddr(v)
			b, err2 := netip.ParseAddr(want)
			if err1 == nil && err2 == nil {
				return a.Unmap() == b.Unmap()
			}
		}
	}
	if !m.Cased {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	switch m.Op {
	case ir.Equals:
		return v == want
	case ir.Contains:
		return strings.Contains(v, want)
	case ir.StartsWith:
		return strings.HasPrefix(v, want)
	case ir.EndsWith:
		return strings.HasSuffix(v, want)
	}
	return false
}

func number(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return f, err == nil
}

var regexCache sync.Map

// compileRegex compiles an unanchored search with the Sigma flags i, m, s.
func compileRegex(flags, src string) *regexp.Regexp {
	key := flags + "\x00" + src
	if re, ok := regexCache.Load(key); ok {
		return re.(*regexp.Regexp)
	}
	pat := src
	if flags != "" {
		pat = "(?" + flags + ")" + src
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil
	}
	regexCache.Store(key, re)
	return re
}

func keyword(k *ir.Keyword, text []string) bool {
	one := func(w string) bool {
		for _, t := range text {
			if k.Cased && strings.Contains(t, w) || !k.Cased && strings.Contains(strings.ToLower(t), strings.ToLower(w)) {
				return true
			}
		}
		return false
	}
	if k.All {
		for _, w := range k.Values {
			if !one(w) {
				return false
			}
		}
		return true
	}
	for _, w := range k.Values {
		if one(w) {
			return true
		}
	}
	return false
}
