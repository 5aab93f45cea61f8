// Package s3local holds the local platform's S3 server: versitygw's command line, its
// credentials file, the buckets it serves and the Kubernetes objects through which pods
// reach it. The values are pure; the client creates buckets on a running server.
package s3local
