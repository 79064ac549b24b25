package alidns

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the RPC signature is HMAC-SHA1 by specification
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// Encode is the RPC percent-encoding: RFC 3986, space as %20, '*' as
// %2A, '~' kept.
func Encode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

// Canonical is the sorted, encoded query without Signature.
func Canonical(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, Encode(k)+"="+Encode(params.Get(k)))
	}
	return strings.Join(parts, "&")
}

// Sign is the RPC signature (V1/"V2" in the docs): Base64(HMAC-SHA1(
// secret+"&", METHOD&%2F&Encode(canonical))).
func Sign(method string, params url.Values, secret string) string {
	toSign := method + "&" + Encode("/") + "&" + Encode(Canonical(params))
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
