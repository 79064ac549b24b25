package host

import (
	"slices"
	"sort"
	"strings"

	"github.com/shirou/gopsutil/v3/disk"
)

// pseudoFS are filesystem types that hold no user data or that are network
// mounts (a hung NFS/SMB server must never block the collector).
var pseudoFS = map[string]bool{
	"tmpfs": true, "devtmpfs": true, "ramfs": true, "overlay": true, "squashfs": true,
	"proc": true, "sysfs": true, "cgroup": true, "cgroup2": true, "devpts": true,
	"mqueue": true, "debugfs": true, "tracefs": true, "securityfs": true, "pstore": true,
	"bpf": true, "autofs": true, "configfs": true, "fusectl": true, "hugetlbfs": true,
	"binfmt_misc": true, "nsfs": true, "efivarfs": true, "rpc_pipefs": true, "nfsd": true,
	"selinuxfs": true, "iso9660": true, "udf": true,
	"nfs": true, "nfs4": true, "cifs": true, "smb3": true, "smbfs": true, "9p": true,
	"fuse.sshfs": true, "fuse.gvfsd-fuse": true, "fuse.portal": true, "fuse.lxcfs": true,
	"fuse.snapfuse": true,
}

// realFilesystems keeps local data filesystems, one mount per device (the
// shortest mount path wins, so bind mounts and btrfs subvolumes do not
// repeat the same disk), minus the excluded mount points.
func realFilesystems(parts []disk.PartitionStat, exclude []string) []disk.PartitionStat {
	byDev := map[string]disk.PartitionStat{}
	for _, p := range parts {
		if pseudoFS[p.Fstype] || slices.Contains(exclude, p.Mountpoint) || strings.HasPrefix(p.Mountpoint, "/snap/") {
			continue
		}
		key := p.Device
		if key == "" || key == "none" {
			key = p.Mountpoint
		}
		if old, ok := byDev[key]; !ok || len(p.Mountpoint) < len(old.Mountpoint) {
			byDev[key] = p
		}
	}
	out := make([]disk.PartitionStat, 0, len(byDev))
	for _, p := range byDev {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mountpoint < out[j].Mountpoint })
	return out
}
