package flinkconf

import "testing"

func TestParseMemory(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  bool
	}{
		{"2048m", 2 << 30, false},
		{"2g", 2 << 30, false},
		{"2G", 2 << 30, false}, // Flink's syntax first, as FKO
		{"1 gb", 1 << 30, false},
		{"512 mebibytes", 512 << 20, false},
		{"2Gi", 2 << 30, false},
		{"2gi", 2 << 30, false},
		{"1.5Gi", 3 << 29, false},
		{"1.5g", 1500000000, false},
		{"500Mi", 500 << 20, false},
		{"1000", 1000, false},
		{"", 0, true},
		{"0", 0, true},
		{"-1g", 0, true},
		{"lots", 0, true},
		{"1.0000000001", 0, true},
		{"99999999999999999999t", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseMemory(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestFormatMemory(t *testing.T) {
	for b, want := range map[int64]string{2 << 30: "2g", 1536 << 20: "1536m", 1 << 40: "1t", 1000: "1000b", 4096: "4k"} {
		if got := FormatMemory(b); got != want {
			t.Errorf("FormatMemory(%d) = %q, want %q", b, got, want)
		}
	}
}
