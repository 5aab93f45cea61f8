// Package argocd holds weir's ArgoCD resource customizations: health scripts for the
// flink.apache.org kinds (health/*.lua), the argocd-cm entries that install them
// (argocd-cm-health.yaml, kept in step by TestConfigMapHoldsTheScripts), and Health, which
// runs a script the way ArgoCD does, in the same Lua engine (gopher-lua), for tests and the
// e2e.
package argocd

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

//go:embed health/*.lua
var scripts embed.FS

// Health statuses ArgoCD knows.
const (
	Healthy     = "Healthy"
	Progressing = "Progressing"
	Degraded    = "Degraded"
	Suspended   = "Suspended"
	Missing     = "Missing"
	Unknown     = "Unknown"
)

// HealthStatus is what a health script returns.
type HealthStatus struct {
	Status  string
	Message string
}

// Kinds are the kinds with a health script, by the file that holds it.
var Kinds = map[string]string{
	"FlinkDeployment":    "health/flinkdeployment.lua",
	"FlinkSessionJob":    "health/flinksessionjob.lua",
	"FlinkStateSnapshot": "health/flinkstatesnapshot.lua",
	"FlinkProfile":       "health/flinkprofile.lua",
}

// commonFor names the kinds whose script starts with health/job_common.lua: the parts the
// two job kinds share, written once.
var commonFor = map[string]bool{"FlinkDeployment": true, "FlinkSessionJob": true}

// Script is the health script of kind, as ArgoCD runs it: one chunk, with the shared part
// in front where the kind uses it.
func Script(kind string) (string, error) {
	file, ok := Kinds[kind]
	if !ok {
		return "", fmt.Errorf("no health script for kind %q", kind)
	}
	b, err := scripts.ReadFile(file)
	if err != nil || !commonFor[kind] {
		return string(b), err
	}
	common, err := scripts.ReadFile("health/job_common.lua")
	return string(common) + "\n" + string(b), err
}

// Health runs kind's script on obj (any value that marshals to the object's JSON), as
// ArgoCD does: the object is the global obj, only the base, table, string and math
// libraries are open, and the script returns a table with status and message.
func Health(kind string, obj any) (HealthStatus, error) {
	script, err := Script(kind)
	if err != nil {
		return HealthStatus{}, err
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return HealthStatus{}, err
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return HealthStatus{}, err
	}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		l.Push(l.NewFunction(lib.open))
		l.Push(lua.LString(lib.name))
		l.Call(1, 0)
	}
	l.SetGlobal("obj", toLua(l, generic))
	if err := l.DoString(script); err != nil {
		return HealthStatus{}, fmt.Errorf("%s health script: %w", kind, err)
	}
	ret, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return HealthStatus{}, fmt.Errorf("%s health script returned %s, not a table", kind, l.Get(-1).Type())
	}
	hs := HealthStatus{Status: lua.LVAsString(ret.RawGetString("status")), Message: lua.LVAsString(ret.RawGetString("message"))}
	switch hs.Status {
	case Healthy, Progressing, Degraded, Suspended, Missing, Unknown:
		return hs, nil
	}
	return hs, fmt.Errorf("%s health script returned the unknown status %q", kind, hs.Status)
}

// toLua converts decoded JSON to Lua values: objects and arrays to tables (arrays from 1),
// numbers to numbers, as ArgoCD's conversion does.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		t := l.NewTable()
		for _, e := range v {
			t.Append(toLua(l, e))
		}
		return t
	case map[string]any:
		t := l.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(l, e))
		}
		return t
	}
	return lua.LString(strings.TrimSpace(fmt.Sprint(v)))
}
