package config

import (
	"os"
	"path/filepath"
)

func osStateDir() string {
	if d := os.Getenv("ProgramData"); d != "" {
		return filepath.Join(d, "homefleet")
	}
	return filepath.Join(`C:\ProgramData`, "homefleet")
}
