package s3local

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// NewClient is an S3 client for the server at endpoint, addressing buckets path-style
// (http://host:port/bucket/key) as Flink's s3 filesystems are configured to.
func NewClient(endpoint string, c Credentials) *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Source: "weir-local"}, nil
		}),
	})
}

// EnsureBuckets creates each bucket that does not exist yet and returns the ones it
// created; running it again creates nothing.
func EnsureBuckets(ctx context.Context, c *s3.Client, buckets []string) (created []string, err error) {
	for _, b := range buckets {
		_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(b)})
		if err == nil {
			continue
		}
		var nf *types.NotFound
		if !errors.As(err, &nf) && !isCode(err, "NotFound", "NoSuchBucket") {
			return created, fmt.Errorf("head bucket %s: %w", b, err)
		}
		_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		var owned *types.BucketAlreadyOwnedByYou
		switch {
		case err == nil:
			created = append(created, b)
		case errors.As(err, &owned): // created concurrently by another up
		default:
			return created, fmt.Errorf("create bucket %s: %w", b, err)
		}
	}
	return created, nil
}

func isCode(err error, codes ...string) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	for _, c := range codes {
		if api.ErrorCode() == c {
			return true
		}
	}
	return false
}
