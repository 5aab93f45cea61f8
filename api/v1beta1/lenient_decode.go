package v1beta1

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"
	kjson "sigs.k8s.io/json"
)

// A schemaless field (a pod template) is only type-checked when the operator decodes it. A
// decode error there must not fail the decode of the whole resource: the informer would
// drop the object, its cache would never sync, and one bad resource would stop the
// operator for everyone. checkJSON finds every problem with its path instead, so that
// validation can report them, and returns the value with the bad parts left out.

// maxProblems bounds what is reported for one value (a huge broken template stays short).
const maxProblems = 10

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	quantityType    = reflect.TypeFor[resource.Quantity]()
)

// decodeLeniently decodes b (one JSON value) into out, a pointer to a struct whose type has
// no UnmarshalJSON of its own. Unknown fields and values of the wrong type are left out
// and described, with their paths, in the returned problems.
func decodeLeniently(b []byte, out any) []string {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	var problems []string
	clean, _ := checkJSON("", tree, reflect.TypeOf(out).Elem(), &problems)
	if len(problems) == 0 {
		clean = tree
	}
	cb, err := json.Marshal(clean)
	if err == nil {
		// The decoder the API machinery uses: case-sensitive field names, as checked above.
		err = kjson.UnmarshalCaseSensitivePreserveInts(cb, out)
	}
	if err != nil { // checkJSON missed something: keep nothing rather than half a value
		reflect.ValueOf(out).Elem().SetZero()
		problems = append(problems, strings.TrimPrefix(err.Error(), "json: "))
	}
	if len(problems) > maxProblems {
		problems = append(problems[:maxProblems], fmt.Sprintf("and %d more problems", len(problems)-maxProblems))
	}
	return problems
}

// checkJSON checks v, a JSON value decoded with UseNumber, against the Go type t. It
// appends what does not fit to problems and returns v without those parts; keep is false
// when v itself does not fit.
func checkJSON(path string, v any, t reflect.Type, problems *[]string) (out any, keep bool) {
	if v == nil { // null leaves any Go value at its zero
		return nil, true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return checkLeaf(path, v, t, problems)
	}
	switch t.Kind() {
	case reflect.Interface:
		return v, true
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, mismatch(path, v, t, problems)
		}
		fields := jsonFields(t)
		out := make(map[string]any, len(obj))
		for _, k := range sortedKeys(obj) {
			ft, known := fields[k]
			if !known {
				addProblem(problems, joinPath(path, k), "unknown field")
				continue
			}
			if cv, ok := checkJSON(joinPath(path, k), obj[k], ft, problems); ok {
				out[k] = cv
			}
		}
		return out, true
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, mismatch(path, v, t, problems)
		}
		if t.Key().Kind() != reflect.String {
			return checkLeaf(path, v, t, problems)
		}
		out := make(map[string]any, len(obj))
		for _, k := range sortedKeys(obj) {
			if cv, ok := checkJSON(joinPath(path, k), obj[k], t.Elem(), problems); ok {
				out[k] = cv
			}
		}
		return out, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // []byte is a base64 string
			return checkLeaf(path, v, t, problems)
		}
		arr, ok := v.([]any)
		if !ok {
			return nil, mismatch(path, v, t, problems)
		}
		out := make([]any, 0, len(arr))
		for i, e := range arr {
			if cv, ok := checkJSON(path+"["+strconv.Itoa(i)+"]", e, t.Elem(), problems); ok {
				out = append(out, cv)
			}
		}
		return out, true
	}
	return checkLeaf(path, v, t, problems)
}

// checkLeaf decodes v into a new value of type t the way the API machinery would.
func checkLeaf(path string, v any, t reflect.Type, problems *[]string) (any, bool) {
	b, err := json.Marshal(v)
	if err == nil {
		err = kjson.UnmarshalCaseSensitivePreserveInts(b, reflect.New(t).Interface())
	}
	if err == nil {
		return v, true
	}
	if kindOfValue(v) != kindOfType(t) && kindOfType(t) != "" {
		return nil, mismatch(path, v, t, problems)
	}
	switch {
	case t == quantityType:
		addProblem(problems, path, fmt.Sprintf("%s is not a quantity (such as 2Gi, 512Mi, 500m or 1.5)", shortJSON(b)))
	case kindOfType(t) == "an integer":
		addProblem(problems, path, fmt.Sprintf("%s is not a whole number that fits in %s", shortJSON(b), t.Kind()))
	default:
		addProblem(problems, path, fmt.Sprintf("%s cannot be read: %s", shortJSON(b), strings.TrimPrefix(err.Error(), "json: ")))
	}
	return nil, false
}

func mismatch(path string, v any, t reflect.Type, problems *[]string) bool {
	addProblem(problems, path, fmt.Sprintf("expected %s, got %s", kindOfType(t), kindOfValue(v)))
	return false
}

func addProblem(problems *[]string, path, msg string) {
	if path == "" {
		*problems = append(*problems, msg)
		return
	}
	*problems = append(*problems, path+": "+msg)
}

// kindOfType names the JSON kind a Go type decodes from ("" when several fit).
func kindOfType(t reflect.Type) string {
	if t == quantityType || t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return ""
	}
	if t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "a string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a string"
		}
		return "an array"
	case reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return ""
}

func kindOfValue(v any) string {
	switch n := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return "an integer"
		}
		if _, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
			return "an integer"
		}
		if strings.ContainsAny(n.String(), ".eE") {
			return "a number"
		}
		return "an integer"
	}
	return fmt.Sprintf("%T", v)
}

// shortJSON quotes a value for a message, cut short when long.
func shortJSON(b []byte) string {
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps the JSON names of a struct's fields to their types, with the fields of
// embedded structs promoted as encoding/json does (the outer field wins a clash).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	out := map[string]reflect.Type{}
	var promoted []map[string]reflect.Type
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				promoted = append(promoted, jsonFields(ft))
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	for _, p := range promoted {
		for k, v := range p {
			if _, clash := out[k]; !clash {
				out[k] = v
			}
		}
	}
	fieldCache.Store(t, out)
	return out
}
