package idle

import (
	"context"
	"fmt"
	"os/exec"
)

// sessions asks the Windows SMB server for its sessions.
func (s SMB) sessions(ctx context.Context) ([]string, error) {
	out, err := exec.CommandContext(ctx, "powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
		"Get-SmbSession | Select-Object ClientComputerName | ConvertTo-Json").Output()
	if err != nil && len(out) == 0 {
		return nil, fmt.Errorf("%w: Get-SmbSession: %w", ErrSmbstatus, err)
	}
	return ParseSmbSession(out)
}
