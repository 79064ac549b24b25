package idle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// ErrSmbstatus is returned when smbstatus cannot be run or read.
var ErrSmbstatus = errors.New("smbstatus")

// SMB reports active Samba sessions (smbstatus --json, Samba 4.16+).
type SMB struct {
	Binary string   // default: smbstatus
	Args   []string // extra arguments, e.g. -s /etc/samba/smb.conf
}

// Name implements Check.
func (SMB) Name() string { return "smb" }

// Active lists sessions by client address (Samba's smbstatus, or on
// Windows the SMB server's own sessions).
func (s SMB) Active(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return s.sessions(ctx)
}

// smbstatus runs Samba's smbstatus --json.
func (s SMB) smbstatus(ctx context.Context) ([]string, error) {
	bin := s.Binary
	if bin == "" {
		bin = "smbstatus"
	}
	args := append([]string{"--json"}, s.Args...)
	out, err := exec.CommandContext(ctx, bin, args...).Output() //nolint:gosec // configured program
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrSmbstatus, err)
	}
	return ParseSmbstatus(out)
}

// ParseSmbSession reads `Get-SmbSession | Select-Object ClientComputerName
// | ConvertTo-Json` (one object, or an array of them, or nothing).
func ParseSmbSession(b []byte) ([]string, error) {
	type session struct {
		ClientComputerName string `json:"ClientComputerName"`
	}
	var list []session
	trimmed := strings.TrimSpace(string(b))
	switch {
	case trimmed == "":
	case strings.HasPrefix(trimmed, "["):
		if err := json.Unmarshal([]byte(trimmed), &list); err != nil {
			return nil, fmt.Errorf("%w: Get-SmbSession output is not JSON: %w", ErrSmbstatus, err)
		}
	default:
		var one session
		if err := json.Unmarshal([]byte(trimmed), &one); err != nil {
			return nil, fmt.Errorf("%w: Get-SmbSession output is not JSON: %w", ErrSmbstatus, err)
		}
		list = append(list, one)
	}
	by := map[string]int{}
	for _, s := range list {
		who := s.ClientComputerName
		if who == "" {
			who = "unknown client"
		}
		by[who]++
	}
	return countBy("SMB session", by), nil
}

// ParseSmbstatus reads `smbstatus --json` and counts sessions per client.
func ParseSmbstatus(b []byte) ([]string, error) {
	var doc struct {
		Sessions map[string]struct {
			RemoteMachine string `json:"remote_machine"`
			Hostname      string `json:"hostname"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: output is not JSON: %w", ErrSmbstatus, err)
	}
	by := map[string]int{}
	for _, s := range doc.Sessions {
		who := s.RemoteMachine
		if who == "" {
			who = s.Hostname
		}
		if who == "" {
			who = "unknown client"
		}
		by[who]++
	}
	return countBy("SMB session", by), nil
}
