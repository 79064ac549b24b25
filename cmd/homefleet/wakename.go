package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/service"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

var errWakeFailed = errors.New("wake failed")

// wakeByName asks the hub to wake device (it knows the MACs from the
// agent's network identity) and reports the hub's result.
func wakeByName(ctx context.Context, e env, device, configPath, broker string, timeout time.Duration) error {
	cfg, err := loadAgentLoose(configPath, e)
	if err != nil {
		return err
	}
	if broker != "" {
		cfg.MQTT.URL = broker
	}
	if _, set := e.lookup("HOMEFLEET_MQTT_URL"); !set && broker == "" && configPath == "" {
		return fmt.Errorf("%w: waking %q by name goes through the hub: pass --broker mqtt://host:1883 (or a MAC address)", errUsage, device)
	}
	if cfg.MQTT.FirstConnect == 0 { // a command, unlike a daemon, says so when the broker is not there
		cfg.MQTT.FirstConnect = min(timeout, 10*time.Second)
	}
	sc := cfg.MQTT.Scheme()
	device = topic.ID(device)
	connected := make(chan struct{}, 1)
	results := make(chan wire.WakeResult, 8)
	mc, err := mqttc.New(mqttc.Options{MQTT: cfg.MQTT, ClientID: "homefleet-wake-" + strconv.Itoa(os.Getpid()),
		OnConnect: func() { service.Nudge(connected) }})
	if err != nil {
		return err
	}
	mc.Subscribe(sc.HubWake(device), func(_ string, payload []byte, retained bool) error {
		var r wire.WakeResult
		if err := json.Unmarshal(payload, &r); err != nil {
			return fmt.Errorf("decoding wake result: %w", err)
		}
		if !retained { // a retained result is an old wake
			results <- r
		}
		return nil
	})
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return mc.Run(gctx) })
	g.Go(func() error {
		defer cancel()
		select {
		case <-connected:
		case <-gctx.Done():
			return parent.Err() // Ctrl-C before the broker answered
		}
		cmd, _ := json.Marshal(wire.Command{ID: "cli-" + strconv.FormatInt(time.Now().UnixNano(), 36), TS: time.Now().Unix()})
		if err := mc.Publish(gctx, sc.Command(device, "wake"), cmd, false); err != nil {
			return err
		}
		for {
			select {
			case <-gctx.Done():
				if err := parent.Err(); err != nil {
					return err // Ctrl-C
				}
				return fmt.Errorf("%w: no result from the hub for %s within %s (is the hub running?)", errWakeFailed, device, timeout)
			case r := <-results:
				switch r.Result {
				case wire.WakeSent:
					fmt.Fprintf(e.stdout, "hub sent %d magic packets for %s; waiting for it to come online\n", r.Packets, device)
				case wire.WakeWoke:
					fmt.Fprintf(e.stdout, "%s is online after %.1f s\n", device, r.LatencyS)
					return nil
				case wire.WakeAlreadyAwake:
					fmt.Fprintf(e.stdout, "%s is already awake\n", device)
					return nil
				default:
					return fmt.Errorf("%w: %s did not come online (%s)", errWakeFailed, device, r.Result)
				}
			}
		}
	})
	return g.Wait()
}
