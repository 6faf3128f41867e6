// Command detgen compiles YAML detection specs into IBM QRadar AQL,
// Google SecOps (Chronicle) YARA-L 2.0 and Sigma rules.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
