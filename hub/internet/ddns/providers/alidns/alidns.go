// Package alidns writes records through Alibaba Cloud DNS (Alidns, RPC
// API 2015-01-09): DescribeSubDomainRecords, then UpdateDomainRecord or
// AddDomainRecord, every call signed with the AccessKey.
package alidns

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// DefaultURL is the API endpoint.
const DefaultURL = "https://alidns.aliyuncs.com/"

// ErrConfig is a provider configuration the API cannot work with.
var ErrConfig = errors.New("alidns provider config")

// Provider is one AccessKey pair.
type Provider struct {
	url, id, secret string
	c               *http.Client
	now             func() time.Time
}

// Settings are an AccessKey pair (username is the AccessKeyId, password
// the AccessKeySecret) and the API endpoint.
type Settings struct {
	AccessKeyID     string `yaml:"username"`
	AccessKeySecret string `yaml:"password" secret:"true"`
	URL             string `yaml:"url"` // default DefaultURL
}

// New validates the settings.
func New(s Settings, timeout time.Duration) (*Provider, error) {
	u, err := ddns.Settings(ErrConfig, s.URL, DefaultURL, ddns.Requirement{OK: s.AccessKeyID != "" && s.AccessKeySecret != "",
		Missing: "username (AccessKeyId) and password (AccessKeySecret, or password_file) are required"})
	if err != nil {
		return nil, err
	}
	return &Provider{url: u.String(), id: s.AccessKeyID, secret: s.AccessKeySecret, c: ddns.Client(timeout), now: time.Now}, nil
}

// Reply is the part of every reply this provider reads.
type Reply struct {
	Code          string `json:"Code"`
	Message       string `json:"Message"`
	RecordID      string `json:"RecordId"`
	DomainRecords struct {
		Record []struct {
			RecordID string `json:"RecordId"`
			RR       string `json:"RR"`
			Type     string `json:"Type"`
			Value    string `json:"Value"`
		} `json:"Record"`
	} `json:"DomainRecords"`
}

// Update finds the record and changes or adds it; an identical value is
// left alone.
func (p *Provider) Update(ctx context.Context, r ddns.Record, addr netip.Addr) error {
	rr, ok := strings.CutSuffix(r.Name, "."+r.Zone)
	if !ok {
		rr = "@"
	}
	found, err := p.call(ctx, url.Values{"Action": {"DescribeSubDomainRecords"}, "SubDomain": {r.Name}, "Type": {r.Type}})
	if err != nil {
		return fmt.Errorf("looking up %s: %w", r.Name, err)
	}
	ttl := strconv.Itoa(max(r.TTL, 600)) // Alidns' smallest TTL outside paid plans
	params := url.Values{"RR": {rr}, "Type": {r.Type}, "Value": {addr.String()}, "TTL": {ttl}}
	if recs := found.DomainRecords.Record; len(recs) > 0 {
		if recs[0].Value == addr.String() {
			return nil
		}
		params.Set("Action", "UpdateDomainRecord")
		params.Set("RecordId", recs[0].RecordID)
	} else {
		params.Set("Action", "AddDomainRecord")
		params.Set("DomainName", r.Zone)
	}
	if _, err := p.call(ctx, params); err != nil {
		return fmt.Errorf("writing %s: %w", r.Name, err)
	}
	return nil
}

func (p *Provider) call(ctx context.Context, params url.Values) (Reply, error) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	params.Set("Format", "JSON")
	params.Set("Version", "2015-01-09")
	params.Set("AccessKeyId", p.id)
	params.Set("SignatureMethod", "HMAC-SHA1")
	params.Set("SignatureVersion", "1.0")
	params.Set("SignatureNonce", hex.EncodeToString(nonce))
	params.Set("Timestamp", p.now().UTC().Format("2006-01-02T15:04:05Z"))
	sig := Sign(http.MethodGet, params, p.secret)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"?"+Canonical(params)+"&Signature="+Encode(sig), nil)
	if err != nil {
		return Reply{}, fmt.Errorf("building request: %w", err)
	}
	status, body, err := ddns.Do(p.c, req)
	if err != nil {
		return Reply{}, err
	}
	return Parse(status, body)
}

// Parse reads a reply. DomainRecordDuplicate is success; throttling
// waits; key and permission errors disable.
func Parse(status int, body []byte) (Reply, error) {
	var r Reply
	if err := json.Unmarshal(body, &r); err != nil {
		return Reply{}, fmt.Errorf("%w: HTTP %d, not the API's JSON: %.60q", ddns.ErrReply, status, body)
	}
	switch {
	case status/100 == 2 && r.Code == "":
		return r, nil
	case r.Code == "DomainRecordDuplicate":
		return r, nil
	case strings.HasPrefix(r.Code, "Throttling"):
		return r, &ddns.RetryAfterError{After: time.Minute, Err: fmt.Errorf("%s: %s", r.Code, r.Message)}
	case strings.HasPrefix(r.Code, "InvalidAccessKeyId"), r.Code == "SignatureDoesNotMatch", strings.HasPrefix(r.Code, "Forbidden"),
		r.Code == "IncorrectDomainUser", r.Code == "InvalidDomainName.NoExist", r.Code == "DomainForbidden":
		return r, fmt.Errorf("%s: %s: %w", r.Code, r.Message, ddns.ErrDisabled)
	}
	return r, fmt.Errorf("%w: HTTP %d: %s: %s", ddns.ErrReply, status, r.Code, r.Message)
}
