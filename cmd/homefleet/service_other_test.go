//go:build !windows

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The service command checks its verb and role on every OS and, off
// Windows, says how the systemd units do the same. What it does on
// Windows is the winservice package's, tested there behind its loop (on
// Windows this test would touch the real service manager, hence the tag).
func TestServiceCommand(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"service"}, exitUsage, "a verb is needed"},
		{[]string{"service", "restart"}, exitUsage, `unknown verb "restart"`},
		{[]string{"service", "install", "nas"}, exitUsage, `unknown service role "nas"`},
		{[]string{"service", "install", "--config", "x.yaml", "hub", "extra"}, exitUsage, `unexpected argument "hub"`},
		{[]string{"service", "status"}, exitError, "systemctl status homefleet-agent"},
		{[]string{"service", "install", "hub", "--config", "/etc/homefleet/hub.yaml"}, exitError, "systemctl enable --now homefleet-agent"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), c.args, &out, &errb, func(string) (string, bool) { return "", false })
		if code != c.code || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", c.args, code, errb.String(), c.code, c.want)
		}
		if n := strings.Count(errb.String(), "only on Windows"); n > 1 {
			t.Errorf("%v: said %d times that services are Windows-only", c.args, n)
		}
	}
}
