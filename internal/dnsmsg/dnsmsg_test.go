package dnsmsg

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestAddrs(t *testing.T) {
	m := new(dns.Msg)
	for _, s := range []string{"a. 60 IN AAAA 2a00::1", "a. 60 IN A 81.2.69.200", "a. 60 IN TXT \"81.2.69.1\"", "a. 60 IN A 81.2.69.142"} {
		rr, err := dns.NewRR(s)
		if err != nil {
			t.Fatal(err)
		}
		m.Answer = append(m.Answer, rr)
	}
	if got := fmt.Sprint(Addrs(m)); got != "[81.2.69.142 81.2.69.200 2a00::1]" {
		t.Errorf("Addrs = %s", got)
	}
}
