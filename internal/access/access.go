// Package access is the one table of who may do what on the broker. The
// embedded broker's auth hook enforces it (internal/broker) and
// `homefleet acl` renders it as Mosquitto's password and ACL files, so
// both brokers grant the same: an agent writes only its own topics and
// discovery and reads its own commands; the hub may use both roots; the
// Home Assistant user reads everything and writes commands and its
// birth; anyone else gets nothing.
package access

import (
	"errors"
	"fmt"
	"strings"

	"github.com/homefleet/homefleet/internal/topic"
)

// Role is what a login is for.
type Role string

// Roles.
const (
	RoleHub   Role = "hub"
	RoleAgent Role = "agent" // the login's name is the agent's device id
	RoleHA    Role = "homeassistant"
	// RoleFull reads and writes everything: the HA Mosquitto add-on's own
	// users (homeassistant, addons) need it.
	RoleFull Role = "full"
)

// Roles lists every role, in the order files list them.
func Roles() []Role { return []Role{RoleHub, RoleHA, RoleFull, RoleAgent} }

// ErrRole is a role this version does not know.
var ErrRole = errors.New("unknown role")

// Access is what a rule grants on its filter.
type Access int

// Access kinds; ReadWrite is both.
const (
	Read      Access = 1
	Write     Access = 2
	ReadWrite Access = Read | Write
)

func (a Access) String() string {
	switch a {
	case Read:
		return "read"
	case Write:
		return "write"
	case ReadWrite:
		return "readwrite"
	}
	return fmt.Sprintf("access(%d)", int(a))
}

// Rule grants access to the topics a filter matches.
type Rule struct {
	Filter string
	Access Access
}

// Rules is what a login of role r named name may do under scheme sc.
func Rules(sc topic.Scheme, r Role, name string) ([]Rule, error) {
	switch r {
	case RoleHub:
		return []Rule{{sc.Everything(), ReadWrite}, {sc.EverythingHA(), ReadWrite}}, nil
	case RoleHA:
		return []Rule{{"#", Read}, {sc.EveryCommand(), Write}, {sc.HAStatus(), Write}}, nil
	case RoleFull:
		return []Rule{{"#", ReadWrite}}, nil
	case RoleAgent:
		id := topic.ID(name)
		return []Rule{
			{sc.Status(id), Write}, {sc.Net(id), Write}, {sc.Event(id), Write},
			{sc.Disks(id), Write}, {sc.Evacuations(id), Write}, {sc.Probes(id), Write}, {sc.OwnDiscovery(id), Write},
			{sc.State(id), ReadWrite}, {sc.Claim(id), ReadWrite}, // read back: the claim check
			{sc.Commands(id), Read}, {sc.HAStatus(), Read},
		}, nil
	}
	return nil, fmt.Errorf("%w %q (want %s)", ErrRole, r, roleNames())
}

func roleNames() string {
	var names []string
	for _, r := range Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

// Allowed reports whether rules let a client write to topic (write) or
// subscribe to filter / receive topic (!write). A subscription is allowed
// only when a read rule covers all of it: an agent may not subscribe to
// homefleet/+/cmd/# to read another agent's commands.
func Allowed(rules []Rule, t string, write bool) bool {
	want := Read
	if write {
		want = Write
	}
	for _, r := range rules {
		if r.Access&want != 0 && Covers(r.Filter, t) {
			return true
		}
	}
	return false
}

// Covers reports whether every topic that filter f matches is matched by
// grant g. With a plain topic for f it is MQTT topic matching, including
// the rule that a wildcard first level never matches a $-topic ($SYS).
func Covers(g, f string) bool {
	if strings.HasPrefix(f, "$") && (strings.HasPrefix(g, "+") || strings.HasPrefix(g, "#")) {
		return false
	}
	gl, fl := strings.Split(g, "/"), strings.Split(f, "/")
	for i, lvl := range gl {
		switch {
		case lvl == "#":
			return true // covers the parent level too: a/# matches a
		case i >= len(fl):
			return false
		case fl[i] == "#":
			return false // f reaches deeper than g
		case lvl == "+":
			continue
		case lvl != fl[i]:
			return false // a literal covers only itself, not a + of f
		}
	}
	return len(gl) == len(fl)
}

// defaultScheme only checks roles; rules are built with the caller's.
var defaultScheme = topic.Default() //nolint:gochecknoglobals // immutable
