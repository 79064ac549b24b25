package idle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/shirou/gopsutil/v3/host"
	"github.com/shirou/gopsutil/v3/load"
	gnet "github.com/shirou/gopsutil/v3/net"
	"github.com/shirou/gopsutil/v3/process"
)

// Users reports logged-in users.
type Users struct{}

// Name implements Check.
func (Users) Name() string { return "users" }

// Active lists logged-in users by name.
func (Users) Active(ctx context.Context) ([]string, error) {
	us, err := host.UsersWithContext(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no utmp (containers): nobody logged in
	}
	if err != nil {
		return nil, fmt.Errorf("reading logged-in users: %w", err)
	}
	by := map[string]int{}
	for _, u := range us {
		where := u.Host
		if where == "" {
			where = u.Terminal
		}
		by[u.User+" on "+where]++
	}
	var out []string
	for k := range by {
		out = append(out, "user "+k+" logged in")
	}
	slices.Sort(out)
	return out, nil
}

// Load reports a 5-minute load average over Max.
type Load struct{ Max float64 }

// Name implements Check.
func (Load) Name() string { return "load" }

// Active reports the load when it is over Max.
func (l Load) Active(ctx context.Context) ([]string, error) {
	a, err := load.AvgWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading load: %w", err)
	}
	if a.Load5 > l.Max {
		return []string{fmt.Sprintf("load %.2f over %.2f", a.Load5, l.Max)}, nil
	}
	return nil, nil
}

// Ports reports established TCP connections to local ports (22, 445...).
type Ports struct{ Ports []uint32 }

// Name implements Check.
func (Ports) Name() string { return "ports" }

// Active counts established connections per local port and peer.
func (p Ports) Active(ctx context.Context) ([]string, error) {
	conns, err := gnet.ConnectionsWithContext(ctx, "tcp")
	if err != nil {
		return nil, fmt.Errorf("reading TCP connections: %w", err)
	}
	by := map[string]int{}
	for _, c := range conns {
		if c.Status == "ESTABLISHED" && slices.Contains(p.Ports, c.Laddr.Port) {
			by[fmt.Sprintf("%s to port %d", c.Raddr.IP, c.Laddr.Port)]++
		}
	}
	return countBy("connection", by), nil
}

// Processes reports running processes by name (a backup, a game server).
type Processes struct{ Names []string }

// Name implements Check.
func (Processes) Name() string { return "processes" }

// Active lists the configured processes that run.
func (p Processes) Active(ctx context.Context) ([]string, error) {
	procs, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing processes: %w", err)
	}
	seen := map[string]bool{}
	for _, pr := range procs {
		name, err := pr.NameWithContext(ctx)
		if err == nil && slices.Contains(p.Names, name) {
			seen[name] = true
		}
	}
	var out []string
	for n := range seen {
		out = append(out, "process "+n+" running")
	}
	slices.Sort(out)
	return out, nil
}

// Flag is a check driven by the agent itself: HA's keep-awake switch, a
// running backup job.
type Flag struct {
	Label string
	On    func() bool
}

// Name implements Check.
func (f Flag) Name() string { return strings.ReplaceAll(f.Label, " ", "_") }

// Active reports the label while the flag is on.
func (f Flag) Active(context.Context) ([]string, error) {
	if f.On() {
		return []string{f.Label}, nil
	}
	return nil, nil
}
