package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const specPath = "../../rules/kubernetes/t1053.007-suspicious-cronjob-job.yaml"
const ruleID = "14c5ecd1-d826-4822-9987-96a68c25fef2"

// ruleVersion is specPath's version (read from it, so a new version of
// the shipped rule needs no edit here); the tests bump it to ruleVersion+1.
var ruleVersion = specVersion(specPath)

// specVersion reads the version line of a spec.
func specVersion(path string) int {
	src, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	m := regexp.MustCompile(`(?m)^version: (\d+)$`).FindSubmatch(src)
	if m == nil {
		panic(path + ": no version line")
	}
	v, _ := strconv.Atoi(string(m[1]))
	return v
}

// lineOf is the 1-based line of src on which the first occurrence of frag
// ends.
func lineOf(src, frag string) int {
	i := strings.Index(src, frag)
	if i < 0 {
		panic(fmt.Sprintf("%q not in the spec", frag))
	}
	return strings.Count(src[:i+len(frag)], "\n") + 1
}

func detgen(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return detgenIn(t, strings.NewReader(""), args...)
}

// detgenIn is detgen with stdin as standard input.
func detgenIn(t *testing.T, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(append([]string{"detgen"}, args...), stdin, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBuildWritesEveryTarget(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	code, stdout, stderr := detgen(t, "build", "--rules", "../../rules", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if !regexp.MustCompile(`wrote [1-9][0-9]* artifacts for [1-9][0-9]* rules`).MatchString(stdout) {
		t.Errorf("stdout = %q", stdout)
	}
	for target, golden := range map[string]string{
		"qradar/" + ruleID + ".aql":      "qradar.aql",
		"chronicle/" + ruleID + ".yaral": "chronicle.yaral",
		"sigma/" + ruleID + ".yml":       "sigma.yml",
	} {
		got, err := os.ReadFile(filepath.Join(out, target))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("../../golden", ruleID, golden))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from golden %s", target, golden)
		}
	}
}

func TestBuildRemovesStaleFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	if code, _, stderr := detgen(t, "build", "--rules", "../../rules", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	stale := filepath.Join(out, "qradar", "deleted-rule.aql")
	os.WriteFile(stale, []byte("old"), 0o644)
	if code, _, stderr := detgen(t, "build", "--rules", "../../rules", "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale artifact %s survived the build", stale)
	}
}

func TestBuildMalformedSpecWritesNothing(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules")
	os.MkdirAll(rules, 0o755)
	src, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	// The spec's test events sit beside it.
	abs, _ := filepath.Abs("../../rules/kubernetes/testdata")
	if err := os.Symlink(abs, filepath.Join(rules, "testdata")); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(rules, "good.yaml")
	os.WriteFile(good, src, 0o644)
	bad := filepath.Join(rules, "bad.yaml")
	os.WriteFile(bad, bytes.Replace(src, []byte("severity: high"), []byte("severity: hgh\nseverty: x"), 1), 0o644)

	out := filepath.Join(dir, "dist")
	// A previous good build must survive a failed one untouched.
	os.MkdirAll(filepath.Join(out, "qradar"), 0o755)
	os.WriteFile(filepath.Join(out, ".detgen-output"), nil, 0o644)
	os.WriteFile(filepath.Join(out, "qradar", "previous.aql"), []byte("previous"), 0o644)

	code, stdout, stderr := detgen(t, "build", "--rules", rules, "--out", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	// "severty: x" sits on the line after "severity: high".
	severty := fmt.Sprintf("%s:%d:1: document: unknown key \"severty\"", bad, lineOf(string(src), "\nseverity: high\n"))
	for _, want := range []string{severty, "detgen: 1 error\n"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	// Nothing partial is left: no staging directory (the lock file and the
	// cache of the rules that did compile are the build's own, as after a
	// good build).
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if n := e.Name(); n != ".dist.lock" && n != ".detgen-cache" {
			names = append(names, n)
		}
	}
	if strings.Join(names, ",") != "dist,rules" {
		t.Errorf("build left %v in %s, want only dist and rules (and the lock file and cache)", names, dir)
	}
	got, err := os.ReadFile(filepath.Join(out, "qradar", "previous.aql"))
	if err != nil || string(got) != "previous" {
		t.Errorf("previous build output was changed: %q, %v", got, err)
	}
	if files, _ := os.ReadDir(filepath.Join(out, "qradar")); len(files) != 1 {
		t.Errorf("failed build wrote into %s: %v", out, files)
	}
}

func TestBuildRefusesForeignDirectory(t *testing.T) {
	out := t.TempDir()
	src := filepath.Join(out, "main.go")
	os.WriteFile(src, []byte("package main"), 0o644)
	code, _, stderr := detgen(t, "build", "--rules", "../../rules", "--out", out)
	if code != 1 || !strings.Contains(stderr, "refusing to replace") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if data, err := os.ReadFile(src); err != nil || string(data) != "package main" {
		t.Errorf("the foreign directory was touched: %q %v", data, err)
	}
}

func TestCompileEachTarget(t *testing.T) {
	for target, golden := range map[string]string{"qradar": "qradar.aql", "chronicle": "chronicle.yaral", "sigma": "sigma.yml"} {
		code, stdout, stderr := detgen(t, "compile", "--target", target, specPath)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", target, code, stderr)
		}
		want, _ := os.ReadFile(filepath.Join("../../golden", ruleID, golden))
		if stdout != string(want) {
			t.Errorf("compile --target %s differs from golden", target)
		}
	}
}

