// Package dnspod writes records through Tencent Cloud DNSPod API 3.0
// (2021-03-23): DescribeRecordList, then ModifyRecord or CreateRecord,
// each signed with TC3-HMAC-SHA256.
package dnspod

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/homefleet/homefleet/hub/internet/ddns"
)

// DefaultURL is the API endpoint.
const DefaultURL = "https://dnspod.tencentcloudapi.com/"

// Version is the API version sent in X-TC-Version.
const Version = "2021-03-23"

// ErrConfig is a provider configuration the API cannot work with.
var ErrConfig = errors.New("dnspod provider config")

// defaultLine is DNSPod's default resolution line ("默认").
const defaultLine = "\u9ed8\u8ba4"

// Provider is one SecretId/SecretKey pair.
type Provider struct {
	url, host, id, key string
	c                  *http.Client
	now                func() time.Time
}

// Settings are an API 3.0 key pair (username is the SecretId, password
// the SecretKey) and the API endpoint.
type Settings struct {
	SecretID  string `yaml:"username"`
	SecretKey string `yaml:"password" secret:"true"`
	URL       string `yaml:"url"` // default DefaultURL
}

// New validates the settings.
func New(s Settings, timeout time.Duration) (*Provider, error) {
	u, err := ddns.Settings(ErrConfig, s.URL, DefaultURL, ddns.Requirement{OK: s.SecretID != "" && s.SecretKey != "",
		Missing: "username (SecretId) and password (SecretKey, or password_file) are required"})
	if err != nil {
		return nil, err
	}
	return &Provider{url: u.String(), host: u.Host, id: s.SecretID, key: s.SecretKey, c: ddns.Client(timeout), now: time.Now}, nil
}

// Reply is the part of every reply this provider reads.
type Reply struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		RecordList []struct {
			RecordID uint64 `json:"RecordId"`
			Value    string `json:"Value"`
			Line     string `json:"Line"`
		} `json:"RecordList"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

// Update finds the record and modifies or creates it; an identical value
// is left alone.
func (p *Provider) Update(ctx context.Context, r ddns.Record, addr netip.Addr) error {
	sub, ok := strings.CutSuffix(r.Name, "."+r.Zone)
	if !ok {
		sub = "@"
	}
	found, err := p.call(ctx, "DescribeRecordList", map[string]any{"Domain": r.Zone, "Subdomain": sub, "RecordType": r.Type})
	if err != nil && !isCode(err, "ResourceNotFound.NoDataOfRecord") {
		return fmt.Errorf("looking up %s: %w", r.Name, err)
	}
	body := map[string]any{"Domain": r.Zone, "SubDomain": sub, "RecordType": r.Type, "RecordLine": defaultLine, "Value": addr.String(), "TTL": r.TTL}
	action := "CreateRecord"
	if list := found.Response.RecordList; len(list) > 0 {
		if list[0].Value == addr.String() {
			return nil
		}
		action = "ModifyRecord"
		body["RecordId"] = list[0].RecordID
		body["RecordLine"] = list[0].Line
	}
	if _, err := p.call(ctx, action, body); err != nil {
		return fmt.Errorf("writing %s: %w", r.Name, err)
	}
	return nil
}

type codeError struct{ code, msg string }

func (e *codeError) Error() string { return e.code + ": " + e.msg }

func isCode(err error, code string) bool {
	var ce *codeError
	return errors.As(err, &ce) && ce.code == code
}

func (p *Provider) call(ctx context.Context, action string, in map[string]any) (Reply, error) {
	payload, _ := json.Marshal(in)
	ts := p.now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(payload))
	if err != nil {
		return Reply{}, fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", ContentType)
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", Version)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("Authorization", Authorization(p.id, p.key, p.host, action, string(payload), ts))
	status, body, err := ddns.Do(p.c, req)
	if err != nil {
		return Reply{}, err
	}
	return Parse(status, body)
}

// Parse reads a reply: AuthFailure disables, RequestLimitExceeded waits,
// any other Error fails this attempt.
func Parse(status int, body []byte) (Reply, error) {
	var r Reply
	if err := json.Unmarshal(body, &r); err != nil || (r.Response.RequestID == "" && r.Response.Error == nil) {
		return Reply{}, fmt.Errorf("%w: HTTP %d, not the API's JSON: %.60q", ddns.ErrReply, status, body)
	}
	e := r.Response.Error
	switch {
	case e == nil && status/100 == 2:
		return r, nil
	case e == nil:
		return r, fmt.Errorf("%w: HTTP %d", ddns.ErrReply, status)
	case strings.HasPrefix(e.Code, "RequestLimitExceeded"):
		return r, &ddns.RetryAfterError{After: time.Minute, Err: &codeError{e.Code, e.Message}}
	case strings.HasPrefix(e.Code, "AuthFailure"), strings.HasPrefix(e.Code, "UnauthorizedOperation"),
		e.Code == "InvalidParameterValue.DomainNotExists", e.Code == "ResourceNotFound.NoDataOfDomain":
		return r, fmt.Errorf("%w: %w", &codeError{e.Code, e.Message}, ddns.ErrDisabled)
	}
	return r, &codeError{e.Code, e.Message}
}
