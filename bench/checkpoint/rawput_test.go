package checkpoint

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// rawPut is the server's limit as an S3 client sees it: workers PUT objects of size bytes
// in parallel (aws-sdk-go-v2, through the same proxy as Flink) until n are written.
type rawPut struct {
	objects, size, workers int
	elapsed                time.Duration
	d                      delta
}

func (r rawPut) bytesPerSec() float64 { return float64(r.d.sent) / r.elapsed.Seconds() }
func (r rawPut) reqPerSec() float64   { return float64(r.d.requests()) / r.elapsed.Seconds() }

func measureRawPut(t *testing.T, c *s3.Client, p *countingProxy, bucket, prefix string, objects, size, workers int) rawPut {
	t.Helper()
	body := make([]byte, size)
	if _, err := rand.Read(body); err != nil {
		t.Fatal(err)
	}
	jobs := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	before := p.snap()
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				_, err := c.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(fmt.Sprintf("%s/%06d", prefix, i)),
					Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(size)),
				})
				if err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for i := 0; i < objects; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	r := rawPut{objects: objects, size: size, workers: workers, elapsed: time.Since(start), d: p.snap().since(before)}
	select {
	case err := <-errs:
		t.Fatalf("raw PUT: %v", err)
	default:
	}
	return r
}
