package datadogintake

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// TestIntakeReceivesSeriesThroughTheProxy does what Flink's reporter does: validate the key,
// then post series to the EU site through the proxy, trusting only the intake's CA.
func TestIntakeReceivesSeriesThroughTheProxy(t *testing.T) {
	in, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(in.CAPEM) {
		t.Fatal("CAPEM holds no certificate")
	}
	proxy, _ := url.Parse(fmt.Sprintf("http://%s:%d", in.ProxyHost, in.ProxyPort))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(proxy), TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}

	resp, err := client.Get("https://app.datadoghq.eu/api/v1/validate?api_key=k1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("validate: %s", resp.Status)
	}
	body := `{"series":[{"metric":"flink.jobmanager.numRunningJobs","type":"gauge","host":"h","tags":["app:orders","namespace:team-a"],"points":[[1700000000,1]]}]}`
	resp, err = client.Post("https://app.datadoghq.eu/api/v1/series?api_key=k1", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("series: %s", resp.Status)
	}
	got := in.Series()
	if len(got) != 1 || got[0].Metric != "flink.jobmanager.numRunningJobs" || got[0].Target != "app.datadoghq.eu" || got[0].Points[0][1] != 1 {
		t.Fatalf("series = %+v", got)
	}
	if v, ok := got[0].Tag("namespace"); !ok || v != "team-a" {
		t.Errorf("tag namespace = %q, %v", v, ok)
	}
	if !in.SawAPIKey("k1") || in.SawAPIKey("k2") {
		t.Errorf("api keys seen are wrong")
	}
	for _, c := range in.Connects() {
		if c != "app.datadoghq.eu:443" {
			t.Errorf("CONNECT to %s", c)
		}
	}

	// Not Datadog: refused and recorded.
	resp, err = client.Get("https://example.com/")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("CONNECT to example.com: %s, want refused", resp.Status)
	}
	if e := in.Errors(); len(e) != 1 || !strings.Contains(e[0], "example.com") {
		t.Errorf("errors = %v", e)
	}

	if _, err := os.Stat(in.TrustStore); err != nil {
		t.Fatal(err)
	}
	dir := in.ownDir
	in.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("Close left %s", dir)
	}
}

// TestJKSTrustStoreLayout checks the fields a JVM reads, and the integrity digest over them
// (keytool -list accepts such a file; the real-Flink test loads one).
func TestJKSTrustStoreLayout(t *testing.T) {
	der := []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	b := jksTrustStore("pw", "ca", der, time.UnixMilli(42))
	r := bytes.NewReader(b)
	var magic, version, count, tag uint32
	for _, p := range []*uint32{&magic, &version, &count, &tag} {
		if err := binary.Read(r, binary.BigEndian, p); err != nil {
			t.Fatal(err)
		}
	}
	if magic != 0xFEEDFEED || version != 2 || count != 1 || tag != 2 {
		t.Fatalf("header %x %d %d %d", magic, version, count, tag)
	}
	want := "\x00\x02ca" + "\x00\x00\x00\x00\x00\x00\x00\x2a" + "\x00\x05X.509" + "\x00\x00\x00\x05" + string(der)
	rest := b[16:]
	if got := string(rest[:len(want)]); got != want {
		t.Fatalf("entry = %q, want %q", got, want)
	}
	if len(rest) != len(want)+20 {
		t.Fatalf("%d bytes after the entry, want a 20-byte SHA-1 digest", len(rest)-len(want))
	}
	if other := jksTrustStore("other", "ca", der, time.UnixMilli(42)); bytes.Equal(other[len(other)-20:], b[len(b)-20:]) {
		t.Error("the digest does not depend on the password")
	}
}
