// Package plural writes counts with the right noun form: "1 rule",
// "2 rules", "0 rules".
package plural

import "fmt"

// N returns n and the noun: one when n is 1, else many, or one + "s"
// when many is not given.
func N(n int, one string, many ...string) string {
	switch {
	case n == 1:
		return "1 " + one
	case len(many) > 0:
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}
