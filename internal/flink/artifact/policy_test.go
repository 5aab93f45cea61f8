package artifact

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPolicyFromConf(t *testing.T) {
	p, err := PolicyFromConf(map[string]string{
		KeySchemes: "https, http", KeyCIDRs: "10.20.0.0/16,192.168.1.7", KeyHosts: "nexus.build.svc *.corp.internal",
		KeyMaxBytes: "1048576", KeyTimeout: "2m", KeyIdleTimeout: "10s",
	})
	want := Policy{
		AllowedSchemes: []string{"https", "http"},
		AllowedCIDRs:   []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("192.168.1.7/32")},
		AllowedHosts:   []string{"nexus.build.svc", "*.corp.internal"},
		MaxBytes:       1 << 20, Timeout: 2 * time.Minute, IdleTimeout: 10 * time.Second,
	}
	if err != nil || !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v, %v", p, err)
	}
	if p, err := PolicyFromConf(nil); err != nil || p.withDefaults().AllowedSchemes[0] != "https" || len(p.withDefaults().AllowedSchemes) != 1 {
		t.Errorf("empty configuration: %+v, %v", p, err)
	}
	for k, v := range map[string]string{KeySchemes: "https,file", KeyCIDRs: "10.0.0.0/33", KeyMaxBytes: "-1", KeyIdleTimeout: "soon"} {
		if _, err := PolicyFromConf(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), "artifact policy") {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
