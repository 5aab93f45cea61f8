package s3local

import (
	"net"
	"strconv"
)

// Fixed facts of the local S3 server.
const (
	// Port is where versitygw listens, on the bridge IP only, so that the host and pods
	// (through the Service) reach it and nothing else does.
	Port = 29000
	// Region is what clients sign requests for; versitygw accepts one region.
	Region = "us-east-1"
	// HealthPath answers 200 once the gateway serves requests.
	HealthPath = "/health"
)

// Buckets are created by `weir local up`: Flink's state (checkpoints, savepoints, HA)
// and the jobs' output, kept apart so a listing of one never pages through the other.
var Buckets = []string{"flink-state", "flink-output"}

// Endpoint is the URL of the server listening on ip.
func Endpoint(ip string) string {
	return "http://" + net.JoinHostPort(ip, strconv.Itoa(Port))
}

// Args is versitygw's command line serving the buckets under root (one directory per
// bucket) on listen. Credentials are not here: they go in the environment (Env), which
// other users cannot read, unlike /proc/<pid>/cmdline.
func Args(listen, root string) []string {
	return []string{
		"--port", listen,
		"--region", Region,
		"--health", HealthPath,
		"--quiet",
		"posix", root,
	}
}

// Env passes the root credentials to versitygw.
func Env(c Credentials) []string {
	return []string{"ROOT_ACCESS_KEY_ID=" + c.AccessKeyID, "ROOT_SECRET_ACCESS_KEY=" + c.SecretAccessKey}
}

// EnvCredentials is the credentials in the variables AWS clients (Flink's s3 plugins among
// them) read from their environment.
func EnvCredentials(c Credentials) []string {
	return []string{AccessKeyIDKey + "=" + c.AccessKeyID, SecretAccessKeyKey + "=" + c.SecretAccessKey}
}
