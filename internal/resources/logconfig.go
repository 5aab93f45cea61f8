package resources

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// Log configuration file names, as Flink's scripts and native decorators use them.
const (
	Log4jFile   = "log4j-console.properties"
	LogbackFile = "logback-console.xml"
)

// podNameEnv is the downward-API variable the JSON log layout reads for the pod's name.
const podNameEnv = "WEIR_POD_NAME"

func podNameVar() corev1.EnvVar {
	return corev1.EnvVar{Name: podNameEnv, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}
}

// logLabels are the fields every JSON log line carries, for a log pipeline to index: the
// app, its namespace and its job are fixed per cluster; the pod's name comes from the
// downward API (podNameEnv), as one configuration serves every pod.
type logLabels struct{ app, namespace, job string }

func (l logLabels) fields() string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	return `"app":` + q(l.app) + `,"namespace":` + q(l.namespace) + `,"pod":"${env:` + podNameEnv + `:-}","job":` + q(l.job) + `,`
}

// jsonLogs reports whether the pods log through weir's JSON layout (and so need podNameEnv).
func jsonLogs(spec *v1beta1.FlinkDeploymentSpec, c flinkconf.Conf) bool {
	_, own := spec.LogConfiguration[Log4jFile]
	return !own && strings.EqualFold(strings.TrimSpace(c[flinkconf.KeyLogFormat]), "json")
}

// logFiles returns the log configuration files: the user's from spec.logConfiguration,
// else weir's defaults; the log4j default writes JSON lines when the Flink configuration
// sets kubernetes.operator.weir.log.format: json.
func logFiles(spec *v1beta1.FlinkDeploymentSpec, c flinkconf.Conf, l logLabels) map[string]string {
	out := map[string]string{}
	if v, ok := spec.LogConfiguration[Log4jFile]; ok {
		out[Log4jFile] = v
	} else {
		layout := textLayout
		if jsonLogs(spec, c) {
			layout = strings.Replace(jsonLayout, "@LABELS@", l.fields(), 1)
		}
		out[Log4jFile] = strings.NewReplacer(
			"@CONSOLE_LAYOUT@", strings.ReplaceAll(layout, "@NAME@", "console"),
			"@ROLLING_LAYOUT@", strings.ReplaceAll(layout, "@NAME@", "rolling"),
		).Replace(defaultLog4j)
	}
	if v, ok := spec.LogConfiguration[LogbackFile]; ok {
		out[LogbackFile] = v
	} else {
		out[LogbackFile] = defaultLogback
	}
	return out
}

const textLayout = `layout.type = PatternLayout
appender.@NAME@.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n`

// jsonLayout builds one JSON object per line from PatternLayout, so it needs nothing
// beyond log4j-core (Flink ships no JSON layout jar and shades Jackson away); @LABELS@ is
// logLabels.fields, whose ${env:…} log4j resolves when it loads the configuration.
const jsonLayout = `layout.type = PatternLayout
appender.@NAME@.layout.alwaysWriteExceptions = false
appender.@NAME@.layout.pattern = {"@timestamp":"%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}","level":"%p",@LABELS@"logger":"%enc{%c}{JSON}","thread":"%enc{%t}{JSON}","message":"%enc{%m}{JSON}","exception":"%enc{%throwable}{JSON}"}%n`

// defaultLog4j logs to the console (kubectl logs) and to the file the Flink UI shows.
const defaultLog4j = `# Written by weir; set spec.logConfiguration["log4j-console.properties"] to replace it.
monitorInterval = 30

rootLogger.level = INFO
rootLogger.appenderRef.console.ref = ConsoleAppender
rootLogger.appenderRef.rolling.ref = RollingFileAppender

logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.kafka.name = org.apache.kafka
logger.kafka.level = INFO
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = WARN
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = INFO
logger.shaded_zookeeper.name = org.apache.flink.shaded.zookeeper3
logger.shaded_zookeeper.level = INFO
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF

appender.console.name = ConsoleAppender
appender.console.type = CONSOLE
appender.console.@CONSOLE_LAYOUT@

appender.rolling.name = RollingFileAppender
appender.rolling.type = RollingFile
appender.rolling.append = true
appender.rolling.fileName = ${sys:log.file}
appender.rolling.filePattern = ${sys:log.file}.%i
appender.rolling.@ROLLING_LAYOUT@
appender.rolling.policies.type = Policies
appender.rolling.policies.size.type = SizeBasedTriggeringPolicy
appender.rolling.policies.size.size = 100MB
appender.rolling.policies.startup.type = OnStartupTriggeringPolicy
appender.rolling.strategy.type = DefaultRolloverStrategy
appender.rolling.strategy.max = ${env:MAX_LOG_FILE_NUMBER:-10}
`

const defaultLogback = `<!-- Written by weir; set spec.logConfiguration["logback-console.xml"] to replace it. -->
<configuration>
    <appender name="console" class="ch.qos.logback.core.ConsoleAppender">
        <encoder>
            <pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %-5level %logger{60} - %msg%n</pattern>
        </encoder>
    </appender>
    <root level="INFO">
        <appender-ref ref="console"/>
    </root>
</configuration>
`
