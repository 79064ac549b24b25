package smart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	sg "github.com/anatol/smart.go"

	"github.com/homefleet/homefleet/internal/smartattr"
)

// listDisks returns the physical disks of /sys/block: members of md and
// LVM are real disks and are kept; loop, ram, zram, dm, md, optical and
// floppy devices are left out.
func listDisks() ([]string, error) {
	entries, err := os.ReadDir("/sys/block")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if skipBlock(name) {
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

func skipBlock(name string) bool {
	for _, p := range []string{"loop", "ram", "zram", "dm-", "md", "sr", "fd", "nbd", "rbd", "zd"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func devicePath(name string) string {
	if strings.HasPrefix(name, "/") {
		return name
	}
	return "/dev/" + name
}

// runtimeSuspended reports a disk the kernel has runtime-suspended: any
// command would wake it.
func runtimeSuspended(name string) bool {
	b, err := os.ReadFile(filepath.Join("/sys/block", name, "device/power/runtime_status"))
	return err == nil && strings.TrimSpace(string(b)) == "suspended"
}

func rotational(name string) bool {
	b, err := os.ReadFile(filepath.Join("/sys/block", name, "queue/rotational"))
	return err == nil && strings.TrimSpace(string(b)) == "1"
}

// nativeReader reads NVMe and SSDs through smart.go. Spinning disks go to
// smartctl (ErrUnsupported), because only smartctl can check the ATA power
// mode without spinning the disk up (smart.go has no CHECK POWER MODE).
type nativeReader struct{}

func (nativeReader) Read(_ context.Context, name string) (Disk, error) {
	if runtimeSuspended(name) {
		return Disk{Name: name, Standby: true}, ErrStandby
	}
	if rotational(name) {
		return Disk{}, fmt.Errorf("%w: spinning disk, read with smartctl -n standby", ErrUnsupported)
	}
	dev, err := sg.Open(devicePath(name))
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return Disk{}, fmt.Errorf("opening %s: %w", name, ErrPermission)
		}
		return Disk{}, fmt.Errorf("%w: %s: %w", ErrUnsupported, name, err)
	}
	defer dev.Close()
	switch d := dev.(type) {
	case *sg.NVMeDevice:
		return readNVMe(name, d)
	case *sg.SataDevice:
		return readSata(name, d)
	default:
		return Disk{}, fmt.Errorf("%w: %s is %s (SCSI/SAS needs smartctl)", ErrUnsupported, name, dev.Type())
	}
}

func readNVMe(name string, dev *sg.NVMeDevice) (Disk, error) {
	ctrl, _, err := dev.Identify()
	if err != nil {
		return Disk{}, fmt.Errorf("identifying %s: %w", name, err)
	}
	l, err := dev.ReadSMART()
	if err != nil {
		return Disk{}, fmt.Errorf("reading NVMe health log of %s: %w", name, err)
	}
	d := Disk{
		Name: name, Protocol: NVMe, Model: strings.TrimSpace(ctrl.ModelNumber()), Serial: strings.TrimSpace(ctrl.SerialNumber()),
		Firmware: strings.TrimSpace(ctrl.FirmwareRev()), Capacity: ctrl.Tnvmcap.Val[0], RotationRPM: 0, Source: "smart.go",
		NVMe: &NVMeHealth{
			CriticalWarning: l.CritWarning, AvailableSpare: int(l.AvailSpare), SpareThreshold: int(l.SpareThresh),
			PercentUsed: int(l.PercentUsed), MediaErrors: l.MediaErrors.Val[0], UnsafeShutdowns: l.UnsafeShutdowns.Val[0],
			DataUnitsRead: l.DataUnitsRead.Val[0], DataUnitsWritten: l.DataUnitsWritten.Val[0], ErrorLogEntries: l.NumErrLogEntries.Val[0],
		},
	}
	temp := float64(l.Temperature) - 273.15
	poh, pc := l.PowerOnHours.Val[0], l.PowerCycles.Val[0]
	d.Temperature, d.PowerOnHours, d.PowerCycles = &temp, &poh, &pc
	d.deriveHealth(nil)
	return d, nil
}

func readSata(name string, dev *sg.SataDevice) (Disk, error) {
	id, err := dev.Identify()
	if err != nil {
		return Disk{}, fmt.Errorf("identifying %s: %w", name, err)
	}
	_, capacity, _, _, _ := id.Capacity()
	d := Disk{
		Name: name, Protocol: ATA, Model: id.ModelNumber(), Serial: id.SerialNumber(), Firmware: id.FirmwareRevision(),
		Capacity: capacity, RotationRPM: 0, Source: "smart.go",
	}
	page, err := dev.ReadSMARTData()
	if err != nil {
		return Disk{}, fmt.Errorf("reading SMART data of %s: %w", name, err)
	}
	thr, err := dev.ReadSMARTThresholds()
	if err != nil {
		thr = &sg.AtaSmartThresholdsPage{}
	}
	for attrID, a := range page.Attrs {
		t := int(thr.Thresholds[attrID])
		prefail := a.Flags&sg.AtaAttributeFlagPrefailure != 0
		if !smartattr.IsTracked(attrID) && !(prefail && t > 0 && int(a.Current) <= t) {
			continue
		}
		at := Attr{ID: attrID, Name: a.Name, Value: int(a.Current), Worst: int(a.Worst), Thresh: t,
			Raw: a.ValueRaw, Count: decodeCount(attrID, a.ValueRaw), Prefail: prefail}
		switch {
		case prefail && t > 0 && int(a.Current) <= t:
			at.WhenFailed = "now"
		case prefail && t > 0 && int(a.Worst) <= t:
			at.WhenFailed = "past"
		}
		d.Attrs = append(d.Attrs, at)
	}
	sort.Slice(d.Attrs, func(i, j int) bool { return d.Attrs[i].ID < d.Attrs[j].ID })
	if a, ok := d.Attr(194); ok {
		c := float64(a.Count)
		d.Temperature = &c
	}
	if a, ok := d.Attr(9); ok {
		d.PowerOnHours = &a.Count
	}
	if a, ok := d.Attr(12); ok {
		d.PowerCycles = &a.Count
	}
	d.deriveHealth(nil)
	return d, nil
}
