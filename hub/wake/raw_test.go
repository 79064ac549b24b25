package wake

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/internal/testbroker"
)

// TestRawFrameCapturedByTshark sends a raw Ethernet WoL frame on the
// loopback interface and has tshark decode it.
func TestRawFrameCapturedByTshark(t *testing.T) {
	bin, err := exec.LookPath("tshark")
	if err != nil {
		testbroker.SkipOrFail(t, "tshark is not installed (apt-get install tshark)")
	}
	if os.Geteuid() != 0 {
		t.Skip("raw frames need CAP_NET_RAW (CI runs as root)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-l", "-i", "lo", "-f", "ether proto 0x0842", "-c", "1", "-T", "fields", "-e", "eth.type", "-e", "wol.mac")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Capturing on") {
				close(ready)
				break
			}
		}
		for sc.Scan() {
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("tshark did not start capturing")
	}
	time.Sleep(300 * time.Millisecond)
	mac, _ := ParseMAC("02:11:22:33:44:55")
	if _, err := Send(ctx, Auto{}, Target{Name: "x", MAC: mac, Addresses: []string{RawPrefix + "lo"}}, Options{Repeats: 1}); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	_ = cmd.Wait()
	if !strings.HasPrefix(line, "0x0842") || !strings.Contains(line, "02:11:22:33:44:55") {
		t.Errorf("tshark saw %q, want EtherType 0x0842 and the MAC", line)
	}
}
