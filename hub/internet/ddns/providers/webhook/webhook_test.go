package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

func TestAgainstFake(t *testing.T) {
	var got []string
	status, reply := 200, "ok updated"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.RequestURI()+" "+string(b)+" "+r.Header.Get("Authorization"))
		if status == 429 {
			w.Header().Set("Retry-After", "120")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(reply))
	}))
	defer srv.Close()
	ctx := context.Background()
	r := ddns.Record{Name: "home.example.com", Type: "A", TTL: 300}
	ip := netip.MustParseAddr("81.2.69.142")

	get, err := New(Settings{URL: srv.URL + "/set?host={name}&ip={ip}"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	post, err := New(Settings{URL: srv.URL + "/hook", Method: "post", Token: "tok", Success: "updated",
		Body: `{"name":"{name}","type":"{type}","ip":"{ip}","ttl":{ttl}}`}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := get.Update(ctx, r, ip); err != nil {
		t.Fatal(err)
	}
	if err := post.Update(ctx, r, ip); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"GET /set?host=home.example.com&ip=81.2.69.142  ",
		`POST /hook {"name":"home.example.com","type":"A","ip":"81.2.69.142","ttl":300} Bearer tok`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	reply = "error: nope"
	if err := post.Update(ctx, r, ip); !errors.Is(err, ddns.ErrReply) {
		t.Errorf("no success marker: %v", err)
	}
	status = 403
	if err := get.Update(ctx, r, ip); !errors.Is(err, ddns.ErrDisabled) {
		t.Errorf("403: %v", err)
	}
	status = 429
	var ra *ddns.RetryAfterError
	if err := get.Update(ctx, r, ip); !errors.As(err, &ra) || ra.After != 2*time.Minute {
		t.Errorf("429: %v", err)
	}
	for _, c := range []Settings{{URL: "ftp://x"}, {URL: "http://x", Method: "DELETE"}} {
		if _, err := New(c, time.Second); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}
