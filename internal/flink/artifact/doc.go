// Package artifact fetches session-job jars from http(s) or local paths, refusing loopback, link-local and metadata-service hosts.
package artifact
