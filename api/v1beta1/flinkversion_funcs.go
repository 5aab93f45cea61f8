package v1beta1

import "fmt"

// MajorMinor splits a FlinkVersion such as v1_20 into 1 and 20.
func (v FlinkVersion) MajorMinor() (major, minor int, err error) {
	if _, err = fmt.Sscanf(string(v), "v%d_%d", &major, &minor); err != nil {
		return 0, 0, fmt.Errorf("unknown flinkVersion %q, expected the form v1_20 or v2_1", v)
	}
	return major, minor, nil
}

// AtLeast says whether v is major.minor or newer; an unparsable version is never newer.
func (v FlinkVersion) AtLeast(major, minor int) bool {
	ma, mi, err := v.MajorMinor()
	if err != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
