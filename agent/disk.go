package agent

import (
	"errors"
	"time"

	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/internal/smartattr"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// DiskKey is the stable id of a disk in topics and HA: its serial (so a
// disk keeps its entities when sdb becomes sdc), else its kernel name.
func DiskKey(d smart.Disk, name string) string {
	if d.Serial != "" {
		return topic.ID(d.Serial)
	}
	return topic.ID(name)
}

// DiskToWire maps a SMART reading to the disk document.
func DiskToWire(r smart.Result, now time.Time) wire.Disk {
	d := r.Disk
	w := wire.Disk{
		V: wire.DiskVersion, TS: now.Unix(), Status: wire.DiskOK, Name: r.Name,
		Protocol: d.Protocol, Model: d.Model, Serial: d.Serial, Firmware: d.Firmware, Capacity: d.Capacity,
		RotationRPM: d.RotationRPM, Source: d.Source,
		Health:      wire.DiskHealth{Passed: d.Health.Passed, Known: d.Health.Known, Reasons: d.Health.Reasons},
		Temperature: d.Temperature, PowerOnHours: d.PowerOnHours, PowerCycles: d.PowerCycles, GrownDefects: d.GrownDefects,
	}
	if w.Health.Reasons == nil {
		w.Health.Reasons = []string{}
	}
	switch {
	case errors.Is(r.Err, smart.ErrStandby):
		w.Status = wire.DiskStandby
	case errors.Is(r.Err, smart.ErrUnsupported):
		w.Status, w.Error = wire.DiskUnsupported, r.Err.Error()
	case r.Err != nil:
		w.Status, w.Error = wire.DiskError, r.Err.Error()
	}
	if len(d.Attrs) > 0 {
		w.Attrs = make(map[string]wire.DiskAttr, len(d.Attrs))
		for _, a := range d.Attrs {
			w.Attrs[smartattr.Key(a.ID)] = wire.DiskAttr{
				ID: int(a.ID), Name: a.Name, Value: a.Value, Worst: a.Worst, Thresh: a.Thresh,
				Raw: a.Raw, Count: a.Count, Prefail: a.Prefail, WhenFailed: a.WhenFailed,
			}
		}
	}
	count := func(id uint8) *uint64 {
		if a, ok := d.Attr(id); ok {
			c := a.Count
			return &c
		}
		return nil
	}
	w.Counts = wire.DiskCounts{Reallocated: count(smartattr.Reallocated), Pending: count(smartattr.Pending),
		Uncorrectable: count(smartattr.Uncorrectable), ReportedUncor: count(smartattr.ReportedUncor)}
	if n := d.NVMe; n != nil {
		w.NVMe = &wire.NVMe{
			CriticalWarning: n.CriticalWarning, AvailableSpare: n.AvailableSpare, SpareThreshold: n.SpareThreshold,
			PercentUsed: n.PercentUsed, MediaErrors: n.MediaErrors, UnsafeShutdowns: n.UnsafeShutdowns,
			DataUnitsRead: n.DataUnitsRead, DataUnitsWritten: n.DataUnitsWritten, ErrorLogEntries: n.ErrorLogEntries,
		}
	}
	if st := d.SelfTest; st != nil {
		w.SelfTest = &wire.SelfTest{Type: st.Type, Passed: st.Passed, Status: st.Status, Hours: st.Hours}
	}
	return w
}
