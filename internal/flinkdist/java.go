package flinkdist

import (
	"fmt"
	"os"
	"path/filepath"
)

// JavaHome finds a Java 17 runtime for running Flink on the host: $WEIR_JAVA_HOME, else
// Debian's openjdk-17. The host may carry newer JDKs that Flink 1.20 does not support.
func JavaHome() (string, error) {
	if h := os.Getenv("WEIR_JAVA_HOME"); h != "" {
		if _, err := os.Stat(filepath.Join(h, "bin", "java")); err != nil {
			return "", fmt.Errorf("WEIR_JAVA_HOME=%s has no bin/java", h)
		}
		return h, nil
	}
	m, _ := filepath.Glob("/usr/lib/jvm/java-17-openjdk-*/bin/java")
	if len(m) == 0 {
		return "", fmt.Errorf("no Java 17 runtime found: apt-get install -y openjdk-17-jre-headless, or set WEIR_JAVA_HOME")
	}
	return filepath.Dir(filepath.Dir(m[0])), nil
}
