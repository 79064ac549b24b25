//go:build !agentonly

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/topic"
)

// outFile is one file `homefleet acl` renders.
type outFile struct {
	name, body string
}

func runACL(_ context.Context, args []string, e env) error {
	fs := flags("acl [--config hub.yaml] [--out DIR] [--addon] [--url mqtt://HOST:PORT]",
		"Renders the fleet of the hub config (logins.agents, the hub, Home Assistant) for an external Mosquitto:\n"+
			"a password file ($7$ PBKDF2-SHA512, as mosquitto_passwd writes), an ACL file, the mosquitto.conf lines,\n"+
			"and the mqtt: snippet of the hub and of each agent. Logins missing from logins.file are generated there.\n"+
			"--addon renders for Home Assistant's Mosquitto add-on instead (its logins option and customize folder).\n"+
			"Without --out everything goes to stdout, passwords included: it is what you paste.", e)
	path := fs.String("config", "", "hub config file (logins.agents, logins.file, mqtt.topic_base)")
	out := fs.String("out", "", "write the files into this directory (0600) instead of printing them")
	addon := fs.Bool("addon", false, "for Home Assistant's Mosquitto add-on")
	url := fs.String("url", "", "the broker URL for the snippets (default: the hub's mqtt.url)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := config.LoadHub(*path, e.lookup)
	if err != nil {
		return err
	}
	if *url == "" {
		*url = cfg.MQTT.URL
	}
	if *url == "" {
		*url = "mqtt://BROKER-ADDRESS:1883"
	}
	want := access.Fleet(cfg.Logins.HAUsername, cfg.Logins.Agents)
	if *addon {
		want = want[:1] // HA uses the add-on's own homeassistant login
		for _, a := range cfg.Logins.Agents {
			want = append(want, access.Want{Name: a, Role: access.RoleAgent})
		}
	}
	logins, created, err := access.Ensure(cfg.Logins.File, want)
	if err != nil {
		return err //nolint:wrapcheck // names the file
	}
	files, err := aclFiles(cfg.MQTT.Scheme(), pick(logins, want), *url, *addon)
	if err != nil {
		return err
	}
	if len(created) > 0 {
		fmt.Fprintf(e.stderr, "generated logins %s into %s\n", strings.Join(created, ", "), cfg.Logins.File)
	}
	if *out == "" {
		for _, f := range files {
			fmt.Fprintf(e.stdout, "==> %s <==\n%s\n", f.name, f.body)
		}
		return nil
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("creating --out: %w", err)
	}
	for _, f := range files {
		p := filepath.Join(*out, f.name)
		if err := os.WriteFile(p, []byte(f.body), 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		fmt.Fprintln(e.stdout, p)
	}
	return nil
}

// pick is the logins of want, in want's order.
func pick(logins []access.Login, want []access.Want) []access.Login {
	var out []access.Login
	for _, w := range want {
		if l, ok := access.Find(logins, w.Name); ok {
			out = append(out, l)
		}
	}
	return out
}

func aclFiles(sc topic.Scheme, logins []access.Login, url string, addon bool) ([]outFile, error) {
	aclLogins := logins
	var files []outFile
	if addon {
		// The add-on's own users must keep full access (its DOCS.md).
		aclLogins = append([]access.Login{{Name: "homeassistant", Role: access.RoleFull}, {Name: "addons", Role: access.RoleFull}}, logins...)
	}
	acl, err := access.ACLFile(sc, aclLogins)
	if err != nil {
		return nil, fmt.Errorf("rendering the ACL: %w", err)
	}
	if addon {
		var lg strings.Builder
		lg.WriteString("# Settings > Add-ons > Mosquitto broker > Configuration, option logins:\nlogins:\n")
		for _, l := range logins {
			fmt.Fprintf(&lg, "  - username: %s\n    password: %q\n", l.Name, l.Password)
		}
		lg.WriteString("# and option customize: {active: true, folder: mosquitto}\n")
		files = append(files,
			outFile{"addon-logins.yaml", lg.String()},
			outFile{"acl.conf", "# copy to /share/mosquitto/acl.conf\nacl_file /share/mosquitto/accesscontrollist\n"},
			outFile{"accesscontrollist", string(acl)})
	} else {
		files = append(files,
			outFile{"passwd", string(access.Passwd(logins))},
			outFile{"acl", string(acl)},
			outFile{"mosquitto.conf", "# add to mosquitto.conf (paths where you put the two files), then restart mosquitto\n" +
				"allow_anonymous false\npassword_file /etc/mosquitto/homefleet.passwd\nacl_file /etc/mosquitto/homefleet.acl\n"})
	}
	for _, l := range logins {
		switch l.Role {
		case access.RoleHub:
			files = append(files, outFile{"hub.yaml", mqttSnippet("the hub's config", url, l)})
		case access.RoleAgent:
			files = append(files, outFile{"agent-" + l.Name + ".yaml", mqttSnippet("the config of agent "+l.Name, url, l) + "device:\n  id: " + l.Name + "\n"})
		case access.RoleHA:
			files = append(files, outFile{"homeassistant.txt", fmt.Sprintf(
				"Home Assistant: Settings > Devices & services > Add integration > MQTT\n  broker: the host of %s\n  username: %s\n  password: %s\n", url, l.Name, l.Password)})
		}
	}
	return files, nil
}

func mqttSnippet(what, url string, l access.Login) string {
	return fmt.Sprintf("# mqtt section of %s\nmqtt:\n  url: %q\n  username: %s\n  password: %q\n", what, url, l.Name, l.Password)
}
