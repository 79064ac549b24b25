package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/homefleet/homefleet/internal/wol"
)

func runWake(ctx context.Context, args []string, e env) error {
	fs := flags("wake NAME|MAC [--broker URL] | MAC [--to HOST:PORT,...] [--password P] [--confirm-tcp HOST:PORT]",
		"Wakes a machine. By NAME the hub does it (it knows the MACs) and reports when the machine is online;\nby MAC the magic packets are sent from here and, with --confirm-tcp, the port is watched.", e)
	broker := fs.String("broker", "", "the broker the hub uses (waking by NAME); default from --config or HOMEFLEET_MQTT_URL")
	configPath := fs.String("config", "", "agent config file with the broker settings (waking by NAME)")
	to := fs.String("to", "255.255.255.255:"+strconv.Itoa(wol.DefaultPort), "comma-separated host:port to send to (the subnet's directed broadcast, e.g. 192.168.1.255:9)")
	count := fs.Int("count", 3, "packets per address")
	spacing := fs.Duration("spacing", 250*time.Millisecond, "pause between rounds")
	password := fs.String("password", "", "SecureOn password: a.b.c.d (4 bytes) or aa:bb:cc:dd:ee:ff (6 bytes)")
	confirmTCP := fs.String("confirm-tcp", "", "host:port that answers once the machine is up (e.g. nas:445)")
	timeout := fs.Duration("timeout", 120*time.Second, "how long to wait for --confirm-tcp")
	// The target comes first: `homefleet wake aa:bb:.. --to ...`.
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := parse(fs, args); err != nil {
			return err
		}
		return fmt.Errorf("%w: a device name or MAC address to wake is required", errUsage)
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	mac, err := wol.ParseMAC(args[0])
	if err != nil {
		if strings.Count(args[0], ":") >= 2 || strings.Count(args[0], "-") >= 5 {
			return fmt.Errorf("%w: %w", errUsage, err) // meant as a MAC
		}
		return wakeByName(ctx, e, args[0], *configPath, *broker, *timeout)
	}
	if *confirmTCP != "" {
		if _, port, err := net.SplitHostPort(*confirmTCP); err != nil || port == "" {
			return fmt.Errorf("%w: --confirm-tcp %q: want host:port of a service that answers once the machine is up (e.g. nas:445)", errUsage, *confirmTCP)
		}
		if wol.TCPAwake(*confirmTCP)(ctx) {
			fmt.Fprintf(e.stdout, "%s is already awake (%s answers); no magic packets sent\n", args[0], *confirmTCP)
			return nil
		}
	}
	pw, err := wol.ParsePassword(*password)
	if err != nil {
		return fmt.Errorf("%w: --password: %w", errUsage, err)
	}
	var addrs []string
	for _, a := range strings.Split(*to, ",") {
		a = strings.TrimSpace(a)
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("%w: --to %q: want host:port", errUsage, a)
		}
		addrs = append(addrs, a)
	}
	r, err := wol.Send(ctx, wol.UDP{}, wol.Target{Name: args[0], MAC: mac, Addresses: addrs, Password: pw},
		wol.Options{Repeats: *count, Spacing: *spacing})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "sent %d magic packets for %s to %s (first after %s)\n", r.Packets, mac, strings.Join(addrs, ", "), r.FirstPacket.Round(time.Microsecond))
	if *confirmTCP == "" {
		return nil
	}
	d, err := wol.Confirm(ctx, wol.TCPAwake(*confirmTCP), *timeout, time.Second)
	if err != nil {
		return fmt.Errorf("%s: %w", *confirmTCP, err)
	}
	fmt.Fprintf(e.stdout, "%s is up after %s\n", *confirmTCP, d.Round(time.Millisecond))
	return nil
}
