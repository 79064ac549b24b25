package evacuate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/config"
	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

const mountsText = `sysfs /sys sysfs rw 0 0
/dev/sda2 / ext4 rw,relatime 0 0
/dev/sda1 /boot/efi vfat rw 0 0
/dev/mapper/vg-media /srv/media ext4 rw 0 0
/dev/md0 /srv/backup xfs rw 0 0
/dev/sdd1 /mnt/usb\040stick vfat rw 0 0
tmpfs /run tmpfs rw 0 0
`

func TestParseMountsUnescapesAndKeepsDevices(t *testing.T) {
	m, err := ParseMounts(strings.NewReader(mountsText))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 5 || m[4].Point != "/mnt/usb stick" || m[0].Source != "/dev/sda2" {
		t.Errorf("mounts %+v", m)
	}
}

func TestParseShares(t *testing.T) {
	f, err := os.Open("testdata/smb.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ParseShares(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Media": "/srv/media/library", "backup": "/srv/backup", "root share": "/opt/share"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("shares %v, want %v", got, want)
	}
	if _, err := ParseShares(strings.NewReader("[broken\npath = /x\n")); err == nil || !strings.Contains(err.Error(), "no closing ]") {
		t.Errorf("unclosed section: %v", err)
	}
}

// fakeSysfs builds /sys/class/block with sda (partitions sda1, sda2), sdb
// and sdc under md0, and dm-0 (LVM) on sdb1... as the kernel lays it out.
func fakeSysfs(t *testing.T) Sysfs {
	t.Helper()
	root := t.TempDir()
	devices := filepath.Join(root, "devices")
	block := filepath.Join(root, "class", "block")
	dev := filepath.Join(root, "dev")
	for _, d := range []string{"sda/sda1", "sda/sda2", "sdb/sdb1", "sdc/sdc1", "md0", "dm-0", "sdd/sdd1"} {
		if err := os.MkdirAll(filepath.Join(devices, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"sda/sda1", "sda/sda2", "sdb/sdb1", "sdc/sdc1", "sdd/sdd1"} {
		if err := os.WriteFile(filepath.Join(devices, p, "partition"), []byte("1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(block, 0o755))
	must(os.MkdirAll(filepath.Join(dev, "mapper"), 0o755))
	for name, rel := range map[string]string{"sda": "sda", "sda1": "sda/sda1", "sda2": "sda/sda2", "sdb": "sdb", "sdb1": "sdb/sdb1",
		"sdc": "sdc", "sdc1": "sdc/sdc1", "md0": "md0", "dm-0": "dm-0", "sdd": "sdd", "sdd1": "sdd/sdd1"} {
		must(os.Symlink(filepath.Join(devices, rel), filepath.Join(block, name)))
		must(os.WriteFile(filepath.Join(dev, name), nil, 0o644))
	}
	for holder, slaves := range map[string][]string{"md0": {"sdb1", "sdc1"}, "dm-0": {"sda2"}} {
		must(os.MkdirAll(filepath.Join(devices, holder, "slaves"), 0o755))
		for _, s := range slaves {
			must(os.Symlink(filepath.Join(block, s), filepath.Join(devices, holder, "slaves", s)))
		}
	}
	must(os.Symlink("../dm-0", filepath.Join(dev, "mapper", "vg-media")))
	return Sysfs{Block: block, Dev: dev}
}

func TestLayoutByDisk(t *testing.T) {
	sys := fakeSysfs(t)
	for src, want := range map[string][]string{
		"/dev/sda1": {"sda"}, "/dev/mapper/vg-media": {"sda"}, "/dev/md0": {"sdb", "sdc"}, "/dev/sdd1": {"sdd"}, "/dev/nothing": nil,
	} {
		if got := sys.DisksOf(src); !reflect.DeepEqual(got, want) {
			t.Errorf("DisksOf(%s) = %v, want %v", src, got, want)
		}
	}
	mounts, _ := ParseMounts(strings.NewReader(mountsText))
	shares := map[string]string{"Media": "/srv/media/library", "backup": "/srv/backup", "root share": "/opt/share"}
	got := Build(mounts, shares, sys.DisksOf)
	want := map[string]Layout{
		"sda": {Mounts: []string{"/", "/boot/efi", "/srv/media"}, Shares: []string{"Media", "root share"}},
		"sdb": {Mounts: []string{"/srv/backup"}, Shares: []string{"backup"}},
		"sdc": {Mounts: []string{"/srv/backup"}, Shares: []string{"backup"}},
		"sdd": {Mounts: []string{"/mnt/usb stick"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("layout\n got %+v\nwant %+v", got, want)
	}
}

func TestParseProgress(t *testing.T) {
	tests := []struct {
		line string
		want Progress
		ok   bool
	}{
		{"      1,234,567  45%   12.34MB/s    0:01:23 (xfr#5, to-chk=10/20)", Progress{1234567, 45, 83 * time.Second}, true},
		{"  32,768 100%  512.00kB/s    0:00:00 (xfr#1, ir-chk=1000/1002)", Progress{32768, 100, 0}, true},
		{"  5,000,000,000   7%  100.00MB/s   12:34:56", Progress{5000000000, 7, (12*3600 + 34*60 + 56) * time.Second}, true},
		{"sending incremental file list", Progress{}, false},
		{"photos/2024/img 1.jpg", Progress{}, false},
		{"  12  101%  1kB/s 0:00:01", Progress{}, false},
		{"sent 1,234 bytes  received 35 bytes  2,538.00 bytes/sec", Progress{}, false},
		{"  1,2x  45%  1kB/s 0:00:01", Progress{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseProgress(tt.line)
		if ok != tt.ok || got != tt.want {
			t.Errorf("ParseProgress(%q) = %+v %v, want %+v %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}

func TestExpand(t *testing.T) {
	got, err := Expand(config.EvacuateCommand, Vars{Mounts: []string{"/srv/media", "/"}, Host: "nas", Disk: "wd-123", Dest: "/mnt/evac/"})
	want := []string{"rsync", "-a", "--partial", "--mkpath", "--info=progress2", "/srv/media/", "/", "/mnt/evac/nas/wd-123/"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Expand = %q, %v; want %q", got, err, want)
	}
	for cmd, msg := range map[string]string{"cp {mount} /x": "unknown placeholder {mount}", "cp --from={mounts} /x": "argument of its own"} {
		if _, err := Expand(strings.Fields(cmd), Vars{}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: want %q, got %v", cmd, msg, err)
		}
	}
}

func TestJournalSurvivesReopenAndListsUnfinished(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "evacuations.json")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.Put(Record{ID: "a", Disk: "d1", State: Running, Started: 10, Args: []string{"rsync"}}))
	must(j.Put(Record{ID: "b", Disk: "d2", State: Running, Started: 20}))
	must(j.Put(Record{ID: "b", Disk: "d2", State: Done, Started: 20, Finished: 30, Bytes: 99}))
	again, err := OpenJournal(path)
	must(err)
	if r, ok := again.Get("b"); !ok || r.State != Done || r.Bytes != 99 {
		t.Errorf("b after reopen: %+v %v", r, ok)
	}
	if u := again.Unfinished(); len(u) != 1 || u[0].ID != "a" || u[0].Args[0] != "rsync" {
		t.Errorf("unfinished %+v", u)
	}
	must(os.WriteFile(path, []byte("{torn"), 0o600))
	if _, err := OpenJournal(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("a torn journal must be refused naming its path, got %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestCheckRoomRefusesAFullDestination(t *testing.T) {
	fs := map[string]Space{"/mnt/evac": {Total: 100 << 30, Avail: 40 << 30}, "/srv/a": {Used: 30 << 30}, "/srv/b": {Used: 10 << 30}}
	spaceOf := func(p string) (Space, error) {
		if s, ok := fs[p]; ok {
			return s, nil
		}
		return Space{}, os.ErrNotExist
	}
	if need, err := checkRoom(spaceOf, "/mnt/evac", []string{"/srv/a"}); err != nil || need != 30<<30 {
		t.Errorf("30 GiB into 40 free: %d, %v", need, err)
	}
	_, err := checkRoom(spaceOf, "/mnt/evac", []string{"/srv/a", "/srv/b"})
	want := "destination /mnt/evac has 40.0 GiB free, the disk's data (40.0 GiB on /srv/a, /srv/b) needs 42.0 GiB with 5 % to spare"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("40 GiB into 40 free: %v\nwant %q", err, want)
	}
	if _, err := checkRoom(spaceOf, "/mnt/missing", []string{"/srv/a"}); err == nil || !strings.Contains(err.Error(), "destination /mnt/missing") {
		t.Errorf("a missing destination: %v", err)
	}
	dir := t.TempDir() // the real statfs answers for a real directory
	if s, err := space(dir); err != nil || s.Total == 0 || s.Avail > s.Total {
		t.Errorf("space(%s) = %+v, %v", dir, s, err)
	}
}

func TestHuman(t *testing.T) {
	for b, want := range map[uint64]string{512: "512 B", 2048: "2.0 KiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := human(b); got != want {
			t.Errorf("human(%d) = %q, want %q", b, got, want)
		}
	}
}
