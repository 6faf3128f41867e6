// Command detgen compiles YAML detection specs into IBM QRadar AQL,
// Google SecOps (Chronicle) YARA-L 2.0 and Sigma rules.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

func main() {
	// DETGEN_CPUPROFILE=FILE writes a CPU profile of the run (for `go tool
	// pprof`), so a slow command on a user's rules can be looked at.
	if path := os.Getenv("DETGEN_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "detgen: DETGEN_CPUPROFILE: %v\n", err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
		code := run(os.Args, os.Stdin, os.Stdout, os.Stderr)
		pprof.StopCPUProfile()
		f.Close()
		os.Exit(code)
	}
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
