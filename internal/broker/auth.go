package broker

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/homefleet/homefleet/internal/access"
	"github.com/homefleet/homefleet/internal/topic"
)

// accessHook enforces internal/access: a client must log in with one of
// the logins of the credentials file and may then publish and subscribe
// only as its rules allow. The file is read again when it changes, so a
// login `homefleet acl` added works without a restart.
type accessHook struct {
	mqtt.HookBase
	sc   topic.Scheme
	path string
	log  *slog.Logger

	mu     sync.Mutex
	mtime  time.Time
	logins []access.Login
	rules  map[string][]access.Rule // by login name
	denied map[string]int           // (login, topic) -> count, for quiet logs
}

func newAccessHook(sc topic.Scheme, path string, log *slog.Logger) (*accessHook, error) {
	h := &accessHook{sc: sc, path: path, log: log}
	if err := h.reload(); err != nil {
		return nil, err
	}
	return h, nil
}

// ID implements mqtt.Hook.
func (h *accessHook) ID() string { return "homefleet-access" }

// Provides implements mqtt.Hook.
func (h *accessHook) Provides(b byte) bool {
	return b == mqtt.OnConnectAuthenticate || b == mqtt.OnACLCheck
}

func (h *accessHook) reload() error {
	st, err := os.Stat(h.path)
	if err != nil {
		return err //nolint:wrapcheck // the caller names the file
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if st.ModTime().Equal(h.mtime) && h.rules != nil {
		return nil
	}
	logins, err := access.Load(h.path)
	if err != nil {
		return err //nolint:wrapcheck // names the file and field
	}
	rules := make(map[string][]access.Rule, len(logins))
	for _, l := range logins {
		r, err := access.Rules(h.sc, l.Role, l.Name)
		if err != nil {
			return err //nolint:wrapcheck // Load checked roles already
		}
		rules[l.Name] = r
	}
	h.mtime, h.logins, h.rules, h.denied = st.ModTime(), logins, rules, map[string]int{}
	return nil
}

// OnConnectAuthenticate admits a client whose username and password are a
// login; anonymous clients and wrong passwords are refused.
func (h *accessHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	if err := h.reload(); err != nil {
		h.log.Warn("credentials file unreadable; keeping the logins read before", "file", h.path, "err", err)
	}
	name := string(cl.Properties.Username)
	h.mu.Lock()
	_, ok := access.Check(h.logins, name, string(pk.Connect.Password))
	h.mu.Unlock()
	if !ok {
		who := name
		if who == "" {
			who = "(anonymous)"
		}
		h.log.Warn("broker refused a client: unknown login or wrong password", "user", who, "client", cl.ID, "remote", cl.Net.Remote)
	}
	return ok
}

// OnACLCheck allows a publish (write) or a subscription or delivery
// (!write) only as the client's login rules say.
func (h *accessHook) OnACLCheck(cl *mqtt.Client, t string, write bool) bool {
	name := string(cl.Properties.Username)
	h.mu.Lock()
	rules, known := h.rules[name]
	h.mu.Unlock()
	if known && access.Allowed(rules, t, write) {
		return true
	}
	h.reportDenied(name, t, write)
	return false
}

const deniedKeys = 1024

// reportDenied logs a refused topic at Warn the first time per login and
// topic, then at Debug, so a misbehaving client cannot flood the log.
func (h *accessHook) reportDenied(name, t string, write bool) {
	key := name + " " + t
	h.mu.Lock()
	if len(h.denied) >= deniedKeys {
		h.denied = map[string]int{}
	}
	h.denied[key]++
	n := h.denied[key]
	h.mu.Unlock()
	what := "subscribe to"
	if write {
		what = "publish to"
	}
	level := slog.LevelWarn
	if n > 1 {
		level = slog.LevelDebug
	}
	h.log.Log(context.Background(), level, "broker refused: login may not "+what+" this topic", "user", name, "topic", t, "count", n)
}
