package s3local_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"weir.dev/weir/internal/s3local"
	"weir.dev/weir/internal/s3local/s3test"
)

// TestAgainstRealS3Server exercises, on a real versitygw, every call Flink's s3 filesystems
// make for checkpoints and savepoints, path-style as weir configures them.
func TestAgainstRealS3Server(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	c := s3local.NewClient(srv.Endpoint, srv.Creds)

	t.Run("buckets are created once", func(t *testing.T) {
		created, err := s3local.EnsureBuckets(ctx, c, s3local.Buckets)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(created, s3local.Buckets) {
			t.Fatalf("first run created %v, want %v", created, s3local.Buckets)
		}
		created, err = s3local.EnsureBuckets(ctx, c, s3local.Buckets)
		if err != nil || len(created) != 0 {
			t.Fatalf("second run created %v (err %v), want nothing", created, err)
		}
		out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
		slices.Sort(names)
		want := slices.Sorted(slices.Values(s3local.Buckets))
		if !slices.Equal(names, want) {
			t.Errorf("ListBuckets = %v, want %v", names, want)
		}
	})

	bucket := s3local.Buckets[0]
	body := []byte("checkpoint bytes")

	t.Run("put, head, get, ranged get", func(t *testing.T) {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("ckp/ab12/chk-1/state"), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
		h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("ckp/ab12/chk-1/state")})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToInt64(h.ContentLength) != int64(len(body)) {
			t.Errorf("HEAD length %d, want %d", aws.ToInt64(h.ContentLength), len(body))
		}
		if got := get(t, c, bucket, "ckp/ab12/chk-1/state"); !bytes.Equal(got, body) {
			t.Errorf("GET = %q, want %q", got, body)
		}
		// Restores read state files in ranges.
		rg, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("ckp/ab12/chk-1/state"), Range: aws.String("bytes=11-15")})
		if err != nil {
			t.Fatal(err)
		}
		part, _ := io.ReadAll(rg.Body)
		rg.Body.Close()
		if string(part) != "bytes" {
			t.Errorf("ranged GET = %q, want %q", part, "bytes")
		}
		_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("ckp/absent")})
		var nf *types.NotFound
		if !errors.As(err, &nf) {
			t.Errorf("HEAD of an absent key: %v, want NotFound", err)
		}
	})

	t.Run("list v2 with prefix, delimiter and pages", func(t *testing.T) {
		for _, k := range []string{"ckp/cd34/chk-1/state", "ckp/chk-1/_metadata", "sp/savepoint-1/_metadata"} {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(k), Body: bytes.NewReader(body)}); err != nil {
				t.Fatal(err)
			}
		}
		var keys []string
		p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: aws.String("ckp/"), MaxKeys: aws.Int32(1)})
		pages := 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, o := range out.Contents {
				keys = append(keys, aws.ToString(o.Key))
			}
		}
		want := []string{"ckp/ab12/chk-1/state", "ckp/cd34/chk-1/state", "ckp/chk-1/_metadata"}
		if !slices.Equal(keys, want) || pages != 3 {
			t.Errorf("listed %v in %d pages, want %v in 3", keys, pages, want)
		}
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Delimiter: aws.String("/")})
		if err != nil {
			t.Fatal(err)
		}
		var prefixes []string
		for _, cp := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
		if !slices.Equal(prefixes, []string{"ckp/", "sp/"}) || len(out.Contents) != 0 {
			t.Errorf("delimited listing: prefixes %v, %d objects; want [ckp/ sp/] and none", prefixes, len(out.Contents))
		}
	})

	t.Run("multipart upload", func(t *testing.T) {
		key := aws.String("sp/savepoint-2/big")
		part1 := make([]byte, 5<<20) // every part but the last is at least 5 MiB
		_, _ = rand.Read(part1)
		part2 := []byte("tail")
		up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: key})
		if err != nil {
			t.Fatal(err)
		}
		var parts []types.CompletedPart
		for i, data := range [][]byte{part1, part2} {
			n := aws.Int32(int32(i + 1))
			out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: key, UploadId: up.UploadId, PartNumber: n, Body: bytes.NewReader(data)})
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: n})
		}
		if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: &bucket, Key: key, UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		}); err != nil {
			t.Fatal(err)
		}
		if got := get(t, c, bucket, *key); !bytes.Equal(got, append(slices.Clone(part1), part2...)) {
			t.Errorf("the completed object has %d bytes, want %d in order", len(got), len(part1)+len(part2))
		}
		// An aborted upload leaves no object behind.
		ab, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("sp/aborted")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("sp/aborted"), UploadId: ab.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part2)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: aws.String("sp/aborted"), UploadId: ab.UploadId}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("sp/aborted")}); err == nil {
			t.Error("an aborted upload left an object")
		}
	})

	t.Run("delete one and many", func(t *testing.T) {
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("ckp/ab12/chk-1/state")}); err != nil {
			t.Fatal(err)
		}
		out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
			{Key: aws.String("sp/savepoint-1/_metadata")}, {Key: aws.String("sp/savepoint-2/big")},
		}}})
		if err != nil || len(out.Errors) > 0 {
			t.Fatalf("DeleteObjects: %v %+v", err, out)
		}
		left, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, o := range left.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		if want := []string{"ckp/cd34/chk-1/state", "ckp/chk-1/_metadata"}; !slices.Equal(keys, want) {
			t.Errorf("after deletes: %v, want %v", keys, want)
		}
	})

	t.Run("other credentials are refused", func(t *testing.T) {
		bad := s3local.NewClient(srv.Endpoint, s3local.Credentials{AccessKeyID: srv.Creds.AccessKeyID, SecretAccessKey: "wrong"})
		_, err := bad.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "SignatureDoesNotMatch" {
			t.Errorf("a wrong secret: %v, want SignatureDoesNotMatch", err)
		}
	})
}

func get(t *testing.T, c *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
