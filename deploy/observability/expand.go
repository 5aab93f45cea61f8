package observability

import (
	"regexp"
	"sort"
	"strings"
)

// Intervals are the values Expand gives Grafana's built-in interval variables when vars
// does not: what a panel of a few hours at Grafana's default resolution would get.
var Intervals = map[string]string{
	"__rate_interval": "1m",
	"__interval":      "30s",
	"__range":         "1h",
}

var variable = regexp.MustCompile(`\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]`)

// Expand substitutes a dashboard expression's template variables, as Grafana does before it
// sends the query: $name, ${name}, ${name:format} and [[name]] from vars ("namespace",
// "app"), then the built-in intervals from Intervals. A value is used as written: for the
// regex matchers (=~) the dashboards use, a plain name matches itself. A variable that is
// in neither is left as it is, so the query fails to parse rather than asking something else.
func Expand(expr string, vars map[string]string) string {
	return variable.ReplaceAllStringFunc(expr, func(m string) string {
		sub := variable.FindStringSubmatch(m)
		name := sub[1] + sub[2] + sub[3]
		if v, ok := vars[name]; ok {
			return v
		}
		if v, ok := Intervals[name]; ok {
			return v
		}
		return m
	})
}

// Variables returns the names of the template variables expr uses, sorted.
func Variables(expr string) []string {
	seen := map[string]bool{}
	for _, sub := range variable.FindAllStringSubmatch(expr, -1) {
		name := sub[1] + sub[2] + sub[3]
		if _, builtin := Intervals[name]; !builtin {
			seen[name] = true
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// placeholders fill every variable for parsing: a value that is a valid label value and
// a valid regex.
func placeholders(expr string) map[string]string {
	vars := map[string]string{}
	for _, n := range Variables(expr) {
		vars[n] = "x-" + strings.ToLower(n)
	}
	return vars
}
