package operator

import (
	"crypto/tls"
	"fmt"
	"net"

	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// MetricsOptions serves /metrics over HTTPS, each request authenticated (TokenReview) and
// authorized (SubjectAccessReview, "get" on the non-resource URL /metrics) by the API
// server, as controller-runtime supports. The certificate is tls.crt/tls.key in
// MetricsCertDir when given, else a self-signed one. MetricsInsecure serves plain HTTP
// without authentication instead, for development, and only on a loopback address.
func MetricsOptions(o Options) (metricsserver.Options, error) {
	if o.MetricsAddr == "0" {
		return metricsserver.Options{BindAddress: "0"}, nil
	}
	if o.MetricsInsecure {
		host, _, err := net.SplitHostPort(o.MetricsAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return metricsserver.Options{}, fmt.Errorf("plain-HTTP metrics serve only on a loopback address such as 127.0.0.1:8080, not %q", o.MetricsAddr)
		}
		return metricsserver.Options{BindAddress: o.MetricsAddr}, nil
	}
	return metricsserver.Options{
		BindAddress:    o.MetricsAddr,
		SecureServing:  true,
		FilterProvider: filters.WithAuthenticationAndAuthorization,
		CertDir:        o.MetricsCertDir,
		// HTTP/1.1 only: HTTP/2's stream reset and rapid-reset attacks need no credentials.
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	}, nil
}
