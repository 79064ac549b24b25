package access_test

import (
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/peer"
	"github.com/homefleet/homefleet/internal/topic"
)

func TestCovers(t *testing.T) {
	for _, c := range []struct {
		grant, filter string
		want          bool
	}{
		{"homefleet/nas/cmd/#", "homefleet/nas/cmd/sleep", true},
		{"homefleet/nas/cmd/#", "homefleet/nas/cmd", true}, // a/# matches a
		{"homefleet/nas/cmd/#", "homefleet/nas/cmd/#", true},
		{"homefleet/nas/cmd/#", "homefleet/+/cmd/#", false}, // would include pc's
		{"homefleet/nas/cmd/#", "homefleet/#", false},
		{"homefleet/nas/cmd/#", "#", false},
		{"homefleet/+/cmd/#", "homefleet/nas/cmd/run/backup", true},
		{"homefleet/+/cmd/#", "homefleet/+/cmd/wake", true},
		{"homefleet/nas/disk/+", "homefleet/nas/disk/sda", true},
		{"homefleet/nas/disk/+", "homefleet/nas/disk/sda/x", false},
		{"homefleet/nas/disk/+", "homefleet/nas/disk", false},
		{"homefleet/nas/state", "homefleet/nas/state", true},
		{"homefleet/nas/state", "homefleet/nas/status", false},
		{"#", "anything/at/all", true},
		{"#", "$SYS/broker/uptime", false},
		{"+/broker/uptime", "$SYS/broker/uptime", false},
		{"$SYS/#", "$SYS/broker/uptime", true},
	} {
		if got := access.Covers(c.grant, c.filter); got != c.want {
			t.Errorf("Covers(%q, %q) = %t, want %t", c.grant, c.filter, got, c.want)
		}
	}
}

func TestUnknownRoleNamesTheRoles(t *testing.T) {
	_, err := access.Rules(topic.Default(), "admin", "x")
	if !errors.Is(err, access.ErrRole) || !strings.Contains(err.Error(), "agent") {
		t.Errorf("got %v", err)
	}
}

// TestPasswdLineIsMosquittos: the line for a salt mosquitto_passwd chose is
// the line mosquitto_passwd wrote.
func TestPasswdLineIsMosquittos(t *testing.T) {
	bin := peer.Binary(t, "mosquitto_passwd", "mosquitto")
	path := filepath.Join(t.TempDir(), "passwd")
	if out, err := exec.Command(bin, "-c", "-b", path, "nas", "s3cr3t:with$odd chars").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(b))
	parts := strings.Split(want, "$") // nas: 7 101 salt hash
	if len(parts) != 5 || parts[1] != "7" {
		t.Fatalf("mosquitto_passwd wrote %q, not the $7$ format", want)
	}
	salt, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil {
		t.Fatal(err)
	}
	if got := access.PasswdLine(access.Login{Name: "nas", Password: "s3cr3t:with$odd chars"}, salt); got != want {
		t.Errorf("PasswdLine:\n got %s\nwant %s", got, want)
	}
}

// TestEnsureKeepsAndAdds: logins survive a restart unchanged, a new agent
// gets one, the file is the owner's only, and a bad file names the field.
func TestEnsureKeepsAndAdds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "credentials.yaml")
	first, created, err := access.Ensure(path, access.Fleet("homeassistant", []string{"nas"}))
	if err != nil || len(created) != 3 {
		t.Fatalf("created %v, %v", created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file mode %v (%v), want 0600", st.Mode(), err)
	}
	if d, _ := os.Stat(filepath.Dir(path)); d.Mode().Perm() != 0o700 {
		t.Errorf("credentials directory mode %v, want 0700", d.Mode())
	}
	again, created, err := access.Ensure(path, access.Fleet("homeassistant", []string{"nas", "pc"}))
	if err != nil || len(created) != 1 || created[0] != "pc" {
		t.Fatalf("second start created %v, %v", created, err)
	}
	for _, l := range first {
		if l2, _ := access.Find(again, l.Name); l2.Password != l.Password || len(l.Password) < 32 {
			t.Errorf("%s: password changed or short", l.Name)
		}
	}
	if _, _, err := access.Ensure(path, []access.Want{{Name: "pc", Role: access.RoleHub}}); err == nil || !strings.Contains(err.Error(), `"pc" has role agent`) {
		t.Errorf("a login wanted under another role: %v", err)
	}
	if s := again[0].String(); strings.Contains(s, again[0].Password) {
		t.Errorf("Login.String shows the password: %s", s)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("logins:\n  - {name: nas, role: admin, password: x}\n  - {name: NAS, role: agent}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = access.Load(bad)
	for _, want := range []string{"logins[0].role", "logins[1].name", "logins[1].password"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in %v", want, err)
		}
	}
}
