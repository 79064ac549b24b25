package cloudflare

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/hub/internet/ddns/ddnstest"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// fakeAPI follows the documented v4 shapes: a zone list, record
// list/create/patch, bearer auth, 429 with retry-after, and code 81058.
type fakeAPI struct {
	mu        sync.Mutex
	token     string
	records   map[string]record // id → record
	calls     []string
	limited   bool
	identical bool
}

func (f *fakeAPI) reply(w http.ResponseWriter, status int, result any, errs ...APIError) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	res, _ := json.Marshal(result)
	_ = json.NewEncoder(w).Encode(Envelope{Success: len(errs) == 0, Errors: append([]APIError{}, errs...), Result: res})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	switch {
	case f.limited:
		w.Header().Set("Retry-After", "300")
		f.reply(w, 429, nil, APIError{971, "Please wait and consider throttling your request speed"})
	case r.Header.Get("Authorization") != "Bearer "+f.token:
		f.reply(w, 403, nil, APIError{10000, "Authentication error"})
	case r.Method == "GET" && r.URL.Path == "/client/v4/zones":
		if r.URL.Query().Get("name") != "example.com" {
			f.reply(w, 200, []any{})
			return
		}
		f.reply(w, 200, []map[string]string{{"id": "z1", "name": "example.com"}})
	case r.Method == "GET" && r.URL.Path == "/client/v4/zones/z1/dns_records":
		var out []record
		for _, rec := range f.records {
			if rec.Name == r.URL.Query().Get("name") && rec.Type == r.URL.Query().Get("type") {
				out = append(out, rec)
			}
		}
		f.reply(w, 200, out)
	case r.Method == "POST" && r.URL.Path == "/client/v4/zones/z1/dns_records":
		var rec record
		if err := json.NewDecoder(r.Body).Decode(&rec); err != nil || rec.Content == "" || rec.Type == "" {
			f.reply(w, 400, nil, APIError{9005, "Content for A record is invalid"})
			return
		}
		if f.identical {
			f.reply(w, 400, nil, APIError{codeIdentical, "An identical record already exists."})
			return
		}
		rec.ID = fmt.Sprintf("r%d", len(f.records)+1)
		f.records[rec.ID] = rec
		f.reply(w, 200, rec)
	case r.Method == "PATCH" && strings.HasPrefix(r.URL.Path, "/client/v4/zones/z1/dns_records/"):
		id := strings.TrimPrefix(r.URL.Path, "/client/v4/zones/z1/dns_records/")
		rec, ok := f.records[id]
		var patch struct {
			Content string `json:"content"`
		}
		if !ok || json.NewDecoder(r.Body).Decode(&patch) != nil {
			f.reply(w, 404, nil, APIError{81044, "Record does not exist."})
			return
		}
		rec.Content = patch.Content
		f.records[id] = rec
		f.reply(w, 200, rec)
	default:
		f.reply(w, 404, nil, APIError{7003, "Could not route to " + r.URL.Path})
	}
}

func TestAgainstFake(t *testing.T) {
	api := &fakeAPI{token: "tok", records: map[string]record{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	p, err := New(Settings{Token: "tok", URL: srv.URL + "/client/v4"}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := ddnstest.Record(300)
	ddnstest.Writes(t, p, r, "81.2.69.142", "81.2.69.142", "81.2.69.200")
	if len(api.records) != 1 || api.records["r1"].Content != "81.2.69.200" {
		t.Errorf("records %+v", api.records)
	}
	want := "GET /client/v4/zones GET /client/v4/zones/z1/dns_records POST /client/v4/zones/z1/dns_records GET /client/v4/zones/z1/dns_records GET /client/v4/zones/z1/dns_records PATCH /client/v4/zones/z1/dns_records/r1"
	if got := strings.Join(api.calls, " "); got != want {
		t.Errorf("calls\n%s\nwant\n%s", got, want)
	}

	api.identical = true
	if err := p.Update(ctx, ddns.Record{Name: "other.example.com", Zone: "example.com", Type: "A", TTL: 1}, netip.MustParseAddr("81.2.69.1")); err != nil {
		t.Errorf("81058 must be success: %v", err)
	}
	api.identical = false

	api.limited = true
	ddnstest.Throttled(t, p, r, 300*time.Second)
	api.limited = false

	bad, _ := New(Settings{Token: "wrong", URL: srv.URL + "/client/v4"}, 5*time.Second)
	if err := ddnstest.Refused(t, bad, r, ddns.ErrDisabled, "wrong token"); err == nil || !strings.Contains(err.Error(), "Authentication error") {
		t.Errorf("wrong token: %v, want the API's words", err)
	}
	ddnstest.Refused(t, p, ddns.Record{Name: "a.elsewhere.org", Zone: "elsewhere.org", Type: "A"}, ddns.ErrDisabled, "unknown zone")
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Settings{}, 0); !errors.Is(err, ErrConfig) {
		t.Errorf("no token: %v", err)
	}
	if _, err := New(Settings{Token: "t", URL: "::"}, 0); !errors.Is(err, ErrConfig) {
		t.Errorf("bad url: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(200, []byte(`{"success":true,"errors":[],"result":[{"id":"r1","content":"81.2.69.142"}]}`))
	f.Add(400, []byte(`{"success":false,"errors":[{"code":81058,"message":"An identical record already exists."}]}`))
	f.Add(502, []byte(`<html>Bad gateway</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var out []record
		err := Parse(status, body, &out)
		if err == nil && status/100 != 2 && !strings.Contains(string(body), "81058") {
			t.Fatalf("HTTP %d accepted: %q", status, body)
		}
	})
}
