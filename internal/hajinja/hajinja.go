// Package hajinja renders Home Assistant templates with the real Jinja2
// (Debian's python3-jinja2), the engine HA renders value_template and
// json_attributes_template with: in a sandbox, where a missing key is
// undefined (printing as empty, failing in tojson), as in HA. Import from
// tests only.
package hajinja

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/homefleet/homefleet/internal/peer"
)

// Job is one template and the payload it renders.
type Job struct {
	Template string `json:"template"`
	Payload  string `json:"payload"` // the MQTT payload: value; value_json when it is JSON
}

// Result is what rendering gave: the output, or the error HA would log.
type Result struct {
	Out string `json:"out"`
	Err string `json:"err"`
}

// script renders each job as HA's MQTT entities do: value is the raw
// payload, value_json the parsed JSON (undefined when it is not JSON).
const script = `
import json, sys
from jinja2 import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

env = ImmutableSandboxedEnvironment(undefined=Undefined)
out = []
for job in json.load(sys.stdin):
    try:
        ctx = {"value": job["payload"]}
        try:
            ctx["value_json"] = json.loads(job["payload"])
        except ValueError:
            pass
        out.append({"out": env.from_string(job["template"]).render(**ctx).strip(), "err": ""})
    except Exception as e:
        out.append({"out": "", "err": type(e).__name__ + ": " + str(e)})
json.dump(out, sys.stdout)
`

// python is Debian's python3 with jinja2, or the test is skipped through
// the peer helper.
func python(t testing.TB) string {
	t.Helper()
	py := "/usr/bin/python3" // Debian's, with python3-jinja2
	if _, err := os.Stat(py); err != nil {
		py = peer.Binary(t, "python3", "python3-jinja2")
	}
	if err := exec.Command(py, "-c", "import jinja2").Run(); err != nil {
		peer.Missing(t, "python3 has no jinja2 (apt-get install python3-jinja2): %v", err)
	}
	return py
}

// Render renders every job in one run of python3.
func Render(t testing.TB, jobs []Job) []Result {
	t.Helper()
	return runEach[Job, Result](t, "rendering", script, jobs)
}

// runEach runs a Python script once over in (JSON on stdin) and returns
// its answer for each item (JSON on stdout), one per item.
func runEach[I, O any](t testing.TB, doing, src string, in []I) []O {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python(t), "-c", src)
	cmd.Stdin = bytes.NewReader(b)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if b, err = cmd.Output(); err != nil {
		t.Fatalf("%s with jinja2: %v\n%s", doing, err, stderr.String())
	}
	var out []O
	if err := json.Unmarshal(b, &out); err != nil || len(out) != len(in) {
		t.Fatalf("%s with jinja2: %d answers for %d items: %v", doing, len(out), len(in), err)
	}
	return out
}

// parseScript compiles each template without rendering it: HA's own
// functions and filters (states, device_attr, regex_replace...) need not
// exist for a syntax check.
const parseScript = `
import json, sys
from jinja2.sandbox import ImmutableSandboxedEnvironment

env = ImmutableSandboxedEnvironment()
out = []
for tpl in json.load(sys.stdin):
    try:
        env.parse(tpl)
        out.append("")
    except Exception as e:
        out.append(type(e).__name__ + ": " + str(e))
json.dump(out, sys.stdout)
`

// Parse syntax-checks templates with Jinja2 and returns, for each, the
// error ("" when it compiles).
func Parse(t testing.TB, templates []string) []string {
	t.Helper()
	return runEach[string, string](t, "parsing", parseScript, templates)
}
