package mqttc

// TLS: the client's configuration from mqtt.tls, and errors that say which
// certificate the broker showed and which setting to change.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/homefleet/homefleet/internal/config"
)

// ErrTLS is returned for unusable TLS files and for a broker certificate
// that cannot be trusted.
var ErrTLS = errors.New("bad tls setting")

func tlsConfig(t config.TLS) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // opt-in, warned about
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading mqtt.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt.tls.ca_file %s: %w: no PEM certificate found", t.CAFile, ErrTLS)
		}
		tc.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading mqtt.tls.cert_file/key_file: %w: %w", ErrTLS, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func certificateError(err error) bool {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	return errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &hn)
}

// explainTLS says what is wrong with the broker's certificate in terms of
// the certificate (subject, issuer, dates) and the setting to change.
func explainTLS(err error, t config.TLS, now time.Time) string {
	trust := "the system's CAs (set mqtt.tls.ca_file to the CA that signed the broker's certificate)"
	if t.CAFile != "" {
		trust = "mqtt.tls.ca_file " + t.CAFile
	}
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	switch {
	case errors.As(err, &ua) && ua.Cert != nil:
		return fmt.Sprintf("the broker's certificate %q, issued by %q, is not signed by a CA in %s", ua.Cert.Subject, ua.Cert.Issuer, trust)
	case errors.As(err, &ci) && ci.Cert != nil && ci.Reason == x509.Expired:
		c := ci.Cert
		if now.Before(c.NotBefore) {
			return fmt.Sprintf("the broker's certificate %q is not valid until %s (is this machine's clock right?)", c.Subject, c.NotBefore.UTC().Format(time.RFC3339))
		}
		return fmt.Sprintf("the broker's certificate %q expired on %s: renew it on the broker", c.Subject, c.NotAfter.UTC().Format(time.RFC3339))
	case errors.As(err, &ci) && ci.Cert != nil:
		return fmt.Sprintf("the broker's certificate %q is not usable: %v", ci.Cert.Subject, err)
	case errors.As(err, &hn) && hn.Certificate != nil:
		names := append(append([]string{}, hn.Certificate.DNSNames...), ipStrings(hn.Certificate)...)
		return fmt.Sprintf("the broker's certificate %q is for %s, not %s: use one of those names in mqtt.url", hn.Certificate.Subject, strings.Join(names, ", "), hn.Host)
	}
	return err.Error()
}

func ipStrings(c *x509.Certificate) []string {
	var out []string
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}
