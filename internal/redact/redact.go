// Package redact is the one place that decides which configuration values may be shown in
// logs, Events and status. Everything that prints a flinkConfiguration key with its value,
// job arguments or pod environment values goes through it.
package redact

import "strings"

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
