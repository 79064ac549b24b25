// Command homefleet is the agent, the hub, the demo and the operator
// commands in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/homefleet/homefleet/internal/winservice"
	_ "time/tzdata" // schedules name IANA zones; a static binary on a box without tzdata still knows them
)

// Stamped at build time (packaging/package.sh, task build):
// -ldflags "-X main.version=1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>".
// Unstamped, commit and date come from the VCS data go build records.
var (
	version = "dev" //nolint:gochecknoglobals // ldflags target
	commit  = ""    //nolint:gochecknoglobals // ldflags target
	date    = ""    //nolint:gochecknoglobals // ldflags target
)

func main() {
	if winservice.IsService() { // started by the Windows service control manager
		os.Exit(serveService(os.Args[1:]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv)
	stop()
	os.Exit(code)
}
