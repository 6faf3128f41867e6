package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/detgen/detgen/diag"
	"github.com/detgen/detgen/driver"
	"github.com/detgen/detgen/internal/plural"
	"github.com/detgen/detgen/ir"
	"github.com/detgen/detgen/mappings"
	"github.com/detgen/detgen/release"
	"github.com/detgen/detgen/sigmain"
	"github.com/urfave/cli/v2"
)

// version is set at link time (-ldflags "-X main.version=…").
var version = "0.1.0-dev"

// Exit codes, as grep and diff use them.
const (
	exitOK      = 0
	exitInvalid = 1 // invalid input, failed checks, internal errors
	exitUsage   = 2 // unknown command or flag, missing argument
)

// usageError marks a command-line mistake (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// run is main without os.Exit, so tests drive the CLI in-process.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	app.Reader = stdin
	err := app.Run(args)
	if err == nil {
		return exitOK
	}
	var ue usageError
	var list diag.List
	switch {
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "detgen: %s\nRun 'detgen --help' for usage.\n", ue.msg)
		return exitUsage
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "detgen: %s\n", plural.N(len(list), "error"))
		return exitInvalid
	default:
		fmt.Fprintf(stderr, "detgen: %v\n", err)
		return exitInvalid
	}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	onUsage := func(_ *cli.Context, err error, _ bool) error { return usageError{err.Error()} }
	app := &cli.App{
		Name:    "detgen",
		Usage:   "compile YAML detection specs into QRadar AQL, Chronicle YARA-L 2.0 and Sigma",
		Version: version,
		Description: strings.TrimSpace(`
detgen reads one YAML detection spec per threat (rules/**/*.yaml) and compiles
each into three artifacts: an IBM QRadar AQL search, a Google SecOps YARA-L 2.0
rule and a Sigma rule. Field mappings live in mappings/ (embedded in the
binary); output layouts in templates/.

Examples:
  detgen build                                  # rules/ -> dist/{qradar,chronicle,sigma}/
  detgen compile --target chronicle rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml
  detgen validate rules/kubernetes/*.yaml
  detgen list --format json
  detgen --mappings team-mappings test           # with extra log sources

Exit status: 0 success, 1 invalid input (every error listed as file:line:col),
2 usage error.`),
		Writer:                 stdout,
		ErrWriter:              stderr,
		HideHelpCommand:        true,
		UseShortOptionHandling: true,
		// urfave/cli calls os.Exit itself unless this is set; exit codes
		// are decided in run.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   onUsage,
		CommandNotFound: func(c *cli.Context, name string) {
			// Reported through the returned error below.
		},
		Flags: []cli.Flag{
			&cli.StringFlag{
				Name:    "mappings",
				EnvVars: []string{"DETGEN_MAPPINGS"},
				Usage: "directory of extra mapping files (logsources/, qradar/, chronicle/, sigma/ as in mappings/) " +
					"that add log sources or override built-in ones, without a rebuild",
			},
			quietFlag,
		},
		Before: func(c *cli.Context) error {
			dir := c.String("mappings")
			if dir == "" {
				mappings.SetOverlay("")
				return nil
			}
			if st, err := os.Stat(filepath.Join(dir, "logsources")); err != nil || !st.IsDir() {
				return usagef("--mappings %s: no logsources/ directory there", dir)
			}
			mappings.SetOverlay(dir)
			return nil
		},
		Commands: []*cli.Command{
			quietStdout(buildCommand()),
			compileCommand(),
			convertCommand(),
			importCommand(),
			withSARIF(quietStdout(validateCommand())),
			lintCommand(),
			testCommand(),
			newCommand(),
			scanCommand(),
			listCommand(),
			schemaCommand(),
			lockCommand(),
			packageCommand(),
			docsCommand(),
			coverageCommand(),
			pushCommand(),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("unknown command %q", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
	var setUsage func([]*cli.Command)
	setUsage = func(cmds []*cli.Command) {
		for _, cmd := range cmds {
			cmd.OnUsageError = onUsage
			setUsage(cmd.Subcommands)
		}
	}
	setUsage(app.Commands)
	return app
}

// placeholdersFlag names the values of Sigma's expand placeholders.
var placeholdersFlag = &cli.StringFlag{
	Name:  "placeholders",
	Usage: "YAML file of Sigma placeholder values (name: [values]) for the expand modifier; without it such rules are refused",
}

// sigmaConfig is how the Sigma commands read Sigma: with the
// --placeholders file when one is given.
func sigmaConfig(c *cli.Context) (sigmain.Config, error) {
	var cfg sigmain.Config
	if path := c.String("placeholders"); path != "" {
		values, errs := sigmain.ReadPlaceholders(path)
		if len(errs) > 0 {
			return cfg, errs
		}
		cfg.Placeholders = values
	}
	return cfg, nil
}

var rulesFlag = &cli.StringFlag{
	Name:  "rules",
	Value: "rules",
	Usage: "directory searched recursively for rule specs (*.yaml)",
}

func targetList() string { return strings.Join(driver.TargetNames(), "|") }

func buildCommand() *cli.Command {
	return &cli.Command{
		Name:      "build",
		Usage:     "compile every spec into every target and write the output directory",
		ArgsUsage: " ",
		Description: "Compiles every spec under --rules and writes OUT/<target>/<rule-id>.<ext>:\n" +
			"qradar/*.aql, chronicle/*.yaral, sigma/*.yml. OUT is replaced as a whole by\n" +
			"rename, and only when every rule compiled for every target: a failed build\n" +
			"leaves OUT byte-identical. Concurrent builds wait for each other on .OUT.lock;\n" +
			"a symlinked OUT keeps its link.",
		Flags: []cli.Flag{
			rulesFlag,
			&cli.StringFlag{Name: "out", Value: "dist", Usage: "output directory (replaced as a whole)"},
			&cli.BoolFlag{Name: "check-versions", Usage: "fail when a rule's compiled output changed without a version bump, or its version went down or jumped (compares with --lock)"},
			lockFlag,
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("build takes no arguments (use --rules DIR)")
			}
			var check func([]*ir.Rule, []release.Artifact) error
			if c.Bool("check-versions") {
				check = func(rules []*ir.Rule, arts []release.Artifact) error {
					lock, err := release.ReadLock(c.String("lock"))
					if err != nil {
						return err
					}
					if problems := release.Compare(lock, rules, arts); len(problems) > 0 {
						return problemList(problems)
					}
					return nil
				}
			}
			res, err := writeBuild(c, check)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "detgen: wrote %s for %s to %s\n", plural.N(res.Artifacts, "artifact"), plural.N(len(res.Rules), "rule"), c.String("out"))
			return nil
		},
	}
}