func TestValidateAndList(t *testing.T) {
	code, stdout, stderr := detgen(t, "validate", specPath)
	if code != 0 || !strings.Contains(stdout, "ok  "+specPath+"  kubernetes_suspicious_cronjob_job_creation") {
		t.Errorf("validate: exit %d stdout %q stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = detgen(t, "list", "--rules", "../../rules")
	if code != 0 || !strings.Contains(stdout, ruleID+"  "+strconv.Itoa(ruleVersion)+"    T1053.007  high      kubernetes_suspicious_cronjob_job_creation") {
		t.Errorf("list: exit %d stdout:\n%s", code, stdout)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		inStderr string
	}{
		{[]string{"--version"}, 0, ""},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"build", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"build", "extra"}, 2, "build takes no arguments"},
		{[]string{"compile", specPath}, 2, "compile needs --target qradar|chronicle|sigma"},
		{[]string{"compile", "--target", "splunk", specPath}, 2, `unknown target "splunk"`},
		{[]string{"compile", "--target", "sigma"}, 2, "exactly one spec FILE"},
		{[]string{"validate"}, 2, "at least one spec FILE"},
		{[]string{"validate", "no-such-file.yaml"}, 1, "no-such-file.yaml: no such file or directory"},
		{[]string{"build", "--rules", "no-such-dir"}, 1, "no-such-dir"},
	}
	for _, tc := range tests {
		code, _, stderr := detgen(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.inStderr) {
			t.Errorf("detgen %v: exit %d, stderr %q; want exit %d with %q", tc.args, code, stderr, tc.code, tc.inStderr)
		}
	}
}

func TestHelpTeaches(t *testing.T) {
	code, stdout, _ := detgen(t, "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"build", "compile", "validate", "list", "Exit status", "Examples"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	code, stdout, _ = detgen(t, "version")
	_ = stdout
	if code != 2 {
		t.Errorf("'detgen version' exit %d, want 2 (use --version)", code)
	}
}

func TestLint(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "broken.aql")
	os.WriteFile(bad, []byte("SELECT username\nFROM events\nWHERE payload ILIKE '%x%' AND (a = 1\n"), 0o644)
	code, out, errOut := detgen(t, "lint", bad)
	if code != 1 || !strings.Contains(out, bad+":4:1: error: expected ')', found end of query [syntax]") || !strings.Contains(errOut, "detgen: 1 error, 0 warnings in 1 of 1 file\n") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	seed := "../../lang/yaral/testdata/seed.yaral"
	code, out, _ = detgen(t, "lint", seed)
	if code != 1 || !strings.Contains(out, seed+":13:29: error: log type \"GKE_CONTROLPLANE\"") {
		t.Errorf("seed: exit %d\n%s", code, out)
	}
	good := "../../golden/" + ruleID + "/"
	code, out, errOut = detgen(t, "lint", good+"qradar.aql", good+"chronicle.yaral", good+"sigma.yml")
	if code != 0 || out != "" {
		t.Errorf("goldens: exit %d\n%s%s", code, out, errOut)
	}
	warnOnly := filepath.Join(dir, "nowindow.aql")
	os.WriteFile(warnOnly, []byte("SELECT username FROM events WHERE devicetype = 446"), 0o644)
	if code, _, _ := detgen(t, "lint", warnOnly); code != 0 {
		t.Errorf("warnings alone: exit %d", code)
	}
	if code, _, _ := detgen(t, "lint", "--strict", warnOnly); code != 1 {
		t.Errorf("--strict: exit %d", code)
	}
	if code, _, _ := detgen(t, "lint", filepath.Join(dir, "x.txt")); code != 2 {
		t.Errorf("unknown extension: exit %d", code)
	}
}

