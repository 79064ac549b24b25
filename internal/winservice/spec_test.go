package winservice

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/golden"
)

// The specs are the contract with the SCM and with users' scripts (`sc
// query homefleet-agent`, event log filters): a golden file holds them.
func TestServiceSpecs(t *testing.T) {
	specs, err := Specs("", `C:\ProgramData\homefleet`, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[0].Name != "homefleet-agent" || specs[1].Name != "homefleet-hub" {
		t.Fatalf("specs %+v", specs)
	}
	for _, s := range specs {
		if !s.Delayed {
			t.Errorf("%s: not delayed automatic start", s.Name)
		}
		if len(s.Restart) < 2 || !slices.IsSorted(s.Restart) || s.Restart[0] == s.Restart[len(s.Restart)-1] {
			t.Errorf("%s: restart delays %v do not back off", s.Name, s.Restart)
		}
		if s.Args[0] != s.Role || s.Args[1] != "--config" || !strings.HasSuffix(s.Args[2], s.Role+".yaml") {
			t.Errorf("%s: args %v", s.Name, s.Args)
		}
		if filepath.Base(s.LogFile) != s.Role+".log" || s.LogMax <= 0 || s.StopWait <= 0 {
			t.Errorf("%s: log %s max %d, stop wait %s", s.Name, s.LogFile, s.LogMax, s.StopWait)
		}
	}
	golden.JSON(t, "specs.json", specs)
}

func TestServiceRoleAndConfig(t *testing.T) {
	s, err := Specs("hub", `D:\hf`, `D:\conf\my hub.yaml`)
	if err != nil || len(s) != 1 || s[0].Args[2] != `D:\conf\my hub.yaml` {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := Specs("nas", "", ""); !errors.Is(err, ErrUnknownRole) || !strings.Contains(err.Error(), `"nas"`) {
		t.Fatalf("unknown role: %v", err)
	}
	if _, err := Specs("", "", "x.yaml"); !errors.Is(err, ErrUnknownRole) {
		t.Fatalf("a config for both roles: %v", err)
	}
}
