package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/agent/collect/smart"
	"github.com/homefleet/homefleet/agent/power/powertest"
	"github.com/homefleet/homefleet/discovery"
	"github.com/homefleet/homefleet/internal/testbroker"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// virtioDisks is a host with a serial-less virtio disk (no SMART) and a
// disk with a serial of its own.
type virtioDisks struct{ serial string }

func (v virtioDisks) Collect(context.Context) ([]smart.Result, error) {
	return []smart.Result{
		{Name: "vda", Err: fmt.Errorf("reading vda with smartctl: %w (/dev/vda: Unable to detect device type)", smart.ErrUnsupported)},
		{Name: "sda", Disk: smart.Disk{Name: "sda", Protocol: smart.ATA, Model: "WDC WD40EFRX", Serial: v.serial, Health: smart.Health{Known: true, Passed: true}}},
	}, nil
}

// TestTwoHostsShareNoHADevice runs two agents on one broker: every HA
// device identifier belongs to one host, though both have a vda.
func TestTwoHostsShareNoHADevice(t *testing.T) {
	b := testbroker.Embedded(t)
	w := testbroker.Watch(t, b.URL(), "homeassistant/device/#")
	for _, id := range []string{"nas0000000a1", "pc00000000b2"} {
		cfg := testConfig(b.URL(), time.Second)
		cfg.Device.ID = id
		cfg.Collect.SMARTInterval = time.Hour
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		log, _ := testbroker.Logger(t)
		go func() {
			done <- Run(ctx, cfg, Deps{Version: "1.0.0", Log: log, Power: &powertest.Recorder{},
				Collectors: &Collectors{Host: host.New(hosttest.NewFake()), Disks: virtioDisks{serial: "WD-" + strings.ToUpper(id)}}})
		}()
		t.Cleanup(func() { cancel(); <-done })
	}
	sc := topic.Default()
	want := []string{topic.DiskNode("nas0000000a1", "vda"), topic.DiskNode("pc00000000b2", "vda")}
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		return w.Has(sc.NodeDiscovery("nas0000000a1", want[0]), nil) && w.Has(sc.NodeDiscovery("pc00000000b2", want[1]), nil)
	}) {
		t.Fatalf("disk discovery missing; saw %v", topics(w))
	}
	owner := map[string]string{} // HA device identifier -> the agent whose discovery names it
	for tp, payload := range w.Snapshot() {
		agentID, node, _ := sc.ParseDiscovery(tp) // the owner level of the topic
		var p discovery.Payload
		if err := json.Unmarshal(payload, &p); err != nil {
			t.Fatal(err)
		}
		for _, ident := range p.Device.Identifiers {
			if other, seen := owner[ident]; seen && other != agentID {
				t.Errorf("HA device %s is published by %s and %s: their devices would merge", ident, other, agentID)
			}
			owner[ident] = agentID
		}
		if strings.HasSuffix(node, "_vda") && !strings.Contains(p.Device.Name, " on ") {
			t.Errorf("disk device name %q does not say which host it is on", p.Device.Name)
		}
	}
	checkHA(t, w)
}

// TestIDTakenByAnotherMachine: a second machine under the same id (a
// cloned disk image) refuses to start, naming both machines, until told
// to take the id over; the reserved id of the hub is refused outright.
func TestIDTakenByAnotherMachine(t *testing.T) {
	b := testbroker.Embedded(t)
	cfg := testConfig(b.URL(), time.Second)
	deps := func(machine string) Deps {
		return Deps{Version: "1.0.0", Power: &powertest.Recorder{}, Machine: machine, Collectors: &Collectors{Host: host.New(hosttest.NewFake())}}
	}
	w := testbroker.Watch(t, b.URL(), "homefleet/#")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, deps("a1a1a1a1a1a1")) }()
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool { return w.Has(topic.Default().State(testID), nil) }) {
		t.Fatal("first machine published no state")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	err := Run(context.Background(), cfg, deps("b2b2b2b2b2b2"))
	if !errors.Is(err, ErrIDTaken) || !strings.Contains(err.Error(), "nas (machine a1a1a1a1a1a1)") || !strings.Contains(err.Error(), "machine b2b2b2b2b2b2") ||
		!strings.Contains(err.Error(), "device.take_over") {
		t.Fatalf("a clone under the same id: %v", err)
	}
	cfg.Device.TakeOver = true
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { done <- Run(ctx2, cfg, deps("b2b2b2b2b2b2")) }()
	if !w.WaitFor(20*time.Second, func(w *testbroker.Watcher) bool {
		s, err := wire.DecodeState(w.Snapshot()[topic.Default().State(testID)])
		return err == nil && s.Facts.Machine == "b2b2b2b2b2b2"
	}) {
		t.Error("take_over did not take the id over")
	}
	cancel2()
	if err := <-done; err != nil {
		t.Error(err)
	}
	cfg.Device.ID = "hub"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `device.id: "hub": reserved`) {
		t.Errorf("reserved id: %v", err)
	}
}