// cronJobCopy makes a rules directory for a copy of the shipped CronJob
// rule (written by the caller to spec) beside its test events, and
// returns the temporary directory, the rules directory, the spec's path
// and the shipped source.
func cronJobCopy(t *testing.T) (dir, rules, spec string, src []byte) {
	t.Helper()
	dir = t.TempDir()
	rules = filepath.Join(dir, "rules")
	os.MkdirAll(rules, 0o755)
	abs, _ := filepath.Abs("../../rules/kubernetes/testdata")
	os.Symlink(abs, filepath.Join(rules, "testdata"))
	src, _ = os.ReadFile(specPath)
	return dir, rules, filepath.Join(rules, "rule.yaml"), src
}

// TestCheckVersionsNamesRuleAndTarget changes a weight without bumping the
// version: the build must fail, naming the rule and the changed targets.
func TestCheckVersionsNamesRuleAndTarget(t *testing.T) {
	dir, rules, spec, src := cronJobCopy(t)
	change := func(b []byte) []byte {
		return addHydra(b)
	}
	os.WriteFile(spec, change(src), 0o644)
	code, _, errOut := detgen(t, "build", "--check-versions", "--rules", rules, "--lock", "../../rules.lock.json", "--out", filepath.Join(dir, "dist"))
	want := "rule kubernetes_suspicious_cronjob_job_creation (" + ruleID + "): compiled output changed for chronicle, qradar, sigma but version " + strconv.Itoa(ruleVersion) + " was not bumped"
	if code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("exit %d, stderr:\n%s\nwant %q", code, errOut, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); !os.IsNotExist(err) {
		t.Error("a failed version check wrote the build directory")
	}
	// The same change with a bump, modified date and changelog line is
	// accepted by detgen lock.
	bumped := bumpVersion(change(src))
	os.WriteFile(spec, bumped, 0o644)
	lock := filepath.Join(dir, "rules.lock.json")
	orig, _ := os.ReadFile("../../rules.lock.json")
	os.WriteFile(lock, orig, 0o644)
	code, out, errOut := detgen(t, "lock", "--rules", rules, "--lock", lock)
	if code != 0 || !strings.Contains(out, fmt.Sprintf("at version %d, was %d (chronicle, qradar, sigma output changed)", ruleVersion+1, ruleVersion)) {
		t.Fatalf("lock: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := detgen(t, "build", "--check-versions", "--rules", rules, "--lock", lock, "--out", filepath.Join(dir, "dist")); code != 0 {
		t.Fatalf("after lock: exit %d\n%s", code, errOut)
	}
}

func TestPackageChecksManifestAndIsReproducible(t *testing.T) {
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	if code, _, errOut := detgen(t, "build", "--rules", "../../rules", "--out", dist); code != 0 {
		t.Fatal(errOut)
	}
	a, b := filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "b.tar.gz")
	for _, out := range []string{a, b} {
		if code, _, errOut := detgen(t, "package", "--dist", dist, "--out", out); code != 0 {
			t.Fatal(errOut)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if len(da) == 0 || !bytes.Equal(da, db) {
		t.Error("two packages of the same build differ")
	}
	// Every file the manifest lists must still have its hash.
	aqlPath := filepath.Join(dist, "qradar", ruleID+".aql")
	os.WriteFile(aqlPath, []byte("SELECT 1 FROM events"), 0o644)
	code, _, errOut := detgen(t, "package", "--dist", dist, "--out", filepath.Join(dir, "c.tar.gz"))
	if code != 1 || !strings.Contains(errOut, aqlPath+": sha256 differs from manifest.json") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.tar.gz")); !os.IsNotExist(err) {
		t.Error("a package was written from a modified build")
	}
}

// package refuses a build directory holding files its manifest does not
// list: the archive would not be the build.
func TestPackageRefusesFilesNotInManifest(t *testing.T) {
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	if code, _, errOut := detgen(t, "build", "--rules", "../../rules", "--out", dist); code != 0 {
		t.Fatal(errOut)
	}
	for _, stray := range []string{"extra.txt", "qradar/.hidden.aql", "sigma/old/x.yml"} {
		p := filepath.Join(dist, filepath.FromSlash(stray))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	out := filepath.Join(dir, "p.tar.gz")
	code, _, errOut := detgen(t, "package", "--dist", dist, "--out", out)
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errOut)
	}
	for _, stray := range []string{"extra.txt", "qradar/.hidden.aql", "sigma/old/x.yml"} {
		want := filepath.Join(dist, filepath.FromSlash(stray)) + ": not listed in manifest.json"
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a package was written from a build with stray files")
	}
}

