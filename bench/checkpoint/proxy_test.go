package checkpoint

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
)

// countingProxy forwards every request to the S3 server unchanged (the Host header too, so
// SigV4 signatures stay valid) and counts requests by S3 operation and the bytes of request
// bodies: what the clients really sent, not what Flink reports.
type countingProxy struct {
	URL    string
	counts [numOps]atomic.Int64
	sent   atomic.Int64 // request body bytes (object data uploaded)
}

type op int

const (
	opPut op = iota // PutObject
	opPart
	opMultipart // create or complete a multipart upload
	opGet
	opHead
	opList
	opDelete // DeleteObject or DeleteObjects
	opOther
	numOps
)

func startProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.counts[classify(r)].Add(1)
		if r.Body != nil {
			r.Body = &countingBody{ReadCloser: r.Body, n: &p.sent}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func classify(r *http.Request) op {
	q := r.URL.Query()
	_, upload := q["uploadId"]
	_, uploads := q["uploads"]
	_, del := q["delete"]
	// Path-style: /bucket is the bucket itself, /bucket/key an object.
	bucketOnly := len(r.URL.Path) <= 1 || !containsSlash(r.URL.Path[1:])
	switch r.Method {
	case http.MethodPut:
		if upload {
			return opPart
		}
		return opPut
	case http.MethodPost:
		if del {
			return opDelete
		}
		if upload || uploads {
			return opMultipart
		}
	case http.MethodGet:
		if bucketOnly {
			return opList
		}
		return opGet
	case http.MethodHead:
		return opHead
	case http.MethodDelete:
		return opDelete
	}
	return opOther
}

func containsSlash(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i < len(s)-1 {
			return true
		}
	}
	return false
}

// snapshot is the proxy's counters at one moment.
type snapshot struct {
	counts [numOps]int64
	sent   int64
}

func (p *countingProxy) snap() snapshot {
	var s snapshot
	for i := range s.counts {
		s.counts[i] = p.counts[i].Load()
	}
	s.sent = p.sent.Load()
	return s
}

// delta is what happened between two snapshots.
type delta struct {
	snapshot
}

func (s snapshot) since(before snapshot) delta {
	var d delta
	for i := range s.counts {
		d.counts[i] = s.counts[i] - before.counts[i]
	}
	d.sent = s.sent - before.sent
	return d
}

func (d delta) requests() int64 {
	var n int64
	for _, c := range d.counts {
		n += c
	}
	return n
}

// writes are the requests S3 rate-limits as PUT/COPY/POST/DELETE (3,500/s per prefix).
func (d delta) writes() int64 {
	return d.counts[opPut] + d.counts[opPart] + d.counts[opMultipart] + d.counts[opDelete]
}
