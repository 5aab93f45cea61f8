package resources

import (
	"bytes"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// configMap is flink-config-<name>: the rendered Flink configuration, the log
// configuration and, in native mode, the TaskManager pod template Flink's resource manager
// reads. Native TaskManager pods mount it by this name.
func (c *cluster) configMap() (*corev1.ConfigMap, error) {
	file, content, err := flinkconf.Render(c.ver.Name, c.conf)
	if err != nil {
		return nil, err
	}
	data := map[string]string{file: content}
	for k, v := range c.logs {
		data[k] = v
	}
	if c.native {
		tm, err := c.taskManagerPodTemplate()
		if err != nil {
			return nil, err
		}
		data[flinkconf.TMPodTemplateFile] = tm
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: objectMeta(c.d, c.names.ConfigMap, CommonLabels(c.d.Name, c.mode)),
		Data:       data,
	}, nil
}

// taskManagerPodTemplate is the layered TaskManager template as YAML. Flink decorates it
// itself (image, resources, command, labels) when it creates TaskManager pods.
func (c *cluster) taskManagerPodTemplate() (string, error) {
	t, err := componentTemplate(c.spec, ComponentTaskManager, c.byName)
	if err != nil {
		return "", err
	}
	// Flink keeps the template's main container ports, variables and pod annotations when it
	// decorates the pod; its own containerized.taskmanager.env. variables come on top.
	if obs, env := c.observability(flinkconf.KeyTaskManagerEnvPrefix, t.Spec.Containers); len(obs.ports)+len(env) > 0 {
		main := mainContainerOf(&t.Spec)
		main.Ports = mergePorts(main.Ports, obs.ports)
		main.Env = mergeEnv(main.Env, env)
		t.ObjectMeta.Annotations = merged(t.ObjectMeta.Annotations, obs.annotations)
	}
	c.withQueryableStateRuntime(&t.Spec)
	tree, err := toTree(&v1beta1.PodTemplate{APIVersion: "v1", Kind: "Pod", ObjectMeta: t.ObjectMeta, Spec: t.Spec})
	if err != nil {
		return "", fmt.Errorf("taskmanager pod template: %w", err)
	}
	// Flink's fabric8 reader turns `containers: null` into a null list it then iterates.
	pruneNulls(tree)
	j, err := json.Marshal(tree)
	if err != nil {
		return "", fmt.Errorf("taskmanager pod template: %w", err)
	}
	y, err := yaml.JSONToYAML(escapeForYAML(j))
	if err != nil {
		return "", fmt.Errorf("taskmanager pod template: %w", err)
	}
	return string(y), nil
}

func pruneNulls(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			pruneNulls(t)
		case []any:
			for _, e := range t {
				if em, ok := e.(map[string]any); ok {
					pruneNulls(em)
				}
			}
		}
	}
}

// escapeForYAML rewrites characters YAML may not carry raw (DEL, C1 controls, BOM, …) as
// JSON \u escapes; outside strings JSON holds only printable ASCII, so only strings change.
func escapeForYAML(j []byte) []byte {
	var b bytes.Buffer
	for _, r := range string(j) {
		// Also escaped: NEL and the Unicode line separators, which YAML 1.1 folds as breaks.
		printable := r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0x7e) ||
			(r >= 0xa0 && r <= 0xd7ff && r != 0x2028 && r != 0x2029) || (r >= 0xe000 && r <= 0xfffd && r != 0xfeff) || r >= 0x10000
		if printable {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, "\\u%04x", r)
	}
	return b.Bytes()
}
