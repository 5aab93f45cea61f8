package operator

import "testing"

func TestMetricsOptions(t *testing.T) {
	secure, err := MetricsOptions(Options{MetricsAddr: ":8443"})
	if err != nil || !secure.SecureServing || secure.FilterProvider == nil || secure.BindAddress != ":8443" {
		t.Errorf("default: %+v %v", secure, err)
	}
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080"} {
		o, err := MetricsOptions(Options{MetricsAddr: addr, MetricsInsecure: true})
		if err != nil || o.SecureServing || o.FilterProvider != nil {
			t.Errorf("insecure on %s: %+v %v", addr, o, err)
		}
	}
	// Plain HTTP without authentication never listens beyond the machine.
	for _, addr := range []string{":8080", "0.0.0.0:8080", "10.0.0.5:8080", "8080"} {
		if _, err := MetricsOptions(Options{MetricsAddr: addr, MetricsInsecure: true}); err == nil {
			t.Errorf("insecure metrics allowed on %s", addr)
		}
	}
	if off, err := MetricsOptions(Options{MetricsAddr: "0"}); err != nil || off.BindAddress != "0" {
		t.Errorf("disabled: %+v %v", off, err)
	}
}
