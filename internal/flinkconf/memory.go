package flinkconf

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/api/resource"
)

// flinkUnits are the suffixes of Flink's MemorySize syntax; all are powers of 1024.
var flinkUnits = map[string]uint{
	"": 0, "b": 0, "bytes": 0,
	"k": 10, "kb": 10, "kibibytes": 10,
	"m": 20, "mb": 20, "mebibytes": 20,
	"g": 30, "gb": 30, "gibibytes": 30,
	"t": 40, "tb": 40, "tebibytes": 40,
}

// ParseMemory reads a memory amount the way FKO does: Flink's syntax first ("2048m", "2g",
// "1 gb"), then a Kubernetes quantity ("2Gi", "1.5G", "512Mi"). It returns bytes.
func ParseMemory(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, fmt.Errorf("memory is empty; write it like \"2048m\", \"2g\" or \"2Gi\"")
	}
	if b, ok := parseFlinkMemory(t); ok {
		return b, nil
	}
	q := strings.ToUpper(strings.Join(strings.Fields(t), ""))
	q = strings.TrimSuffix(q, "B")
	if strings.HasSuffix(q, "I") {
		q = q[:len(q)-1] + "i"
	}
	qty, err := resource.ParseQuantity(q)
	if err != nil {
		return 0, fmt.Errorf("memory %q is neither Flink's syntax (\"2048m\", \"2g\") nor a Kubernetes quantity (\"2Gi\")", s)
	}
	r, ok := new(big.Rat).SetString(qty.AsDec().String())
	switch {
	case !ok || r.Sign() <= 0:
		return 0, fmt.Errorf("memory %q must be positive", s)
	case !r.IsInt():
		return 0, fmt.Errorf("memory %q is not a whole number of bytes", s)
	case !r.Num().IsInt64():
		return 0, fmt.Errorf("memory %q is too large", s)
	}
	return r.Num().Int64(), nil
}

func parseFlinkMemory(t string) (int64, bool) {
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, false
	}
	unit := strings.ToLower(strings.TrimLeftFunc(t[i:], unicode.IsSpace))
	shift, ok := flinkUnits[unit]
	if !ok || n <= 0 || n > math.MaxInt64>>shift {
		return 0, false
	}
	return n << shift, true
}

// FormatMemory prints bytes in Flink's syntax with the largest unit that divides evenly.
func FormatMemory(b int64) string {
	for _, u := range []struct {
		shift  uint
		suffix string
	}{{40, "t"}, {30, "g"}, {20, "m"}, {10, "k"}} {
		if b%(1<<u.shift) == 0 {
			return strconv.FormatInt(b>>u.shift, 10) + u.suffix
		}
	}
	return strconv.FormatInt(b, 10) + "b"
}
