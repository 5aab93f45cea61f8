package demo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/app"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/localcluster"
	"weir.dev/weir/internal/s3local"
	"weir.dev/weir/internal/validation"
)

// checkpointLayout reads where an app's checkpoints go from its flinkConfiguration: the
// directory s3p://<bucket>/<base>/<marker>/checkpoints (examples/quickstart.yaml's form)
// and the entropy length.
func checkpointLayout(d *v1beta1.FlinkDeployment) (bucket, base string, length int, err error) {
	m, err := d.Spec.FlinkConfiguration.Flatten()
	if err != nil {
		return "", "", 0, err
	}
	conf := flinkconf.Conf(m)
	dir, _ := conf.Lookup(flinkconf.CheckpointDir)
	marker := conf[validation.KeyEntropy]
	length = conf.Int("s3.entropy.length", 4)
	_, rest, ok := strings.Cut(dir, "://")
	bucket, key, _ := strings.Cut(rest, "/")
	base, found := strings.CutSuffix(key, "/"+marker+"/checkpoints")
	if !ok || marker == "" || !found || bucket == "" {
		return "", "", 0, fmt.Errorf("the checkpoint directory %q is not of the form s3p://<bucket>/<path>/<%s>/checkpoints with %s set", dir, validation.KeyEntropy, validation.KeyEntropy)
	}
	return bucket, base, length, nil
}

// s3Credentials reads the key pair `weir local up` generated for this data dir.
func (r *Runner) s3Credentials() (s3local.Credentials, error) {
	raw, err := os.ReadFile(r.Layout().S3Credentials())
	if err != nil {
		return s3local.Credentials{}, fmt.Errorf("S3 credentials of the local cluster: %w", err)
	}
	return s3local.ParseEnvFile(raw)
}

// CopyS3Credentials puts the S3 credentials Secret (s3-credentials) into namespace: pods
// read Secrets only from their own namespace, and the app's pods take it with envFrom.
func (r *Runner) CopyS3Credentials(ctx context.Context, c *app.Clients, namespace string) error {
	return r.Step("S3 credentials Secret "+namespace+"/"+s3local.SecretName, func() (string, error) {
		creds, err := r.s3Credentials()
		if err != nil {
			return "", err
		}
		return "", s3local.ApplySecret(ctx, c.Core, s3local.CredentialsSecret(namespace, creds))
	})
}

// CheckS3Checkpoints waits until the bucket holds a completed checkpoint of the app
// (a _metadata file without the entropy marker) and data files under entropy prefixes,
// listing the bucket with the S3 API as any client would.
func (r *Runner) CheckS3Checkpoints(ctx context.Context, d *v1beta1.FlinkDeployment, timeout time.Duration) error {
	stateBucket, base, entropyLength, err := checkpointLayout(d)
	if err != nil {
		return fmt.Errorf("checkpoints on S3: %w", err)
	}
	return r.Step(fmt.Sprintf("checkpoints on S3 (s3://%s/%s/)", stateBucket, base), func() (string, error) {
		creds, err := r.s3Credentials()
		if err != nil {
			return "", err
		}
		s3c := s3local.NewClient(s3local.Endpoint(localcluster.BridgeIP), creds)
		deadline := time.Now().Add(timeout)
		for {
			keys, err := s3local.ListKeys(ctx, s3c, stateBucket, base+"/")
			if err != nil {
				return "", err
			}
			l := s3local.ReadCheckpointLayout(keys, base, entropyLength)
			if len(l.Metadata) > 0 && len(l.EntropyPrefixes) > 0 {
				fmt.Fprintf(r.Out, "  latest completed checkpoint: s3://%s/%s\n", stateBucket, l.Metadata[len(l.Metadata)-1])
				fmt.Fprintf(r.Out, "  %d data files under %d entropy prefixes: %s\n", l.DataFiles, len(l.EntropyPrefixes), strings.Join(l.EntropyPrefixes, " "))
				return fmt.Sprintf("completed checkpoints: %d", len(l.Metadata)), nil
			}
			if time.Now().After(deadline) {
				return "", fmt.Errorf("after %s the bucket holds %d objects under %s/ but no completed checkpoint with entropy (%d _metadata, %d entropy prefixes)",
					timeout, len(keys), base, len(l.Metadata), len(l.EntropyPrefixes))
			}
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(2 * time.Second):
			}
		}
	})
}
