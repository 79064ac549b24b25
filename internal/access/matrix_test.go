package access_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/access/accesstest"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
)

var fleet = []access.Login{
	{Name: "hub", Role: access.RoleHub, Password: "hub-secret-1"},
	{Name: "homeassistant", Role: access.RoleHA, Password: "ha-secret-2"},
	{Name: "nas", Role: access.RoleAgent, Password: "nas-secret-3"},
	{Name: "pc", Role: access.RoleAgent, Password: "pc-secret-4"},
}

// TestMosquittoEnforcesTheTable starts the real Mosquitto with the
// password and ACL files this package renders and runs the matrix.
func TestMosquittoEnforcesTheTable(t *testing.T) {
	dir := t.TempDir()
	acl, err := access.ACLFile(topic.Default(), fleet)
	if err != nil {
		t.Fatal(err)
	}
	passwd, aclPath := filepath.Join(dir, "passwd"), filepath.Join(dir, "acl")
	if err := os.WriteFile(passwd, access.Passwd(fleet), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(aclPath, acl, 0o600); err != nil {
		t.Fatal(err)
	}
	m := testbroker.StartMosquittoWith(t, testbroker.MosquittoConfig{Extra: "password_file " + passwd + "\nacl_file " + aclPath})
	accesstest.Run(t, m.URL(), fleet)
}

// TestEmbeddedBrokerEnforcesTheTable runs the same matrix on the embedded
// broker with a credentials file.
func TestEmbeddedBrokerEnforcesTheTable(t *testing.T) {
	b, _ := testbroker.EmbeddedWithLogins(t, fleet...)
	accesstest.Run(t, b.URL(), fleet)
}
