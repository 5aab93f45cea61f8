package flinkconf

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	plainSafe  = regexp.MustCompile(`^[A-Za-z_/$][A-Za-z0-9_./:@+=$-]*$`)
	canonicInt = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})$`)
	// withUnit are sizes and durations such as 2g or 10s: strings to YAML.
	withUnit    = regexp.MustCompile(`^[0-9]+[a-zA-Z]+$`)
	radixPrefix = regexp.MustCompile(`^0[xXoObB]`) // 0xF is the integer 15 to YAML
	// yamlSpecial are plain words YAML resolves to null, booleans or special floats.
	yamlSpecial = regexp.MustCompile(`^(?i:null|true|false|yes|no|on|off|y|n|~|\.inf|\.nan)$`)
)

// yamlScalar writes s as a YAML scalar that reads back as the same string (or, for plain
// integers and true/false, a value Flink turns back into the same string).
func yamlScalar(s string) string {
	if canonicInt.MatchString(s) || (withUnit.MatchString(s) && !radixPrefix.MatchString(s)) || s == "true" || s == "false" {
		return s
	}
	if plainSafe.MatchString(s) && !yamlSpecial.MatchString(s) && !strings.HasSuffix(s, ":") {
		return s
	}
	return quoteYAML(s)
}

// yamlKey writes a mapping key; keys with ':' are always quoted.
func yamlKey(k string) string {
	if strings.Contains(k, ":") {
		return quoteYAML(k)
	}
	return yamlScalar(k)
}

// quoteYAML writes s as a YAML double-quoted scalar.
func quoteYAML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\uFFFD`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02X`, r)
		case r > 0x7f && (!unicode.IsPrint(r) || r == 0xFEFF):
			if r > 0xFFFF {
				fmt.Fprintf(&b, `\U%08X`, r)
			} else {
				fmt.Fprintf(&b, `\u%04X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
