package idle

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// NFS reports NFSv4 clients of the kernel NFS server (Linux 5.3+:
// /proc/fs/nfsd/clients/*/info).
type NFS struct {
	Root string // default /proc/fs/nfsd/clients
}

// Name implements Check.
func (NFS) Name() string { return "nfs" }

// Active counts NFS clients by address.
func (n NFS) Active(context.Context) ([]string, error) {
	root := n.Root
	if root == "" {
		root = "/proc/fs/nfsd/clients"
	}
	infos, err := filepath.Glob(filepath.Join(root, "*", "info"))
	if err != nil {
		return nil, fmt.Errorf("listing NFS clients: %w", err)
	}
	by := map[string]int{}
	for _, p := range infos {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the client left meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("reading NFS client: %w", err)
		}
		addr := parseNFSInfo(f)
		_ = f.Close()
		if addr != "" {
			by[addr]++
		}
	}
	return countBy("NFS client", by), nil
}

// parseNFSInfo returns the client's address (without port) from an info
// file: lines like `address: "192.168.1.5:867"`.
func parseNFSInfo(r io.Reader) string {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(k) != "address" {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		if i := strings.LastIndex(v, ":"); i > 0 && !strings.HasSuffix(v, "]") {
			v = v[:i]
		}
		return strings.Trim(v, "[]")
	}
	return ""
}
