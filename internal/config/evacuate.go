package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Evacuate is how this machine copies a dying disk's data off it: the
// hub starts it when a disk enters Critical or Failing (hub
// predict.evacuate: auto) or HA's "Evacuate data" button does. Unset, the
// agent offers no evacuation.
type Evacuate struct {
	// Destination is a local directory (a mounted backup disk or NAS
	// share) with room for the disk's data; its free space is checked
	// before each copy.
	Destination string `yaml:"destination"`
	// Command is the copy, program and arguments, no shell; placeholders
	// {mounts} (one argument per mount point of the disk), {host},
	// {disk}, {dest}. Default: EvacuateCommand.
	Command []string      `yaml:"command"`
	Timeout time.Duration `yaml:"timeout"` // default 24h
	// Journal keeps every run, so one entry into Critical copies once and
	// a copy cut short resumes (default: evacuations.json in the state
	// directory).
	Journal string `yaml:"journal"`
}

// EvacuateCommand copies each mount point's contents under the
// destination, keeping partial files so a cut copy resumes.
var EvacuateCommand = []string{"rsync", "-a", "--partial", "--mkpath", "--info=progress2", "{mounts}", "{dest}/{host}/{disk}/"} //nolint:gochecknoglobals // the documented default

// EvacuatePlaceholders are what an evacuation command may use: {mounts}
// as an argument of its own, the others anywhere.
var EvacuatePlaceholders = []string{"{mounts}", "{host}", "{disk}", "{dest}"} //nolint:gochecknoglobals // the documented list

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// CheckEvacuateCommand names the first unknown or misplaced placeholder.
func CheckEvacuateCommand(cmd []string) error {
	for _, arg := range cmd {
		for _, p := range placeholder.FindAllString(arg, -1) {
			if !slices.Contains(EvacuatePlaceholders, p) {
				return fmt.Errorf("unknown placeholder %s in %q (known: %s)", p, arg, strings.Join(EvacuatePlaceholders, " "))
			}
			if p == "{mounts}" && arg != p {
				return fmt.Errorf("{mounts} must be an argument of its own, not part of %q", arg)
			}
		}
	}
	return nil
}

// Configured reports whether evacuation is on.
func (e Evacuate) Configured() bool { return e.Destination != "" || len(e.Command) > 0 }

func (e *Evacuate) setDefaults() {
	if !e.Configured() {
		return
	}
	if len(e.Command) == 0 {
		e.Command = slices.Clone(EvacuateCommand)
	}
	if e.Timeout == 0 {
		e.Timeout = 24 * time.Hour
	}
	if e.Journal == "" {
		e.Journal = filepath.Join(StateDir(), "evacuations.json")
	}
}

func (e Evacuate) validate(v *validator) {
	if !e.Configured() {
		return
	}
	if e.Destination == "" || !filepath.IsAbs(e.Destination) {
		v.add("evacuate.destination", e.Destination, "required with evacuate: an absolute local directory (a mounted backup disk or share) whose free space is checked before copying")
	}
	if len(e.Command) == 0 || e.Command[0] == "" {
		v.add("evacuate.command", "", "required: the program and its arguments")
	} else if err := CheckEvacuateCommand(e.Command); err != nil {
		v.add("evacuate.command", strings.Join(e.Command, " "), err.Error())
	}
	if e.Timeout < time.Minute {
		v.add("evacuate.timeout", e.Timeout.String(), "must be at least 1m")
	}
}
