package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

func itoa(v int64) string   { return strconv.FormatInt(v, 10) }
func hex16(v uint64) string { return fmt.Sprintf("%016x", v) }

func jsonInts(m map[string]int64) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func jsonStrs(m map[string]string) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ",")
}
