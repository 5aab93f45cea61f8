// Command probe runs inside a pod of the local cluster: it resolves the names
// given as arguments through cluster DNS and calls the API server through the
// kubernetes Service with the pod's service-account token, then GETs each URL in
// $PROBE_HTTP (comma-separated), printing one "key=value" line per result.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	ok := true
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, name := range os.Args[1:] {
		addrs, err := lookup(ctx, name)
		if err != nil {
			fmt.Printf("dns %s error=%v\n", name, err)
			ok = false
			continue
		}
		fmt.Printf("dns %s=%s\n", name, strings.Join(addrs, ","))
	}
	if err := callAPI(ctx); err != nil {
		fmt.Printf("api error=%v\n", err)
		ok = false
	}
	for _, url := range strings.Split(os.Getenv("PROBE_HTTP"), ",") {
		if url == "" {
			continue
		}
		if err := get(ctx, url); err != nil {
			fmt.Printf("http %s error=%v\n", url, err)
			ok = false
		}
	}
	if !ok {
		os.Exit(1)
	}
}

// lookup retries briefly: the pod may start before kube-proxy has synced the DNS Service.
func lookup(ctx context.Context, name string) ([]string, error) {
	var last error
	for i := 0; i < 20; i++ {
		addrs, err := net.DefaultResolver.LookupHost(ctx, name)
		if err == nil {
			return addrs, nil
		}
		last = err
		time.Sleep(time.Second)
	}
	return nil, last
}

func callAPI(ctx context.Context) error {
	token, err := os.ReadFile(saDir + "/token")
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(saDir + "/ca.crt")
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("no CA in %s/ca.crt", saDir)
	}
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	// Verify TLS for the Service's DNS name while dialing the Service IP.
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "kubernetes.default.svc"},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+net.JoinHostPort(host, port)+"/version", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Printf("api via=%s status=%d body=%s\n", host, resp.StatusCode, strings.Join(strings.Fields(string(body)), ""))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}

// get fetches url (retrying briefly, as lookup does) and prints its status.
func get(ctx context.Context, url string) error {
	c := &http.Client{Timeout: 5 * time.Second}
	var last error
	for i := 0; i < 20; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			fmt.Printf("http %s status=%d\n", url, resp.StatusCode)
			return nil
		}
		last = err
		time.Sleep(time.Second)
	}
	return last
}
