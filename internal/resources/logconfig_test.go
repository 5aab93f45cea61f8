package resources

import (
	"strings"
	"testing"

	"weir.dev/weir/internal/flinkconf"
)

func TestLogConfiguration(t *testing.T) {
	custom := basic + `  logConfiguration:
    log4j-console.properties: "rootLogger.level = DEBUG"
`
	s := build(t, custom, nil, "")
	if s.ConfigMap.Data[Log4jFile] != "rootLogger.level = DEBUG" {
		t.Errorf("user log4j not used: %q", s.ConfigMap.Data[Log4jFile])
	}
	js := strings.Replace(basic, "    taskmanager.numberOfTaskSlots: \"2\"", "    taskmanager.numberOfTaskSlots: \"2\"\n    "+flinkconf.KeyLogFormat+": json", 1)
	s = build(t, js, nil, "")
	l := s.ConfigMap.Data[Log4jFile]
	if !strings.Contains(l, `appender.console.layout.pattern = {"@timestamp"`) || strings.Contains(l, "@NAME@") {
		t.Errorf("json layout missing:\n%s", l)
	}
	s = build(t, basic, nil, "")
	if l := s.ConfigMap.Data[Log4jFile]; !strings.Contains(l, "appender.console.layout.type = PatternLayout") || strings.Contains(l, "@NAME@") {
		t.Errorf("default log4j:\n%s", l)
	}
}
