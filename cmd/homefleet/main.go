// Command homefleet is the agent, the hub, the demo and the operator
// commands in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // schedules name IANA zones; a static binary on a box without tzdata still knows them
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev" //nolint:gochecknoglobals // ldflags target

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}
