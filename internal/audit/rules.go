package audit

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// DefaultRules is the job's built-in rule set (Rules.DEFAULT in the Java job).
const DefaultRules = `pro_buyers: count_30d("Order Completed") >= 3 AND prop("plan") == "pro"
engaged_7d: count_7d("Page Viewed") >= 5
cart_abandoners: count_7d("Added To Cart") >= 1 AND count_7d("Order Completed") == 0`

// Cond is one comparison of a rule.
type Cond struct {
	Func string // count, count_7d, count_30d, prop
	Arg  string
	Op   string
	Num  int64
	Str  string
}

// Rule is a named conjunction of conditions.
type Rule struct {
	Name  string
	Conds []Cond
}

// ParseRules parses the rules grammar shared with the job (see Rules.java).
func ParseRules(text string) ([]Rule, error) {
	var rules []Rule
	seen := map[string]bool{}
	for _, raw := range strings.FieldsFunc(text, func(r rune) bool { return r == ';' || r == '\n' }) {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := &ruleParser{s: line}
		r, err := p.rule()
		if err != nil {
			return nil, fmt.Errorf("bad audience rule %q: %w (expected e.g. name: count_30d(\"Order Completed\") >= 3 AND prop(\"plan\") == \"pro\")", line, err)
		}
		if seen[r.Name] {
			return nil, fmt.Errorf("duplicate audience rule name %q", r.Name)
		}
		seen[r.Name] = true
		rules = append(rules, r)
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("no audience rules given")
	}
	return rules, nil
}

// Matches evaluates the rule against traits.
func (r Rule) Matches(t *Traits) bool {
	for _, c := range r.Conds {
		if !c.eval(t) {
			return false
		}
	}
	return true
}

func (c Cond) eval(t *Traits) bool {
	if c.Func == "prop" {
		eq := t.Prop(c.Arg) == c.Str
		if c.Op == "==" {
			return eq
		}
		return !eq
	}
	var v int64
	switch c.Func {
	case "count":
		v = t.Totals[c.Arg]
	case "count_7d":
		v = t.Window(c.Arg, 7)
	default:
		v = t.Window(c.Arg, 30)
	}
	switch c.Op {
	case "==":
		return v == c.Num
	case "!=":
		return v != c.Num
	case "<":
		return v < c.Num
	case "<=":
		return v <= c.Num
	case ">":
		return v > c.Num
	default:
		return v >= c.Num
	}
}

type ruleParser struct {
	s string
	i int
}

func (p *ruleParser) rule() (Rule, error) {
	name, err := p.ident()
	if err != nil {
		return Rule{}, err
	}
	if err := p.expect(':'); err != nil {
		return Rule{}, err
	}
	r := Rule{Name: name}
	for {
		c, err := p.cond()
		if err != nil {
			return Rule{}, err
		}
		r.Conds = append(r.Conds, c)
		p.skipWs()
		if p.i >= len(p.s) {
			return r, nil
		}
		kw, err := p.ident()
		if err != nil {
			return Rule{}, err
		}
		if !strings.EqualFold(kw, "AND") {
			return Rule{}, fmt.Errorf("expected AND, got %s", kw)
		}
	}
}

func (p *ruleParser) cond() (Cond, error) {
	fn, err := p.ident()
	if err != nil {
		return Cond{}, err
	}
	switch fn {
	case "count", "count_7d", "count_30d", "prop":
	default:
		return Cond{}, fmt.Errorf("unknown term %s (want count, count_7d, count_30d or prop)", fn)
	}
	if err := p.expect('('); err != nil {
		return Cond{}, err
	}
	arg, err := p.str()
	if err != nil {
		return Cond{}, err
	}
	if err := p.expect(')'); err != nil {
		return Cond{}, err
	}
	op, err := p.op()
	if err != nil {
		return Cond{}, err
	}
	c := Cond{Func: fn, Arg: arg, Op: op}
	if fn == "prop" {
		if op != "==" && op != "!=" {
			return Cond{}, fmt.Errorf("prop() compares with == or != only")
		}
		c.Str, err = p.str()
		return c, err
	}
	c.Num, err = p.number()
	return c, err
}

func (p *ruleParser) skipWs() {
	for p.i < len(p.s) && unicode.IsSpace(rune(p.s[p.i])) {
		p.i++
	}
}

func (p *ruleParser) expect(c byte) error {
	p.skipWs()
	if p.i >= len(p.s) || p.s[p.i] != c {
		return fmt.Errorf("expected '%c' at offset %d", c, p.i)
	}
	p.i++
	return nil
}

func (p *ruleParser) ident() (string, error) {
	p.skipWs()
	start := p.i
	for p.i < len(p.s) {
		c := rune(p.s[p.i])
		if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '_' {
			break
		}
		p.i++
	}
	if start == p.i {
		return "", fmt.Errorf("expected a name at offset %d", start)
	}
	return p.s[start:p.i], nil
}

func (p *ruleParser) str() (string, error) {
	if err := p.expect('"'); err != nil {
		return "", err
	}
	end := strings.IndexByte(p.s[p.i:], '"')
	if end < 0 {
		return "", fmt.Errorf("unterminated string")
	}
	v := p.s[p.i : p.i+end]
	p.i += end + 1
	return v, nil
}

func (p *ruleParser) number() (int64, error) {
	p.skipWs()
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if start == p.i {
		return 0, fmt.Errorf("expected a non-negative integer at offset %d", start)
	}
	return strconv.ParseInt(p.s[start:p.i], 10, 64)
}

func (p *ruleParser) op() (string, error) {
	p.skipWs()
	for _, o := range []string{">=", "<=", "==", "!=", ">", "<"} {
		if strings.HasPrefix(p.s[p.i:], o) {
			p.i += len(o)
			return o, nil
		}
	}
	return "", fmt.Errorf("expected a comparison operator at offset %d", p.i)
}
