package diag

import "fmt"

// Unsupported is a construct a target cannot express faithfully: a
// compile error naming the spec position, the target and the rule (a
// refusal must say which rule it is about, not only which file).
type Unsupported struct {
	Pos    Pos
	Target string
	Rule   string
	Msg    string
}

func (u *Unsupported) Error() string {
	return u.Pos.String() + ": " + u.Target + ": rule " + u.Rule + ": " + u.Msg
}

// Refuse stops a generator deep in its walk with an Unsupported error,
// which the generator's entry point turns into its result with
// CatchUnsupported.
func Refuse(pos Pos, target, rule, format string, args ...any) {
	panic(&Unsupported{Pos: pos, Target: target, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// CatchUnsupported, deferred by a generator's entry point, sets *err to
// the Unsupported error a Refuse panicked with; any other panic goes on.
func CatchUnsupported(err *error) {
	if x := recover(); x != nil {
		u, ok := x.(*Unsupported)
		if !ok {
			panic(x)
		}
		*err = u
	}
}
