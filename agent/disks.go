package agent

import (
	"context"
	"errors"
	"maps"
	"time"

	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/agent/evacuate"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// diskLoop reads SMART on its own interval (a read can take seconds and
// must not delay host metrics) and publishes one document per disk.
type diskLoop struct {
	a         *Agent
	r         diskReader
	interval  time.Duration
	refresh   chan struct{}
	connected chan struct{}

	last      map[string]wire.Disk // by disk key
	published map[string]bool      // discovery sent for these keys
	permWarn  bool
	layout    layoutReader // nil: mounts and shares not read
	layoutErr bool         // the layout failed to read (warned once)
}

// newDiskLoop reads r every interval and publishes through a's session.
func newDiskLoop(a *Agent, r diskReader, interval time.Duration) *diskLoop {
	return &diskLoop{a: a, r: r, interval: interval, refresh: make(chan struct{}, 1), connected: make(chan struct{}, 1),
		last: map[string]wire.Disk{}, published: map[string]bool{}}
}

// Name implements service.Service.
func (l *diskLoop) Name() string { return "disks" }

// Announce republishes every disk's discovery and document.
func (l *diskLoop) Announce() { service.Nudge(l.connected) }

// Refresh asks for a read now (cmd/refresh).
func (l *diskLoop) Refresh() { service.Nudge(l.refresh) }

// Run reads and publishes until ctx ends.
func (l *diskLoop) Run(ctx context.Context) error {
	tick := time.NewTicker(l.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			l.read(ctx)
		case <-l.refresh:
			l.read(ctx)
		case <-l.connected:
			if len(l.last) == 0 {
				l.read(ctx)
				continue
			}
			l.published = map[string]bool{}
			l.publish(ctx, maps.Clone(l.last))
		}
	}
}

// read collects every disk and publishes; a disk that vanished has its
// HA device and retained document removed.
func (l *diskLoop) read(ctx context.Context) {
	results, err := l.r.Collect(ctx)
	if err != nil {
		l.a.opts.Log.Warn("reading disks", "err", err)
		return
	}
	now := l.a.opts.Now()
	next := map[string]wire.Disk{}
	layouts := l.readLayout()
	for _, r := range results {
		key := DiskKey(r.Disk, r.Name)
		if prev, ok := l.lastByName(r.Name); ok && r.Disk.Serial == "" && errors.Is(r.Err, smart.ErrStandby) {
			key = prev
		}
		d := DiskToWire(r, now)
		if d.Status == wire.DiskStandby {
			if prev, ok := l.last[key]; ok { // keep the last values; say standby
				prev.Status, prev.TS = wire.DiskStandby, now.Unix()
				d = prev
			}
		}
		if errors.Is(r.Err, smart.ErrPermission) && !l.permWarn {
			l.a.opts.Log.Warn("cannot read SMART: run the agent as root or grant it CAP_SYS_RAWIO and CAP_SYS_ADMIN (systemd: AmbientCapabilities=CAP_SYS_RAWIO CAP_SYS_ADMIN); disk entities stay unavailable", "disk", r.Name)
			l.permWarn = true
		} else if r.Err != nil && !errors.Is(r.Err, smart.ErrStandby) && !errors.Is(r.Err, smart.ErrPermission) {
			l.a.opts.Log.Debug("disk not read", "disk", r.Name, "err", r.Err)
		}
		lay := layouts[r.Name]
		d.Mounts, d.Shares = lay.Mounts, lay.Shares
		if l.a.evac != nil {
			l.a.evac.known(key, lay.Mounts)
		}
		next[key] = d
	}
	for key, d := range l.last {
		if _, still := next[key]; !still {
			l.a.opts.Log.Info("disk removed", "disk", d.Name, "serial", d.Serial)
			sc, id := l.a.opts.Scheme, l.a.opts.ID
			_ = l.a.pub.Publish(ctx, sc.NodeDiscovery(id, topic.DiskNode(id, key)), nil, true)
			_ = l.a.pub.Publish(ctx, sc.Disk(id, key), nil, true)
			delete(l.published, key)
		}
	}
	l.last = next
	l.publish(ctx, next)
}

// readLayout is where each disk's data lives, by kernel name (empty when
// not read; a failure is warned once).
func (l *diskLoop) readLayout() map[string]evacuate.Layout {
	if l.layout == nil {
		return nil
	}
	lay, err := l.layout()
	if err != nil {
		if !l.layoutErr {
			l.a.opts.Log.Warn("reading mounts and shares; disks show none", "err", err)
			l.layoutErr = true
		}
		return nil
	}
	l.layoutErr = false
	return lay
}

func (l *diskLoop) lastByName(name string) (string, bool) {
	for k, d := range l.last {
		if d.Name == name {
			return k, true
		}
	}
	return "", false
}

func (l *diskLoop) publish(ctx context.Context, disks map[string]wire.Disk) {
	sc, id := l.a.opts.Scheme, l.a.opts.ID
	for key, d := range disks {
		if !l.published[key] {
			p := discovery.DiskPayload(discovery.Host{ID: id, Name: l.a.DeviceName(), Evacuate: l.a.evac != nil}, key, l.a.opts.Version, d, sc)
			if !l.a.send(ctx, sc.NodeDiscovery(id, topic.DiskNode(id, key)), p, true) {
				continue
			}
			l.published[key] = true
		}
		l.a.send(ctx, sc.Disk(id, key), d, true)
	}
}
