package s3local

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ListKeys lists every key of bucket under prefix, page by page.
func ListKeys(ctx context.Context, c *s3.Client, bucket, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// CheckpointLayout is what a bucket listing shows of checkpoints written under
// <base>/<entropy key>/checkpoints with entropy injection.
type CheckpointLayout struct {
	// Metadata are the _metadata keys of completed checkpoints, at
	// <base>/checkpoints/<job>/chk-N/_metadata: Flink removes the marker from them.
	Metadata []string
	// EntropyPrefixes are the distinct random prefixes that replaced the marker in the
	// checkpoint data files' keys, <base>/<prefix>/checkpoints/<job>/chk-N/<file>.
	EntropyPrefixes []string
	// DataFiles counts those data files.
	DataFiles int
}

// ReadCheckpointLayout sorts keys (from ListKeys) into the layout of checkpoints whose
// configured directory was <base>/<marker>/checkpoints and whose entropy was length
// characters long. base is a key prefix without a trailing slash ("" for the bucket root).
func ReadCheckpointLayout(keys []string, base string, length int) CheckpointLayout {
	if base != "" {
		base = strings.TrimSuffix(base, "/") + "/"
	}
	q := regexp.QuoteMeta(base)
	metaRE := regexp.MustCompile(`^` + q + `checkpoints/[0-9a-f]{32}/chk-\d+/_metadata$`)
	dataRE := regexp.MustCompile(`^` + q + fmt.Sprintf(`([0-9A-Za-z]{%d})/checkpoints/[0-9a-f]{32}/(chk-\d+|shared|taskowned)/[^/]+$`, length))
	var l CheckpointLayout
	seen := map[string]bool{}
	for _, k := range keys {
		if metaRE.MatchString(k) {
			l.Metadata = append(l.Metadata, k)
			continue
		}
		if m := dataRE.FindStringSubmatch(k); m != nil {
			l.DataFiles++
			if !seen[m[1]] {
				seen[m[1]] = true
				l.EntropyPrefixes = append(l.EntropyPrefixes, m[1])
			}
		}
	}
	sort.Strings(l.Metadata)
	sort.Strings(l.EntropyPrefixes)
	return l
}