// TestMappingsOverlay adds a log source from files with --mappings and
// runs test and scan on a rule over it; a directory without logsources/
// is a usage error.
func TestMappingsOverlay(t *testing.T) {
	m := "../../driver/testdata/newsource/mappings"
	rules := "../../driver/testdata/newsource/rules"
	code, out, errOut := detgen(t, "--mappings", m, "test", "--verbose", "--rules", rules)
	if code != 0 || !strings.Contains(out, "github_repository_made_public") || !strings.Contains(out, "0 failed") {
		t.Errorf("test: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = detgen(t, "--mappings", m, "scan", "--rules", rules, "../../driver/testdata/newsource/events.jsonl")
	if code != 0 || strings.Count(out, `"rule":"github_repository_made_public"`) != 1 {
		t.Errorf("scan: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := detgen(t, "--mappings", t.TempDir(), "list"); code != 2 || !strings.Contains(errOut, "no logsources/") {
		t.Errorf("empty overlay: exit %d, %s", code, errOut)
	}
	// Without the overlay the log source is unknown.
	if code, _, errOut := detgen(t, "validate", rules+"/repo-made-public.yaml"); code != 1 || !strings.Contains(errOut, `logsource "github_visibility" is unknown`) {
		t.Errorf("without overlay: exit %d, %s", code, errOut)
	}
}

// TestMutateListsSurvivors: detgen test --mutate passes the shipped rules
// (no mutant survives their tests) and, once an image keyword no test
// event carries is added to the CronJob rule, names the surviving mutant
// at its spec position and exits 1.
func TestMutateListsSurvivors(t *testing.T) {
	_, rules, spec, src := cronJobCopy(t)
	os.WriteFile(spec, src, 0o644)
	code, out, errOut := detgen(t, "-q", "test", "--mutate", "--rules", rules)
	if code != 0 || !strings.Contains(out, "0 survived") {
		t.Fatalf("shipped rule: exit %d\n%s%s", code, out, errOut)
	}
	os.WriteFile(spec, addHydra(src), 0o644)
	code, out, errOut = detgen(t, "-q", "test", "--mutate", "--rules", rules)
	want := fmt.Sprintf(`%s:%d:`, spec, lineOf(string(addHydra(src)), "hydra"))
	if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, `drop value "hydra"`) || !strings.Contains(errOut, "survived") {
		t.Fatalf("exit %d, want 1 and a survivor at %s dropping hydra:\n%s%s", code, want, out, errOut)
	}
	if code, _, _ := detgen(t, "test", "--mutate", "--verbose", "--rules", rules); code != 2 {
		t.Errorf("--mutate --verbose: exit %d, want 2", code)
	}
}
