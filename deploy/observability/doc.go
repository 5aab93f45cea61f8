// Package observability holds weir's Grafana dashboards and Prometheus alert rules (files in
// dashboards/ and alerts/, loaded as they are into Grafana, Prometheus or vmalert) and reads
// every query out of them, so tests can parse them, check the metric names they use, and run
// them against a real VictoriaMetrics (docs/metrics.md, "Dashboards and alerts").
package observability
