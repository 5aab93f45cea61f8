// Package obslocal holds the local platform's opt-in observability: the metrics server
// (VictoriaMetrics) scraping annotated pods and the operator's /metrics, its rule engine
// (vmalert) evaluating weir's alert rules, the log store (VictoriaLogs) and the log shipper
// (vlagent) reading every container log of the node. It renders their command lines and
// scrape config, creates what the scraper needs in the cluster, and has the clients tests
// use to query them.
package obslocal
