// Package redact is the one place that decides which configuration values may be shown in
// logs, Events and status. Everything that prints a flinkConfiguration key with its value,
// job arguments or pod environment values goes through it.
package redact

import (
	"regexp"
	"strings"
)

// Hidden stands in for a value that must not be shown (Flink's HIDDEN_CONTENT).
const Hidden = "******"

// flinkSensitive is Flink's GlobalConfiguration.SENSITIVE_KEYS (1.19+, 2.x): Flink hides a
// value in its own logs and REST answers when the lower-cased key contains one of these.
var flinkSensitive = []string{
	"password", "secret", "fs.azure.account.key", "apikey", "auth-params", "service-key",
	"token", "basic-auth", "jaas.config", "http-headers",
}

// weirSensitive are further fragments weir hides: other spellings of API keys and the
// credentials of common file systems and connectors that Flink's list misses.
var weirSensitive = []string{
	"api-key", "api_key", "passwd", "credential", "access-key", "access.key", "accesskey",
	"private-key", "private.key", "privatekey", "sas-key", "client-secret",
}

// IsSensitiveKey says whether a configuration key holds a secret: its lower-cased name
// contains one of Flink's sensitive fragments or weir's.
func IsSensitiveKey(key string) bool {
	k := strings.ToLower(key)
	for _, list := range [][]string{flinkSensitive, weirSensitive} {
		for _, s := range list {
			if strings.Contains(k, s) {
				return true
			}
		}
	}
	return false
}

// Value returns value, or Hidden when key is sensitive.
func Value(key, value string) string {
	if IsSensitiveKey(key) {
		return Hidden
	}
	return value
}

// Conf returns a copy of a flat configuration with the sensitive values hidden.
func Conf(conf map[string]string) map[string]string {
	out := make(map[string]string, len(conf))
	for k, v := range conf {
		out[k] = Value(k, v)
	}
	return out
}

// assignment matches "key=value", "key: value" and JSON's "key": "value" inside free text
// (an exception message, a log line) where the key holds a sensitive fragment: the shape in
// which configuration values leak into Flink's stack traces.
var assignment = func() *regexp.Regexp {
	var frags []string
	for _, list := range [][]string{flinkSensitive, weirSensitive} {
		for _, f := range list {
			frags = append(frags, regexp.QuoteMeta(f))
		}
	}
	key := `(?i)([A-Za-z0-9_.\-]*(?:` + strings.Join(frags, "|") + `)[A-Za-z0-9_.\-]*"?)`
	return regexp.MustCompile(key + `(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;)\]}]+)`)
}()

// Text returns free text with the value of every sensitive "key=value" or "key: value"
// hidden, for text weir does not control, such as a job's exception.
func Text(s string) string {
	return assignment.ReplaceAllString(s, "${1}${2}"+Hidden)
}
