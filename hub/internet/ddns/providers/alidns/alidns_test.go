package alidns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/hub/internet/ddns/ddnstest"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// TestSignKnownAnswer is the signature example of Alibaba's RPC
// signature documentation (AccessKey testid / testsecret).
func TestSignKnownAnswer(t *testing.T) {
	params := url.Values{
		"TimeStamp": {"2016-02-23T12:46:24Z"}, "Format": {"XML"}, "AccessKeyId": {"testid"}, "Action": {"DescribeRegions"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"}, "Version": {"2014-05-26"}, "SignatureVersion": {"1.0"},
	}
	if got := Sign("GET", params, "testsecret"); got != "CT9X0VtwR86fNWSnsc6v8YGOjuE=" {
		t.Errorf("signature %s, want the documented CT9X0VtwR86fNWSnsc6v8YGOjuE=", got)
	}
}

type rec struct{ id, rr, typ, value string }

// fake checks each request as Alidns does: the signature over the sorted
// query, a fresh nonce, a current timestamp, the key id; then serves the
// three actions and the documented error codes.
type fake struct {
	mu       sync.Mutex
	secrets  map[string]string
	records  []rec
	nonces   map[string]bool
	actions  []string
	throttle bool
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	fail := func(status int, code, msg string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"RequestId": "x", "Code": code, "Message": msg})
	}
	secret, ok := f.secrets[q.Get("AccessKeyId")]
	ts, err := time.Parse("2006-01-02T15:04:05Z", q.Get("Timestamp"))
	switch {
	case !ok:
		fail(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
		return
	case q.Get("Signature") != Sign("GET", q, secret):
		fail(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
		return
	case err != nil || time.Since(ts).Abs() > 15*time.Minute || f.nonces[q.Get("SignatureNonce")]:
		fail(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
		return
	case q.Get("Version") != "2015-01-09" || q.Get("Format") != "JSON":
		fail(400, "InvalidVersion", "Specified parameter Version is not valid.")
		return
	case f.throttle:
		fail(400, "Throttling.User", "Request was denied due to user flow control.")
		return
	}
	f.nonces[q.Get("SignatureNonce")] = true
	f.actions = append(f.actions, q.Get("Action"))
	out := map[string]any{"RequestId": "x"}
	switch q.Get("Action") {
	case "DescribeSubDomainRecords":
		var list []map[string]string
		for _, rc := range f.records {
			if rc.rr+".example.com" == q.Get("SubDomain") && rc.typ == q.Get("Type") {
				list = append(list, map[string]string{"RecordId": rc.id, "RR": rc.rr, "Type": rc.typ, "Value": rc.value})
			}
		}
		out["TotalCount"] = len(list)
		out["DomainRecords"] = map[string]any{"Record": list}
	case "AddDomainRecord":
		if q.Get("DomainName") != "example.com" {
			fail(400, "IncorrectDomainUser", "This domain name does not belong to you.")
			return
		}
		id := fmt.Sprint(len(f.records) + 1)
		f.records = append(f.records, rec{id, q.Get("RR"), q.Get("Type"), q.Get("Value")})
		out["RecordId"] = id
	case "UpdateDomainRecord":
		for i := range f.records {
			if f.records[i].id == q.Get("RecordId") {
				if f.records[i].value == q.Get("Value") {
					fail(400, "DomainRecordDuplicate", "The DNS record already exists.")
					return
				}
				f.records[i].value = q.Get("Value")
			}
		}
		out["RecordId"] = q.Get("RecordId")
	}
	_ = json.NewEncoder(w).Encode(out)
}

func TestAgainstFake(t *testing.T) {
	f := &fake{secrets: map[string]string{"LTAIid": "s3cret"}, nonces: map[string]bool{}}
	url := ddnstest.Serve(t, f) + "/"
	p, err := New(Settings{AccessKeyID: "LTAIid", AccessKeySecret: "s3cret", URL: url}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r := ddnstest.Record(600)
	ddnstest.Writes(t, p, r, "81.2.69.142", "81.2.69.142", "81.2.69.200")
	ddnstest.Calls(t, "records", f.records, "[{1 home A 81.2.69.200}]")
	ddnstest.Calls(t, "actions", f.actions, "[DescribeSubDomainRecords AddDomainRecord DescribeSubDomainRecords DescribeSubDomainRecords UpdateDomainRecord]")
	f.throttle = true
	ddnstest.Throttled(t, p, r, 0)
	f.throttle = false
	for _, cfg := range []Settings{{AccessKeyID: "LTAIid", AccessKeySecret: "wrong"}, {AccessKeyID: "nobody", AccessKeySecret: "s3cret"}} {
		cfg.URL = url
		bad, _ := New(cfg, 5*time.Second)
		ddnstest.Refused(t, bad, r, ddns.ErrDisabled, cfg.AccessKeyID)
	}
	if _, err := New(Settings{AccessKeyID: "x"}, 0); !errors.Is(err, ErrConfig) {
		t.Errorf("no secret: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(200, []byte(`{"RequestId":"x","TotalCount":1,"DomainRecords":{"Record":[{"RecordId":"1","Value":"81.2.69.142"}]}}`))
	f.Add(404, []byte(`{"Code":"InvalidAccessKeyId.NotFound","Message":"x"}`))
	f.Add(502, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r, err := Parse(status, body)
		if err == nil && r.Code != "" && r.Code != "DomainRecordDuplicate" {
			t.Fatalf("error code %q accepted", r.Code)
		}
	})
}
