package agent

import (
	"context"
	"runtime"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/idle"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/agent/evacuate"
	"github.com/homefleet/homefleet/internal/config"
	"github.com/homefleet/homefleet/internal/netid"
)

// The collectors' contracts, as the agent uses them.
type (
	hostReader interface {
		Collect(ctx context.Context) (host.Sample, error)
		Facts(ctx context.Context) (host.Facts, error)
	}
	netReader  func() ([]netid.Interface, error)
	diskReader interface {
		Collect(ctx context.Context) ([]smart.Result, error)
	}
	layoutReader func() (map[string]evacuate.Layout, error)
)

// Collectors is the agent's one registry of collectors: what it reads
// from this machine, in the order it reads them, one package each (under
// collect/, except netid, which the hub shares and which lives in
// internal/). None knows MQTT, topics or HA; the agent maps what they read
// to wire documents. Adding a collector is a package and a field here.
type Collectors struct {
	Host  hostReader   // collect/host: CPU, load, memory, filesystems, throughput, temperatures, facts
	Idle  []idle.Check // collect/idle: what keeps this machine awake
	Net   netReader    // internal/netid: MACs, addresses, broadcasts, WoL armed
	Disks diskReader   // collect/smart: every disk's SMART; nil when collect.skip_smart
	// Layout is where each disk's data lives (mounts, SMB shares), by
	// kernel name, published with the disk's facts (agent/evacuate; nil:
	// not read, as on Windows).
	Layout layoutReader
}

// DefaultCollectors builds every collector cfg turns on.
func DefaultCollectors(cfg config.Agent) Collectors {
	c := Collectors{
		Host: host.New(HostSource(cfg)),
		Idle: idleChecks(cfg.Idle),
		Net:  netid.Collect,
	}
	if !cfg.Collect.SkipSMART {
		c.Disks = smart.New()
		if runtime.GOOS == "linux" {
			c.Layout = evacuate.System(cfg.Idle.SMBConf).Read
		}
	}
	return c
}

// HostSource is this machine's host source as cfg configures it: mounts
// are re-listed once per heartbeat.
func HostSource(cfg config.Agent) *host.OSSource {
	every := int(cfg.Collect.Heartbeat / cfg.Collect.Interval)
	return host.NewSource(host.Options{
		Interfaces: cfg.Collect.Interfaces, IncludeVirtual: cfg.Collect.IncludeVirtual,
		ExcludeMounts: cfg.Collect.ExcludeMounts, MountsEvery: every,
	})
}

// idleChecks builds the configured activity checks; logged-in users
// always count.
func idleChecks(c config.Idle) []idle.Check {
	checks := []idle.Check{idle.Users{}}
	if c.SMB {
		smb := idle.SMB{}
		if c.SMBConf != "" {
			smb.Args = []string{"-s", c.SMBConf}
		}
		checks = append(checks, smb)
	}
	if c.NFS {
		checks = append(checks, idle.NFS{})
	}
	if c.LoadMax > 0 {
		checks = append(checks, idle.Load{Max: c.LoadMax})
	}
	if len(c.Ports) > 0 {
		checks = append(checks, idle.Ports{Ports: c.Ports})
	}
	if len(c.Processes) > 0 {
		checks = append(checks, idle.Processes{Names: c.Processes})
	}
	return checks
}
