package ddns

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// UserAgent is sent to every provider (some refuse Go's default).
var UserAgent = "homefleet (+https://github.com/homefleet/homefleet)"

// MaxReply bounds what is read of a provider's reply.
const MaxReply = 64 << 10

// Do sends req with the user agent and returns the status and body. A
// 429 or 503 with Retry-After becomes a *RetryAfterError.
func Do(c *http.Client, req *http.Request) (int, []byte, error) {
	req.Header.Set("User-Agent", UserAgent)
	resp, err := c.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, which may carry a token
		}
		return 0, nil, fmt.Errorf("calling %s: %w", req.URL.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxReply))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("reading the reply of %s: %w", req.URL.Host, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		return resp.StatusCode, body, &RetryAfterError{After: RetryAfter(resp.Header, time.Now()), Err: fmt.Errorf("%s: HTTP %d", req.URL.Host, resp.StatusCode)}
	}
	return resp.StatusCode, body, nil
}

// RetryAfter reads a Retry-After header (seconds or an HTTP date);
// absent or unreadable means one minute.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return time.Minute
}

// Client is an HTTP client for a provider: a timeout and no cookies.
func Client(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout}
}

// Endpoint is the configured API URL, or def when none is set; either
// must be an absolute http(s) URL.
func Endpoint(configured, def string) (*url.URL, error) {
	raw := configured
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("url %q is not an http(s) endpoint URL", raw)
	}
	return u, nil
}

// Settings checks a provider's settings: each requirement (ok, and the
// words naming what is missing) must hold, and the API URL (the default
// when none is configured) must be an http(s) URL. Errors wrap errConfig.
func Settings(errConfig error, configured, def string, reqs ...Requirement) (*url.URL, error) {
	for _, r := range reqs {
		if !r.OK {
			return nil, fmt.Errorf("%w: %s", errConfig, r.Missing)
		}
	}
	u, err := Endpoint(configured, def)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errConfig, err)
	}
	return u, nil
}

// Requirement is one condition on a provider's settings.
type Requirement struct {
	OK      bool
	Missing string // what to set, in words
}
