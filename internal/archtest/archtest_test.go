package archtest

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDependencyRules: the module's import graph obeys every rule.
func TestDependencyRules(t *testing.T) {
	pkgs, err := List(root(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(pkgs) < 30 {
		t.Fatalf("go list found %d packages", len(pkgs))
	}
	for _, err := range Check(pkgs, Rules) {
		t.Error(err)
	}
}

// TestCheckNamesTheImport: one forbidden import fails, naming it.
func TestCheckNamesTheImport(t *testing.T) {
	pkgs := []Package{
		{ImportPath: Module + "/agent", Imports: []string{Module + "/internal/wire", Module + "/hub/internet/ddns"}},
		{ImportPath: Module + "/hub/predict", Imports: []string{"math", "net/http"}},
		{ImportPath: Module + "/agent/collect/smart", Imports: []string{Module + "/internal/smartattr", Module + "/internal/topic"}},
		{ImportPath: Module + "/internal/wire", Imports: []string{"encoding/json"}},
		{ImportPath: Module + "/internal/netid", Imports: []string{"net"}},
	}
	errs := Check(pkgs, Rules)
	var msgs []string
	for _, e := range errs {
		if !errors.Is(e, ErrRule) {
			t.Errorf("%v does not wrap ErrRule", e)
		}
		msgs = append(msgs, e.Error())
	}
	want := []string{
		"dependency rule: agent imports hub/internet/ddns: agent and hub meet only in internal/ and cmd/",
		"dependency rule: hub/predict imports net/http: the predictor is pure",
		"dependency rule: agent/collect/smart imports internal/topic: collectors know no transport",
	}
	if !slices.Equal(msgs, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

var fuzzFunc = regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)

// TestFuzzTargetsListedOnce: every fuzz target of the tree is in
// .ci/fuzz-targets exactly once, and every entry exists.
func TestFuzzTargetsListedOnce(t *testing.T) {
	dir := root(t)
	f, err := os.Open(filepath.Join(dir, ".ci", "fuzz-targets"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) != 3 {
			t.Errorf("fuzz-targets line %q: want package target count", sc.Text())
			continue
		}
		listed[strings.TrimPrefix(fields[0], "./")+" "+fields[1]]++
	}
	found := map[string]bool{}
	walkGo(t, dir, func(rel string, b []byte) {
		if !strings.HasSuffix(rel, "_test.go") {
			return
		}
		for _, m := range fuzzFunc.FindAllSubmatch(b, -1) {
			found[filepath.Dir(rel)+" "+string(m[1])] = true
		}
	})
	for k := range found {
		if listed[k] != 1 {
			t.Errorf("fuzz target %s is listed %d times in .ci/fuzz-targets, want once", k, listed[k])
		}
	}
	for k := range listed {
		if !found[k] {
			t.Errorf(".ci/fuzz-targets lists %s, which does not exist", k)
		}
	}
}

var skipCall = regexp.MustCompile(`\.(Skip|Skipf|SkipNow)\(`)

// TestSkipsGoThroughThePeerHelper: only internal/peer skips a test, so a
// missing peer or privilege fails CI (HOMEFLEET_REQUIRE_PEERS=1) instead
// of passing quietly.
func TestSkipsGoThroughThePeerHelper(t *testing.T) {
	walkGo(t, root(t), func(rel string, b []byte) {
		if filepath.Dir(rel) == filepath.Join("internal", "peer") || rel == filepath.Join("internal", "archtest", "archtest_test.go") {
			return
		}
		if loc := skipCall.FindIndex(b); loc != nil {
			t.Errorf("%s:%d skips a test itself: use peer.Missing, peer.Binary or peer.Root", rel, 1+strings.Count(string(b[:loc[0]]), "\n"))
		}
	})
}

// TestFileSizes: no Go file over 400 lines.
func TestFileSizes(t *testing.T) {
	walkGo(t, root(t), func(rel string, b []byte) {
		if n := strings.Count(string(b), "\n"); n > 400 {
			t.Errorf("%s has %d lines (split it by concern; at most 400)", rel, n)
		}
	})
}

// TestUpdateFlagEverywhere: `go test ./... -update` works because every
// package with tests links internal/golden, which registers the flag.
func TestUpdateFlagEverywhere(t *testing.T) {
	cmd := exec.Command("go", "list", "-test", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./...")
	cmd.Dir = root(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(out)) {
		path, deps, _ := strings.Cut(strings.TrimSpace(line), " ")
		if !strings.HasSuffix(path, ".test") {
			continue // the test binary links everything the tests import
		}
		if !slices.Contains(strings.Fields(deps), Module+"/internal/golden") {
			t.Errorf("%s does not link internal/golden: go test ./... -update would fail there", strings.TrimSuffix(path, ".test"))
		}
	}
}

func walkGo(t *testing.T, dir string, fn func(rel string, b []byte)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fn(rel, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
