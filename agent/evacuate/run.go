package evacuate

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"

	"github.com/homefleet/homefleet/internal/config"
)

// ErrRefused is an evacuation that was not started; the message says why.
var ErrRefused = errors.New("evacuation refused")

// Space is a filesystem's size, bytes in use, and bytes free for us.
type Space struct{ Total, Used, Avail uint64 }

// Vars fill the placeholders.
type Vars struct {
	Mounts           []string
	Host, Disk, Dest string
}

// Expand fills cmd's placeholders: {mounts} becomes one argument per
// mount point, each with a trailing slash (rsync then copies the
// contents, not the folder).
func Expand(cmd []string, v Vars) ([]string, error) {
	if err := config.CheckEvacuateCommand(cmd); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	r := strings.NewReplacer("{host}", v.Host, "{disk}", v.Disk, "{dest}", strings.TrimRight(v.Dest, "/"))
	var out []string
	for _, arg := range cmd {
		if arg == "{mounts}" {
			for _, m := range v.Mounts {
				out = append(out, strings.TrimRight(m, "/")+"/")
			}
			continue
		}
		out = append(out, r.Replace(arg))
	}
	return out, nil
}

// margin is the room kept free at the destination beyond the data.
const margin = 1.05

// CheckRoom refuses when dest cannot hold the data on mounts (what is in
// use on their filesystems, plus 5 %); it returns the bytes to copy.
func CheckRoom(dest string, mounts []string) (uint64, error) { return checkRoom(space, dest, mounts) }

func checkRoom(space func(string) (Space, error), dest string, mounts []string) (uint64, error) {
	to, err := space(dest)
	if err != nil {
		return 0, fmt.Errorf("%w: destination %s: %w", ErrRefused, dest, err)
	}
	var need uint64
	for _, m := range mounts {
		s, err := space(m)
		if err != nil {
			return 0, fmt.Errorf("%w: %w", ErrRefused, err)
		}
		need += s.Used
	}
	if float64(to.Avail) < float64(need)*margin {
		return need, fmt.Errorf("%w: destination %s has %s free, the disk's data (%s on %s) needs %s with 5 %% to spare",
			ErrRefused, dest, human(to.Avail), human(need), strings.Join(mounts, ", "), human(uint64(float64(need)*margin)))
	}
	return need, nil
}

// human is a byte count in binary units.
func human(b uint64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := uint64(unit), 0
	for n := b / unit; n >= unit && exp < 5; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}

// Copy runs args (program first, no shell) until it ends or ctx does,
// calling onProgress for each progress line; an error carries the last
// lines of output.
func Copy(ctx context.Context, args []string, onProgress func(Progress)) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: no command", ErrRefused)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...) //nolint:gosec // from the agent's own config
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("starting %s: %w", args[0], err)
	}
	cmd.Stderr = cmd.Stdout // one stream: progress, warnings and errors in order
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", args[0], err)
	}
	var tail tailBuffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // owned here: it ends when the command's output closes
		defer wg.Done()
		follow(out, onProgress, &tail)
	}()
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		if t := tail.String(); t != "" {
			return fmt.Errorf("%s: %w: %s", args[0], err, t)
		}
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}