func compileCommand() *cli.Command {
	return &cli.Command{
		Name:      "compile",
		Usage:     "compile one spec for one target and print the artifact",
		ArgsUsage: "FILE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "target", Aliases: []string{"t"}, Usage: "output language: " + targetList()},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("compile needs exactly one spec FILE")
			}
			if !c.IsSet("target") {
				return usagef("compile needs --target %s", targetList())
			}
			t, ok := driver.LookupTarget(c.String("target"))
			if !ok {
				return usagef("unknown target %q (want %s)", c.String("target"), targetList())
			}
			rules, errs := driver.LoadRules([]string{c.Args().First()})
			if len(errs) > 0 {
				return errs
			}
			if reason, out := rules[0].Excluded[t.Name]; out {
				return fmt.Errorf("%s: rule %s excludes target %s: %s", rules[0].SourceFile, rules[0].Name, t.Name, reason)
			}
			arts, errs, warns := driver.Generate(rules, []driver.Target{t})
			printWarnings(c, warns)
			if len(errs) > 0 {
				return errs
			}
			_, err := c.App.Writer.Write(arts[0].Data)
			return err
		},
	}
}

func validateCommand() *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check specs (and that every target compiles) without writing anything",
		ArgsUsage: "FILE...",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usagef("validate needs at least one spec FILE")
			}
			l, err := driver.Load(c.Args().Slice(), cachedOptions(c, "", nil, "validate"))
			if err != nil {
				return err
			}
			rules, _, warns, err := l.Hashes()
			printWarnings(c, warns)
			if err != nil {
				return err
			}
			for _, r := range rules {
				fmt.Fprintf(c.App.Writer, "ok  %s  %s\n", r.SourceFile, r.Name)
			}
			return nil
		},
	}
}

func printWarnings(c *cli.Context, warns []driver.Warning) {
	for _, w := range warns {
		fmt.Fprintln(c.App.ErrWriter, w)
	}
}
