package idle

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/testsmb"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestParseSmbstatus(t *testing.T) {
	tests := []struct {
		name, doc, want string
		err             bool
	}{
		{"none", `{"sessions": {}}`, "", false},
		{"two from one client", `{"sessions": {"1": {"remote_machine": "192.168.1.20"}, "2": {"remote_machine": "192.168.1.20"}, "3": {"hostname": "ipv4:10.0.0.5:4242"}}}`,
			"2 SMB sessions from 192.168.1.20|1 SMB session from ipv4:10.0.0.5:4242", false},
		{"not json", "Samba version 4.17", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSmbstatus([]byte(tt.doc))
			if (err != nil) != tt.err || strings.Join(got, "|") != tt.want {
				t.Errorf("got %q %v, want %q", got, err, tt.want)
			}
		})
	}
}

func FuzzParseSmbstatus(f *testing.F) {
	f.Add([]byte(`{"sessions": {"1": {"remote_machine": "192.168.1.20"}}}`))
	f.Add([]byte(`{"sessions": []}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		reasons, err := ParseSmbstatus(b)
		if err != nil && !errors.Is(err, ErrSmbstatus) {
			t.Fatalf("unexpected error kind %v", err)
		}
		for _, r := range reasons {
			if !strings.Contains(r, "SMB session") {
				t.Fatalf("odd reason %q", r)
			}
		}
	})
}

type fixed struct {
	name    string
	reasons []string
	err     error
}

func (f fixed) Name() string                             { return f.name }
func (f fixed) Active(context.Context) ([]string, error) { return f.reasons, f.err }

func TestEvaluate(t *testing.T) {
	r := Evaluate(context.Background(), []Check{
		fixed{name: "a"}, fixed{name: "b", err: errors.New("smbstatus missing")},
	})
	if !r.Idle || len(r.Errors) != 1 {
		t.Errorf("a failing check must not block sleep: %+v", r)
	}
	keep := false
	r = Evaluate(context.Background(), []Check{fixed{name: "a", reasons: []string{"1 SMB session from x"}}, Flag{Label: "keep awake switch on", On: func() bool { return keep }}})
	if r.Idle || len(r.Reasons) != 1 {
		t.Errorf("%+v", r)
	}
	keep = true
	if r = Evaluate(context.Background(), []Check{Flag{Label: "keep awake switch on", On: func() bool { return keep }}}); r.Idle {
		t.Error("keep-awake must block idle")
	}
}

func TestLocalChecksRun(t *testing.T) {
	for _, c := range []Check{Users{}, Load{Max: 1000}, Ports{Ports: []uint32{22, 445}}, Processes{Names: []string{"no-such-process-xyz"}}} {
		if reasons, err := c.Active(context.Background()); err != nil {
			t.Errorf("%s: %v", c.Name(), err)
		} else if c.Name() == "load" && len(reasons) != 0 || c.Name() == "processes" && len(reasons) != 0 {
			t.Errorf("%s: unexpected %v", c.Name(), reasons)
		}
	}
	if reasons, _ := (Load{Max: -1}).Active(context.Background()); len(reasons) != 1 {
		t.Errorf("load over a negative max must be reported: %v", reasons)
	}
}

// TestSMBWithRealSamba starts smbd on a loopback port, opens a session
// with smbclient and sees it through smbstatus; closing it makes the
// machine idle again.
func TestSMBWithRealSamba(t *testing.T) {
	smbclient, smbstatus := testsmb.Binary(t, "smbclient"), testsmb.Binary(t, "smbstatus")
	s := testsmb.Start(t)
	conf, port := s.Conf, s.Port
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	check := SMB{Binary: smbstatus, Args: []string{"-s", conf}}

	client := exec.CommandContext(ctx, smbclient, "-p", port, "//127.0.0.1/share", "-N", "-s", conf)
	stdin, err := client.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	client.Stdout, client.Stderr = io.Discard, io.Discard
	var reasons []string
	for attempt := 0; attempt < 50 && len(reasons) == 0; attempt++ {
		if attempt == 5 { // give smbd time to listen, then connect
			if err := client.Start(); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(200 * time.Millisecond)
		if attempt >= 5 {
			reasons, err = check.Active(ctx)
		}
	}
	if err != nil || len(reasons) != 1 || reasons[0] != "1 SMB session from 127.0.0.1" {
		t.Fatalf("with a session open: %q %v", reasons, err)
	}
	r := Evaluate(ctx, []Check{check})
	t.Logf("blocking: %v", r.Reasons)
	if r.Idle {
		t.Error("an open SMB session must keep the machine awake")
	}
	_ = stdin.Close() // smbclient quits, the session ends
	_ = client.Wait()
	for attempt := 0; attempt < 50; attempt++ {
		if reasons, err = check.Active(ctx); err == nil && len(reasons) == 0 {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("session still reported after the client left: %q %v", reasons, err)
}

func TestNFS(t *testing.T) {
	root := t.TempDir()
	for i, info := range []string{
		"clientid: 0x6b5e6f4a\naddress: \"192.168.1.5:867\"\nname: \"Linux NFSv4.2 pc\"\n",
		"clientid: 0x6b5e6f4b\naddress: \"192.168.1.5:901\"\n",
		"clientid: 0x6b5e6f4c\naddress: \"[2001:db8::7]:700\"\n",
	} {
		dir := filepath.Join(root, fmt.Sprint(i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "info"), []byte(info), 0o644); err != nil { //nolint:gosec // test data
			t.Fatal(err)
		}
	}
	got, err := NFS{Root: root}.Active(context.Background())
	want := "2 NFS clients from 192.168.1.5|1 NFS client from 2001:db8::7"
	if err != nil || strings.Join(got, "|") != want {
		t.Errorf("got %q %v, want %q", got, err, want)
	}
	if got, err := (NFS{Root: filepath.Join(root, "none")}).Active(context.Background()); err != nil || len(got) != 0 {
		t.Errorf("no NFS server: %q %v", got, err)
	}
}

func TestParseSmbSession(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{`{"ClientComputerName": "192.168.1.20"}`, "1 SMB session from 192.168.1.20"},
		{`[{"ClientComputerName": "192.168.1.20"}, {"ClientComputerName": "192.168.1.20"}, {"ClientComputerName": "[fe80::1]"}]`,
			"2 SMB sessions from 192.168.1.20|1 SMB session from [fe80::1]"},
	}
	for _, tt := range tests {
		got, err := ParseSmbSession([]byte(tt.in))
		if err != nil || strings.Join(got, "|") != tt.want {
			t.Errorf("%q: %q %v", tt.in, got, err)
		}
	}
	if _, err := ParseSmbSession([]byte("Access denied")); !errors.Is(err, ErrSmbstatus) {
		t.Errorf("want ErrSmbstatus, got %v", err)
	}
}
