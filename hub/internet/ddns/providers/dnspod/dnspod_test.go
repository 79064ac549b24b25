package dnspod

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
	"github.com/homefleet/homefleet/hub/internet/ddns/ddnstest"

	_ "github.com/homefleet/homefleet/internal/golden" // registers -update for go test ./... -update
)

// TestSignatureKnownAnswer checks the TC3 key derivation on the string to
// sign of Tencent Cloud's signature v3 documentation example.
func TestSignatureKnownAnswer(t *testing.T) {
	toSign := "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
	if got := Signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm", toSign); got != "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168" {
		t.Errorf("signature %s", got)
	}
}

// verifyTC3 checks a request's TC3-HMAC-SHA256 signature the way Tencent
// Cloud's API 3.0 documentation describes it, written here on its own (it
// does not call the package's signer): the canonical request from the
// request as received, over the headers it says it signed.
func verifyTC3(r *http.Request, body []byte, id, key string) bool {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, "TC3-HMAC-SHA256 ")
	if !ok {
		return false
	}
	parts := map[string]string{}
	for _, kv := range strings.Split(rest, ", ") {
		k, v, _ := strings.Cut(kv, "=")
		parts[k] = v
	}
	ts := r.Header.Get("X-TC-Timestamp")
	sec, _ := strconv.ParseInt(ts, 10, 64)
	date := time.Unix(sec, 0).UTC().Format("2006-01-02")
	if parts["Credential"] != id+"/"+date+"/dnspod/tc3_request" {
		return false
	}
	var canonHeaders strings.Builder
	for _, h := range strings.Split(parts["SignedHeaders"], ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	if !strings.Contains(parts["SignedHeaders"], "host") || !strings.Contains(parts["SignedHeaders"], "content-type") {
		return false // the documentation requires both
	}
	hash := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	mac := func(k []byte, m string) []byte { h := hmac.New(sha256.New, k); h.Write([]byte(m)); return h.Sum(nil) }
	canonical := r.Method + "\n" + r.URL.Path + "\n" + r.URL.RawQuery + "\n" + canonHeaders.String() + "\n" + parts["SignedHeaders"] + "\n" + hash(body)
	toSign := "TC3-HMAC-SHA256\n" + ts + "\n" + date + "/dnspod/tc3_request\n" + hash([]byte(canonical))
	k := mac(mac(mac([]byte("TC3"+key), date), "dnspod"), "tc3_request")
	return hmac.Equal([]byte(hex.EncodeToString(mac(k, toSign))), []byte(parts["Signature"]))
}

type record struct {
	id    uint64
	sub   string
	typ   string
	value string
	line  string
}

// fake checks every request as API 3.0 does (POST /, JSON, version,
// timestamp, TC3 signature over host, content type and action) and
// answers in the Response envelope, errors included, with HTTP 200.
type fake struct {
	mu      sync.Mutex
	keys    map[string]string
	records []record
	actions []string
	limited bool
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	reply := func(resp map[string]any) {
		resp["RequestId"] = "req-1"
		_ = json.NewEncoder(w).Encode(map[string]any{"Response": resp})
	}
	fail := func(code, msg string) {
		reply(map[string]any{"Error": map[string]string{"Code": code, "Message": msg}})
	}
	action := r.Header.Get("X-TC-Action")
	sec, _ := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	ts := time.Unix(sec, 0)
	var id string
	_, _ = fmt.Sscanf(r.Header.Get("Authorization"), "TC3-HMAC-SHA256 Credential=%s", &id)
	if i := len(id) - len("/2006-01-02/dnspod/tc3_request,"); i > 0 {
		id = id[:i]
	}
	key, ok := f.keys[id]
	switch {
	case r.Method != "POST" || r.URL.Path != "/" || r.Header.Get("Content-Type") != ContentType:
		fail("InvalidParameter", "want POST / with JSON")
		return
	case r.Header.Get("X-TC-Version") != Version:
		fail("InvalidParameterValue", "bad X-TC-Version")
		return
	case !ok:
		fail("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
		return
	case time.Since(ts).Abs() > 5*time.Minute:
		fail("AuthFailure.SignatureExpire", "Signature expired.")
		return
	case !verifyTC3(r, body, id, key):
		fail("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
		return
	case f.limited:
		fail("RequestLimitExceeded", "Your current request times equals to 20 in a second.")
		return
	}
	var in struct {
		Domain, Subdomain, SubDomain, RecordType, RecordLine, Value string
		RecordID                                                    uint64 `json:"RecordId"`
	}
	_ = json.Unmarshal(body, &in)
	f.actions = append(f.actions, action)
	switch action {
	case "DescribeRecordList":
		var list []map[string]any
		for _, rc := range f.records {
			if rc.sub == in.Subdomain && rc.typ == in.RecordType {
				list = append(list, map[string]any{"RecordId": rc.id, "Value": rc.value, "Line": rc.line, "Name": rc.sub, "Type": rc.typ})
			}
		}
		if len(list) == 0 {
			fail("ResourceNotFound.NoDataOfRecord", "No records.")
			return
		}
		reply(map[string]any{"RecordList": list, "RecordCountInfo": map[string]int{"TotalCount": len(list)}})
	case "CreateRecord":
		f.records = append(f.records, record{uint64(len(f.records) + 1), in.SubDomain, in.RecordType, in.Value, in.RecordLine})
		reply(map[string]any{"RecordId": len(f.records)})
	case "ModifyRecord":
		for i := range f.records {
			if f.records[i].id == in.RecordID {
				f.records[i].value = in.Value
			}
		}
		reply(map[string]any{"RecordId": in.RecordID})
	default:
		fail("InvalidAction", "unknown action")
	}
}

func TestAgainstFake(t *testing.T) {
	f := &fake{keys: map[string]string{"AKIDtest": "secretkey"}}
	url := ddnstest.Serve(t, f) + "/"
	p, err := New(Settings{SecretID: "AKIDtest", SecretKey: "secretkey", URL: url}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r := ddnstest.Record(600)
	ddnstest.Writes(t, p, r, "81.2.69.142", "81.2.69.142", "81.2.69.200")
	ddnstest.Calls(t, "records", f.records, "[{1 home A 81.2.69.200 \u9ed8\u8ba4}]")
	ddnstest.Calls(t, "actions", f.actions, "[DescribeRecordList CreateRecord DescribeRecordList DescribeRecordList ModifyRecord]")
	f.limited = true
	ddnstest.Throttled(t, p, r, 0)
	f.limited = false
	for _, cfg := range []Settings{{SecretID: "AKIDtest", SecretKey: "wrong"}, {SecretID: "AKIDnobody", SecretKey: "secretkey"}} {
		cfg.URL = url
		bad, _ := New(cfg, 5*time.Second)
		ddnstest.Refused(t, bad, r, ddns.ErrDisabled, cfg.SecretID)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(200, []byte(`{"Response":{"RecordList":[{"RecordId":1,"Value":"81.2.69.142"}],"RequestId":"x"}}`))
	f.Add(200, []byte(`{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"m"},"RequestId":"x"}}`))
	f.Add(502, []byte(`<html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r, err := Parse(status, body)
		if err == nil && (r.Response.Error != nil || status/100 != 2) {
			t.Fatalf("accepted HTTP %d %q", status, body)
		}
	})
}
