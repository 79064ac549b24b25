//go:build !windows

package idle

import "context"

// sessions asks Samba.
func (s SMB) sessions(ctx context.Context) ([]string, error) { return s.smbstatus(ctx) }
