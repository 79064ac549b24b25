package dnspod

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

const (
	service   = "dnspod"
	algorithm = "TC3-HMAC-SHA256"
	// ContentType is the only body type signed and sent.
	ContentType = "application/json; charset=utf-8"
)

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Signature derives the TC3 signing key for the day and signs.
func Signature(secretKey, date, svc, stringToSign string) string {
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, svc)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, stringToSign))
}

// Authorization is the TC3-HMAC-SHA256 header of a POST / with a JSON
// body, signing content-type, host and x-tc-action.
func Authorization(secretID, secretKey, host, action, payload string, ts time.Time) string {
	canonical := strings.Join([]string{
		"POST", "/", "",
		"content-type:" + ContentType + "\nhost:" + host + "\nx-tc-action:" + strings.ToLower(action) + "\n",
		"content-type;host;x-tc-action",
		sha256hex(payload),
	}, "\n")
	date := ts.UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	toSign := algorithm + "\n" + strconv.FormatInt(ts.Unix(), 10) + "\n" + scope + "\n" + sha256hex(canonical)
	return algorithm + " Credential=" + secretID + "/" + scope + ", SignedHeaders=content-type;host;x-tc-action, Signature=" + Signature(secretKey, date, service, toSign)
}
