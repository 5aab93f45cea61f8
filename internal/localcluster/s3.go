package localcluster

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"weir.dev/weir/internal/s3local"
)

// s3Server is what the S3 step of Up leaves for the later steps.
type s3Server struct {
	creds s3local.Credentials
	note  string
}

// startS3 starts versitygw with the data dir's credentials (generated on first use) and
// creates the buckets it lacks.
func startS3(ctx context.Context, l Layout, d Daemon) (s3Server, error) {
	creds, generated, err := s3local.LoadOrCreate(l.S3Credentials())
	if err != nil {
		return s3Server{}, err
	}
	d.Env = s3local.Env(creds)
	var notes []string
	if generated {
		notes = append(notes, "generated credentials")
	}
	note, err := startAll(ctx, l, []Daemon{d}, 60*time.Second)
	if err != nil {
		return s3Server{}, err
	}
	if note != "" {
		notes = append(notes, note)
	}
	created, err := s3local.EnsureBuckets(ctx, s3local.NewClient(s3local.Endpoint(BridgeIP), creds), s3local.Buckets)
	if err != nil {
		return s3Server{}, err
	}
	if len(created) > 0 {
		notes = append(notes, "created buckets "+strings.Join(created, ", "))
	}
	return s3Server{creds: creds, note: strings.Join(notes, "; ")}, nil
}

// printS3 tells where the S3 server is and where its credentials are, never their values.
func printS3(out io.Writer, l Layout) {
	fmt.Fprintf(out, "  S3 server (versitygw): %s on the host, %s from pods\n", s3local.Endpoint(BridgeIP), s3local.ClusterEndpoint())
	fmt.Fprintf(out, "    buckets: %s\n", strings.Join(s3local.Buckets, ", "))
	fmt.Fprintf(out, "    credentials: %s (mode 0600) and Secret %s/%s (%s, %s)\n",
		l.S3Credentials(), s3local.Namespace, s3local.SecretName, s3local.AccessKeyIDKey, s3local.SecretAccessKeyKey)
}
