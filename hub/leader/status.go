package leader

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/homefleet/homefleet/internal/config"
)

// Status is the election as etcd holds it: `homefleet hub status`.
type Status struct {
	Endpoints []string
	Members   []MemberInfo // in campaign order: the first leads
	Duties    map[string]Claimed
}

// MemberInfo is one campaigning hub.
type MemberInfo struct {
	Name     string
	Lease    string
	TTL      time.Duration // left on its lease
	Revision int64         // its election key's create revision
}

// Leader is the leading member's name ("" none).
func (s Status) Leader() string {
	if len(s.Members) == 0 {
		return ""
	}
	return s.Members[0].Name
}

// ReadStatus asks etcd for the members, their leases and the duties.
func ReadStatus(ctx context.Context, cfg config.Leader) (Status, error) {
	cli, err := Client(cfg)
	if err != nil {
		return Status{}, err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.TTL+claimTimeout)
	defer cancel()
	st := Status{Endpoints: cfg.Etcd, Duties: map[string]Claimed{}}
	r, err := cli.Get(ctx, cfg.Prefix+"leader/", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByCreateRevision, clientv3.SortAscend))
	if err != nil {
		return Status{}, fmt.Errorf("%w: reading the election at %v: %w", ErrEtcd, cfg.Etcd, err)
	}
	for _, kv := range r.Kvs {
		mi := MemberInfo{Name: string(kv.Value), Lease: leaseHex(clientv3.LeaseID(kv.Lease)), Revision: kv.CreateRevision}
		if l, err := cli.TimeToLive(ctx, clientv3.LeaseID(kv.Lease)); err == nil {
			mi.TTL = time.Duration(l.TTL) * time.Second
		}
		st.Members = append(st.Members, mi)
	}
	d, err := cli.Get(ctx, cfg.Prefix+"duty/", clientv3.WithPrefix())
	if err != nil {
		return Status{}, fmt.Errorf("%w: reading the duty journal: %w", ErrEtcd, err)
	}
	for _, kv := range d.Kvs {
		var c Claimed
		if json.Unmarshal(kv.Value, &c) == nil {
			st.Duties[strings.TrimPrefix(string(kv.Key), cfg.Prefix+"duty/")] = c
		}
	}
	return st, nil
}

// String is the status for a terminal.
func (s Status) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "etcd:    %s\n", strings.Join(s.Endpoints, ", "))
	if l := s.Leader(); l != "" {
		fmt.Fprintf(&b, "leader:  %s (lease %s, %s left, revision %d)\n", l, s.Members[0].Lease, s.Members[0].TTL, s.Members[0].Revision)
	} else {
		b.WriteString("leader:  none (no hub is campaigning)\n")
	}
	b.WriteString("members:\n")
	for i, m := range s.Members {
		role := "follower"
		if i == 0 {
			role = "leader"
		}
		fmt.Fprintf(&b, "  %-16s %-8s lease %s  %s left  revision %d\n", m.Name, role, m.Lease, m.TTL, m.Revision)
	}
	if len(s.Duties) > 0 {
		b.WriteString("last actions:\n")
		keys := make([]string, 0, len(s.Duties))
		for k := range s.Duties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c := s.Duties[k]
			fmt.Fprintf(&b, "  %-32s %s by %s at %s (lease %s, revision %d)\n", k, c.Occasion, c.By, c.At.Format(time.RFC3339), c.Lease, c.Revision)
		}
	}
	return b.String()
}
