package datadogintake

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// decodeSeries reads a series post. Flink's reporter serializes with Jackson, which writes a
// gauge's NaN or infinity as a string ("NaN", "Infinity"); those points are kept (as the
// float) and reported in odd by metric name. Anything else that is not a number is an error.
func decodeSeries(r io.Reader) (series []Series, odd map[string]string, err error) {
	var body struct {
		Series []struct {
			Series
			Points [][]json.RawMessage `json:"points"`
		} `json:"series"`
	}
	if err := json.NewDecoder(r).Decode(&body); err != nil {
		return nil, nil, err
	}
	odd = map[string]string{}
	for _, s := range body.Series {
		out := s.Series
		out.Points = make([][]float64, 0, len(s.Points))
		for _, p := range s.Points {
			pt := make([]float64, len(p))
			for i, raw := range p {
				f, text, err := number(raw)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: point %s: %w", s.Metric, raw, err)
				}
				if text != "" {
					odd[s.Metric] = text
				}
				pt[i] = f
			}
			out.Points = append(out.Points, pt)
		}
		series = append(series, out)
	}
	return series, odd, nil
}

// number parses a JSON number, or one of Jackson's strings for the floats JSON lacks.
func number(raw json.RawMessage) (float64, string, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		return f, "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, "", fmt.Errorf("not a number")
	}
	switch s {
	case "NaN":
		return math.NaN(), s, nil
	case "Infinity":
		return math.Inf(1), s, nil
	case "-Infinity":
		return math.Inf(-1), s, nil
	}
	return 0, "", fmt.Errorf("the string %q is not a number", s)
}
