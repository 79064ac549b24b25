package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// StateDir is where the hub keeps its state (the store, generated
// credentials): systemd's $STATE_DIRECTORY when it runs as a service,
// else the OS's place for it (the XDG state directory, or
// %ProgramData%\homefleet on Windows). Never the working directory.
func StateDir() string {
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		first, _, _ := strings.Cut(d, ":") // several StateDirectory= entries are joined by ':'
		return first
	}
	return osStateDir()
}

// EnsureDir creates dir (and its parents) readable by the owner only.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating state directory %s: %w", dir, err)
	}
	return nil
}

func xdgStateDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "homefleet")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "state", "homefleet")
	}
	return filepath.Join(os.TempDir(), "homefleet")
}
