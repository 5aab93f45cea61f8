package v1beta1

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestConfigObjectFlatten(t *testing.T) {
	cases := []struct {
		name    string
		yaml    string
		want    map[string]string
		wantErr bool
	}{
		{"flat", `{"taskmanager.numberOfTaskSlots": "2", "state.savepoints.dir": "s3://b/sp"}`,
			map[string]string{"taskmanager.numberOfTaskSlots": "2", "state.savepoints.dir": "s3://b/sp"}, false},
		{"nested with numbers and bools", "taskmanager:\n  numberOfTaskSlots: 2\nexecution:\n  checkpointing:\n    interval: 10s\n    unaligned: true\n",
			map[string]string{"taskmanager.numberOfTaskSlots": "2", "execution.checkpointing.interval": "10s", "execution.checkpointing.unaligned": "true"}, false},
		{"mixed", "high-availability.type: kubernetes\nhigh-availability:\n  storageDir: s3://b/ha\n",
			map[string]string{"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://b/ha"}, false},
		{"list", "env.java.opts.all: [\"-Xss1m\", \"-Dx=1\"]\n", map[string]string{"env.java.opts.all": "-Xss1m;-Dx=1"}, false},
		{"large number stays exact", "a: 12345678901234567890\n", map[string]string{"a": "12345678901234567890"}, false},
		{"conflict", "a.b: x\na:\n  b: y\n", nil, true},
		{"empty", "{}", map[string]string{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c ConfigObject
			j, err := yaml.YAMLToJSON([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(j, &c); err != nil {
				t.Fatal(err)
			}
			got, err := c.Flatten()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestConfigObjectRejectsNonObject(t *testing.T) {
	var c ConfigObject
	if err := json.Unmarshal([]byte(`["a"]`), &c); err == nil {
		t.Fatal("a list was accepted as flinkConfiguration")
	}
}

func TestConfigObjectRoundTripAndCopy(t *testing.T) {
	c := NewConfigObject(map[string]string{"a": "1"})
	cp := c.DeepCopy()
	b, _ := json.Marshal(cp)
	if string(b) != `{"a":"1"}` {
		t.Fatalf("round trip gave %s", b)
	}
	var zero ConfigObject
	b, _ = json.Marshal(zero)
	if string(b) != `{}` {
		t.Fatalf("zero value marshals to %s", b)
	}
}

func FuzzConfigObject(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":null}]},"a.b":"x"}`))
	f.Add([]byte(`{"taskmanager.numberOfTaskSlots":"2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var c ConfigObject
		if json.Unmarshal(data, &c) != nil {
			return
		}
		_, _ = c.Flatten()
	})
}

// The conflict message reaches status.error and an Event: it names the key, never the values.
func TestConfigObjectConflictNamesOnlyTheKey(t *testing.T) {
	var c ConfigObject
	if err := json.Unmarshal([]byte(`{"s3.secret-key":"flat-value","s3":{"secret-key":"nested-value"}}`), &c); err != nil {
		t.Fatal(err)
	}
	_, err := c.Flatten()
	if err == nil || strings.Contains(err.Error(), "flat-value") || strings.Contains(err.Error(), "nested-value") ||
		!strings.Contains(err.Error(), `"s3.secret-key"`) {
		t.Fatalf("conflict error: %v", err)
	}
}
