package evacuate

import (
	"os"
	"path/filepath"
	"slices"
)

// Sysfs finds the whole disks under a block device through sysfs: a
// partition's parent, and the slaves of a device-mapper (LVM, LUKS) or
// md RAID device, recursively.
type Sysfs struct {
	Block string // /sys/class/block
	Dev   string // /dev, where sources are resolved (symlinks like /dev/mapper/vg-lv)
}

// DisksOf returns the kernel names of the whole disks under source
// (/dev/sda1, /dev/mapper/vg-data, /dev/md0), sorted.
func (s Sysfs) DisksOf(source string) []string {
	name := filepath.Base(source)
	if rel, err := filepath.Rel("/dev", source); err == nil && s.Dev != "" {
		if real, err := filepath.EvalSymlinks(filepath.Join(s.Dev, rel)); err == nil {
			name = filepath.Base(real)
		}
	}
	var out []string
	s.walk(name, &out, 0)
	slices.Sort(out)
	return slices.Compact(out)
}

func (s Sysfs) walk(name string, out *[]string, depth int) {
	if depth > 8 {
		return // a loop in a broken sysfs
	}
	dir := filepath.Join(s.Block, name)
	if _, err := os.Stat(dir); err != nil {
		return // not a block device (tmpfs, a bind of a file)
	}
	if slaves, err := os.ReadDir(filepath.Join(dir, "slaves")); err == nil && len(slaves) > 0 {
		for _, sl := range slaves {
			s.walk(sl.Name(), out, depth+1)
		}
		return
	}
	if _, err := os.Stat(filepath.Join(dir, "partition")); err == nil {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			s.walk(filepath.Base(filepath.Dir(real)), out, depth+1)
			return
		}
	}
	*out = append(*out, name)
}

// Reader reads every disk's layout from this machine: mounts, smb.conf
// (optional: "" or a missing file means no shares) and sysfs.
type Reader struct {
	Mounts  string // /proc/self/mounts
	SMBConf string // /etc/samba/smb.conf
	Sys     Sysfs
}

// System is this machine's layout reader.
func System(smbConf string) Reader {
	if smbConf == "" {
		smbConf = "/etc/samba/smb.conf"
	}
	return Reader{Mounts: "/proc/self/mounts", SMBConf: smbConf, Sys: Sysfs{Block: "/sys/class/block", Dev: "/dev"}}
}

// Read returns the layout by disk kernel name.
func (r Reader) Read() (map[string]Layout, error) {
	f, err := os.Open(r.Mounts)
	if err != nil {
		return nil, err //nolint:wrapcheck // the path says what
	}
	defer f.Close()
	mounts, err := ParseMounts(f)
	if err != nil {
		return nil, err
	}
	shares := map[string]string{}
	if c, err := os.Open(r.SMBConf); err == nil {
		shares, err = ParseShares(c)
		c.Close()
		if err != nil {
			return nil, err
		}
	}
	return Build(mounts, shares, r.Sys.DisksOf), nil
}
