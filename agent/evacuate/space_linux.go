package evacuate

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// space reads the filesystem holding path.
func space(path string) (Space, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return Space{}, fmt.Errorf("reading free space of %s: %w", path, err)
	}
	bs := uint64(st.Bsize) //nolint:gosec // block sizes are positive
	return Space{Total: st.Blocks * bs, Used: (st.Blocks - st.Bfree) * bs, Avail: st.Bavail * bs}, nil
}
