package datadogintake

import (
	"math"
	"strings"
	"testing"
)

func TestDecodeSeriesKeepsJacksonsNaNAndRefusesOtherStrings(t *testing.T) {
	series, odd, err := decodeSeries(strings.NewReader(`{"series":[
		{"metric":"flink.a","type":"gauge","tags":["app:x"],"points":[[1700000000,3]]},
		{"metric":"flink.b","type":"gauge","points":[[1700000000,"NaN"]]},
		{"metric":"flink.c","type":"gauge","points":[[1700000000,"-Infinity"]]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 3 || series[0].Points[0][1] != 3 || series[0].Tags[0] != "app:x" {
		t.Fatalf("series = %+v", series)
	}
	if !math.IsNaN(series[1].Points[0][1]) || !math.IsInf(series[2].Points[0][1], -1) {
		t.Errorf("points = %v %v", series[1].Points, series[2].Points)
	}
	if odd["flink.b"] != "NaN" || odd["flink.c"] != "-Infinity" || len(odd) != 2 {
		t.Errorf("odd = %v", odd)
	}
	if _, _, err := decodeSeries(strings.NewReader(`{"series":[{"metric":"flink.d","points":[[1,"12"]]}]}`)); err == nil {
		t.Error("a number in a string is not Datadog's format: want an error")
	}
}
