package flinkconf

import "testing"

func TestQueryableStateProxyPort(t *testing.T) {
	cases := []struct {
		value   string
		want    int32
		wantErr bool
	}{
		{"", 9069, false},
		{"9070", 9070, false},
		{" 9071-9075 ", 9071, false},
		{"9080,9081", 9080, false},
		{"9090-9091,9095", 9090, false},
		{"proxy", 0, true},
		{"0", 0, true},
		{"70000", 0, true},
		{"-9069", 0, true},
	}
	for _, tc := range cases {
		c := Conf{}
		if tc.value != "" {
			c[KeyQueryableStateProxyPorts] = tc.value
		}
		got, err := QueryableStateProxyPort(c)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("%q: got %d, %v; want %d, error %v", tc.value, got, err, tc.want, tc.wantErr)
		}
	}
	for v, want := range map[string]bool{"true": true, " TRUE ": true, "false": false, "": false, "yes": false} {
		if got := QueryableStateEnabled(Conf{KeyQueryableStateEnable: v}); got != want {
			t.Errorf("enable %q = %v, want %v", v, got, want)
		}
	}
}
