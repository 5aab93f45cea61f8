// Package datadogintake is a local stand-in for Datadog's metrics intake, for tests that run
// Flink's Datadog HTTP reporter for real. The reporter (flink-metrics-datadog) posts to a
// fixed HTTPS address per data center (app.datadoghq.com or app.datadoghq.eu,
// /api/v1/series?api_key=…) and can only be pointed elsewhere through an HTTP proxy
// (metrics.reporter.<name>.proxyHost/proxyPort). So the intake is that proxy: it answers
// each CONNECT itself, terminates TLS with a certificate for Datadog's hosts signed by a CA
// it makes, and records the series the reporter sends; the JVM trusts the CA through a trust
// store the intake writes (JavaOptions).
package datadogintake
