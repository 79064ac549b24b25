package agent

import (
	"context"
	"testing"

	"github.com/homefleet/homefleet/agent/collect/host"
	"github.com/homefleet/homefleet/agent/collect/host/hosttest"
	"github.com/homefleet/homefleet/internal/golden"
	"github.com/homefleet/homefleet/internal/wire"
)

// fixedState is the state of the fixture host after two readings.
func fixedState(t testing.TB) wire.State {
	t.Helper()
	ctx := context.Background()
	src := hosttest.NewFake()
	c := host.New(src)
	if _, err := c.Collect(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := c.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := src.Facts(ctx)
	st := ToWire(s, f, "1.0.0")
	st.Allowed = wire.Allowed{Power: []string{"sleep"}, Jobs: []string{"backup"}} // set by the agent from its config
	return st
}

func TestStateGolden(t *testing.T) {
	golden.JSON(t, "state.golden.json", fixedState(t))
}

func TestStateRoundTrip(t *testing.T) {
	st := fixedState(t)
	b := mustJSON(t, st)
	got, err := wire.DecodeState(b)
	if err != nil {
		t.Fatal(err)
	}
	if changed(st, got) || !sameEntities(st, got) {
		t.Errorf("state changed in a JSON round trip")
	}
}

func TestMountKeys(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/", "root"}, {`C:\`, "c"}, {"/srv/data", "srv_data"}, {"/mnt/2tb", "mnt_2tb"}, {"/9", "x9"},
	}
	for _, tt := range tests {
		if got := mountKey(tt.path); got != tt.want {
			t.Errorf("mountKey(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestToWireDedupesKeys(t *testing.T) {
	s := host.Sample{Mounts: []host.Mount{{Path: "/srv-data", Used: 1, Free: 1}, {Path: "/srv_data", Used: 1, Free: 3}}}
	st := ToWire(s, host.Facts{}, "x")
	if len(st.FS) != 2 {
		t.Fatalf("want 2 filesystems, got %v", st.FS)
	}
	if st.FS["srv_data"].Path == st.FS["srv_data_2"].Path {
		t.Errorf("colliding keys not separated: %v", st.FS)
	}
}
