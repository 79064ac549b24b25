// Package inbox admits the commands that arrive over MQTT before anyone
// queues them. A command is refused when it is retained (a stale command
// must never fire on reconnect), larger than mqttc.MaxPayload, not UTF-8, not
// the payload its verb takes (PRESS or a JSON command; ON or OFF), stale,
// unknown, or too frequent (the same payload on a topic again within a
// second, or more than a small burst), and when its owner's queue is
// full. Every refusal is reported as an event on the device's event topic
// and a log line; a flood of them becomes one counted event a second, so
// nothing is lost and nothing floods.
package inbox

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/homefleet/homefleet/internal/mqttc"
	"github.com/homefleet/homefleet/internal/topic"
	"github.com/homefleet/homefleet/internal/wire"
)

// Refusal reasons.
var (
	ErrTooLarge    = errors.New("command payload too large")
	ErrNotUTF8     = errors.New("command payload is not valid UTF-8")
	ErrUnknown     = errors.New("unknown command verb")
	ErrTooFrequent = errors.New("command repeated too fast")
	ErrNotSwitch   = errors.New("want ON or OFF")
)

// Payload is the shape of a verb's payload.
type Payload int

// Payload shapes.
const (
	Press  Payload = iota // empty, PRESS, or a JSON wire.Command (id, ts, force, ...)
	Switch                // ON or OFF
)

// Command is an admitted command.
type Command struct {
	Device, Verb string
	Payload      []byte       // as sent
	Body         wire.Command // the JSON body of a Press command
	On           bool         // a Switch command's state
}

// Handler takes an admitted command. It runs on the MQTT session's
// goroutine, so it only queues; an error (a full queue) is a refusal.
type Handler func(Command) error

type route struct {
	payload Payload
	handle  Handler // nil: ignored (another part answers it)
}

// Options configures an Inbox.
type Options struct {
	Scheme topic.Scheme
	Log    *slog.Logger
	Now    func() time.Time // the clock commands' ts are checked against (nil: time.Now)
	// Arrival is the clock of the rate limit and of refusal reports: real
	// time even where Now is faked (nil: time.Now).
	Arrival func() time.Time
	Limit   Limit // zero: DefaultLimit
	// Devices are the ones whose every command is this inbox's to answer
	// (the agent's id; the hub): an unknown verb of theirs is refused.
	// Another device's command is taken only by a "+" route (the hub's
	// wake) and otherwise left to its own agent.
	Devices []string
}

// Inbox admits and routes the commands of the topics it is subscribed to.
type Inbox struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex
	exact  map[string]route // device + " " + verb; device "+" is any device
	prefix map[string]route // device + " " + verb prefix ("run/")
	rate   rates
	report *reporter
}

// New builds an Inbox; add routes with On before subscribing Handle.
func New(o Options) *Inbox {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Arrival == nil {
		o.Arrival = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Limit == (Limit{}) {
		o.Limit = DefaultLimit
	}
	return &Inbox{opts: o, log: o.Log, exact: map[string]route{}, prefix: map[string]route{},
		rate: rates{limit: o.Limit, topics: map[string]*rate{}}, report: newReporter(o.Log)}
}

// On routes verb of device ("+": any device) to h; a verb ending in "/"
// is a prefix (run/ takes run/backup). A nil h ignores the verb silently.
func (in *Inbox) On(device, verb string, p Payload, h Handler) {
	in.mu.Lock()
	defer in.mu.Unlock()
	r := route{payload: p, handle: h}
	if strings.HasSuffix(verb, "/") {
		in.prefix[device+" "+verb] = r
		return
	}
	in.exact[device+" "+verb] = r
}

func (in *Inbox) find(device, verb string) (route, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, d := range []string{device, "+"} {
		if r, ok := in.exact[d+" "+verb]; ok {
			return r, true
		}
		if head, _, found := strings.Cut(verb, "/"); found {
			if r, ok := in.prefix[d+" "+head+"/"]; ok {
				return r, true
			}
		}
	}
	return route{}, false
}

func (in *Inbox) owns(device string) bool {
	for _, d := range in.opts.Devices {
		if d == device {
			return true
		}
	}
	return false
}

// Handle is the mqttc handler of the inbox's command filters. Refusals
// are reported, never returned: the session has nothing to add.
func (in *Inbox) Handle(t string, payload []byte, retained bool) error {
	device, verb, ok := in.opts.Scheme.ParseAnyCommand(t)
	if !ok {
		return nil
	}
	if len(payload) == 0 {
		return nil // a retained command being cleared
	}
	r, known := in.find(device, verb)
	if (known && r.handle == nil) || (!known && !in.owns(device)) {
		return nil
	}
	c, err := in.admit(t, device, verb, payload, retained, r, known)
	if err == nil {
		err = r.handle(c)
	}
	if err != nil {
		in.report.note(Refusal{Device: device, Verb: verb, Err: err})
	}
	return nil
}

func (in *Inbox) admit(t, device, verb string, payload []byte, retained bool, r route, known bool) (Command, error) {
	c := Command{Device: device, Verb: verb, Payload: payload}
	switch {
	case len(payload) > mqttc.MaxPayload:
		return c, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(payload), mqttc.MaxPayload)
	case retained:
		return c, fmt.Errorf("%w: clear it by publishing an empty retained message to %s", wire.ErrRetained, t)
	case !utf8.Valid(payload):
		return c, ErrNotUTF8
	case !known:
		return c, fmt.Errorf("%w %q", ErrUnknown, verb)
	}
	switch r.payload {
	case Switch:
		switch strings.ToUpper(strings.TrimSpace(string(payload))) {
		case "ON":
			c.On = true
		case "OFF":
		default:
			return c, fmt.Errorf("%w, got %.20q", ErrNotSwitch, payload)
		}
	default:
		body, err := wire.ParseCommand(payload, in.opts.Now())
		if err != nil {
			return c, err //nolint:wrapcheck // names the problem
		}
		c.Body = body
	}
	if err := in.rate.allow(t, payload, in.opts.Arrival()); err != nil {
		return c, err
	}
	return c, nil
}

// Refuse reports a command its owner refused after admitting it.
func (in *Inbox) Refuse(c Command, err error) {
	in.report.note(Refusal{Device: c.Device, Verb: c.Verb, Err: err})
}

// Oversize is the session's hook for a command payload it dropped unread
// (mqttc.Options.Oversize): it is reported like any refusal.
func (in *Inbox) Oversize(t string, n int) {
	device, verb, ok := in.opts.Scheme.ParseAnyCommand(t)
	if r, known := in.find(device, verb); !ok || (known && r.handle == nil) || (!known && !in.owns(device)) {
		return
	}
	in.report.note(Refusal{Device: device, Verb: verb, Err: fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, n, mqttc.MaxPayload)})
}
