package winservice

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// events is an event log that keeps what it is given.
type events []string

func (e *events) add(kind string, eid uint32, msg string) error {
	*e = append(*e, fmt.Sprintf("%s %d %s", kind, eid, msg))
	return nil
}
func (e *events) Info(eid uint32, msg string) error    { return e.add("info", eid, msg) }
func (e *events) Warning(eid uint32, msg string) error { return e.add("warning", eid, msg) }
func (e *events) Error(eid uint32, msg string) error   { return e.add("error", eid, msg) }

func TestWarningsAndErrorsGoToTheEventLogAndEverythingToTheFile(t *testing.T) {
	var ev events
	var file bytes.Buffer
	log := slog.New(slog.NewMultiHandler(slog.NewTextHandler(&file, nil), EventHandler(&ev, slog.LevelWarn))).With("device", "nas")
	log.Info("published", "messages", 3)
	log.Warn("broker unreachable", "url", "mqtt://10.0.0.2:1883")
	log.WithGroup("smart").Error("reading disk", "disk", "sda", "err", "permission denied")
	want := []string{
		`warning 2 level=WARN msg="broker unreachable" device=nas url=mqtt://10.0.0.2:1883`,
		`error 2 level=ERROR msg="reading disk" device=nas smart.disk=sda smart.err="permission denied"`,
	}
	if strings.Join(ev, "\n") != strings.Join(want, "\n") {
		t.Errorf("event log got\n%s\nwant\n%s", strings.Join(ev, "\n"), strings.Join(want, "\n"))
	}
	if n := strings.Count(file.String(), "\n"); n != 3 || !strings.Contains(file.String(), "msg=published") {
		t.Errorf("the file got %d lines:\n%s", n, file.String())
	}
}
