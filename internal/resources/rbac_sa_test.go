package resources

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestFlinkRoleIsBoundOnlyToMarkedServiceAccounts(t *testing.T) {
	sa := func(name string, labels map[string]string) *corev1.ServiceAccount {
		return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team", Labels: labels}}
	}
	for _, c := range []struct {
		name string
		sa   *corev1.ServiceAccount
		want string // "" accepted
	}{
		{"flink", sa("flink", map[string]string{FlinkServiceAccountLabel: "true"}), ""},
		{"old", sa("old", map[string]string{"app.kubernetes.io/managed-by": "weir"}), ""},
		{"default", sa("default", map[string]string{FlinkServiceAccountLabel: "true"}), "every pod's account"},
		{"ci", sa("ci", nil), "is not labelled flink.apache.org/flink-service-account=true"},
		{"ci", sa("ci", map[string]string{FlinkServiceAccountLabel: "false"}), "is not labelled"},
		{"ghost", nil, "does not exist in namespace team, and the operator creates service accounts only from the template of a FlinkProfile"},
	} {
		err := CheckFlinkServiceAccount("team", c.name, c.sa)
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}
