package observability

import (
	"fmt"
	"sort"
	"strings"

	"github.com/VictoriaMetrics/metricsql"
)

// Parse expands expr's template variables with placeholders and parses it with the MetricsQL
// parser (VictoriaMetrics' own, a superset of PromQL), refusing functions that Prometheus
// does not have, so the files work with either.
func Parse(expr string) (metricsql.Expr, error) {
	e, err := metricsql.Parse(Expand(expr, placeholders(expr)))
	if err != nil {
		return nil, err
	}
	var bad []string
	metricsql.VisitAll(e, func(x metricsql.Expr) {
		var name string
		switch f := x.(type) {
		case *metricsql.FuncExpr:
			name = f.Name
		case *metricsql.AggrFuncExpr:
			name = f.Name
		default:
			return
		}
		if !promqlFuncs[strings.ToLower(name)] {
			bad = append(bad, name)
		}
	})
	if len(bad) > 0 {
		return nil, fmt.Errorf("not PromQL functions: %s", strings.Join(bad, ", "))
	}
	return e, nil
}

// MetricNames returns the metric names expr selects, sorted and without repeats. A
// selector without a fixed name is an error: the tests check every name.
func MetricNames(expr string) ([]string, error) {
	e, err := Parse(expr)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var nameless error
	metricsql.VisitAll(e, func(x metricsql.Expr) {
		me, ok := x.(*metricsql.MetricExpr)
		if !ok {
			return
		}
		for _, group := range me.LabelFilterss {
			if len(group) == 0 || group[0].Label != "__name__" || group[0].IsRegexp || group[0].IsNegative {
				nameless = fmt.Errorf("a selector without a metric name: %s", me.AppendString(nil))
				continue
			}
			seen[group[0].Value] = true
		}
	})
	if nameless != nil {
		return nil, nameless
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// promqlFuncs are Prometheus' functions and aggregations (Prometheus 3), the ones a query
// here may use.
var promqlFuncs = setOf(
	// aggregations
	"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
	"bottomk", "topk", "quantile", "limitk", "limit_ratio",
	// functions
	"abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
	"day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp",
	"floor", "histogram_avg", "histogram_count", "histogram_sum", "histogram_fraction",
	"histogram_quantile", "histogram_stddev", "histogram_stdvar", "holt_winters",
	"double_exponential_smoothing", "hour", "idelta", "increase", "irate", "label_join",
	"label_replace", "ln", "log2", "log10", "minute", "month", "predict_linear", "rate",
	"resets", "round", "scalar", "sgn", "sort", "sort_desc", "sort_by_label",
	"sort_by_label_desc", "sqrt", "time", "timestamp", "vector", "year",
	"avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
	"quantile_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time",
	"present_over_time", "mad_over_time",
	"acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan",
	"tanh", "deg", "rad", "pi",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
