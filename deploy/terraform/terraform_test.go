package terraform

// The Terraform contract, checked without a provider (see README.md, "Validation"): every
// .tf file parses; every app of deploy/platform/apps.yaml, as the platform's HCL expands it,
// gets a node group for its pool and an IAM role whose trust names only its service account
// and whose policy reaches only its own keys; and those names, pools and keys are the ones
// weir's own profile code gives the app under examples/profiles/prod.yaml.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/api/weirv1alpha1"
	"weir.dev/weir/internal/profile"
)

const (
	appsFile   = "../platform/apps.yaml"
	poolKey    = "weir.dev/pool"
	oidcIssuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"
	oidcARN    = "arn:aws:iam::123456789012:oidc-provider/" + oidcIssuer
)

func TestEveryFileParses(t *testing.T) {
	files := tfFiles(t, ".")
	if len(files) < 20 {
		t.Fatalf("found %d .tf files, want the six directories' (at least 20)", len(files))
	}
	for _, f := range files {
		parse(t, f)
	}
	// Each module and the root pin Terraform >= 1.6 and the providers (aws 5.40 has the EKS
	// cluster's access_config).
	want := map[string]string{"aws": "~> 5.40", "helm": "~> 2.0", "tls": "~> 4.0"}
	for _, dir := range []string{"platform", "modules/eks-cluster", "modules/node-pools", "modules/state-bucket", "modules/app-irsa", "modules/weir-operator"} {
		m := loadModule(t, dir)
		tf := m.block(t, "terraform")
		if v := m.eval(t, tf, "required_version", nil).AsString(); v != ">= 1.6" {
			t.Errorf("%s: required_version %q", dir, v)
		}
		rp := children(tf, "required_providers")
		if len(rp) != 1 {
			t.Fatalf("%s: no required_providers", dir)
		}
		for name, a := range rp[0].Body.Attributes {
			v, diags := a.Expr.Value(nil)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			if got := v.GetAttr("version").AsString(); got != want[name] {
				t.Errorf("%s: provider %s version %q, want %q", dir, name, got, want[name])
			}
		}
	}
}

// platformApp is one app as the platform's locals expand it.
type platformApp struct {
	key                                                      string
	namespace, name, pool, profile, bucket, prefix, sa, role string
	entropy                                                  bool
}

// platform evaluates the platform's locals over an apps file.
func platform(t *testing.T, file string) (map[string]cty.Value, error) {
	t.Helper()
	m := loadModule(t, "platform")
	return m.locals(t, scope{"var": m.vars(t, map[string]cty.Value{"apps_file": cty.StringVal(file)})})
}

func platformApps(t *testing.T, locals map[string]cty.Value) []platformApp {
	t.Helper()
	var out []platformApp
	for it := locals["apps"].ElementIterator(); it.Next(); {
		k, v := it.Element()
		s := func(n string) string { return v.GetAttr(n).AsString() }
		out = append(out, platformApp{key: k.AsString(), namespace: s("namespace"), name: s("name"),
			pool: s("pool"), profile: s("profile"), bucket: s("bucket"), prefix: s("prefix"),
			sa: s("service_account"), role: s("role_name"), entropy: v.GetAttr("entropy").True()})
	}
	return out
}

// irsa is what one app's app-irsa module makes of its inputs.
type irsa struct {
	inputs            map[string]cty.Value
	trustActions      []string
	principal         string
	conditions        map[string][]string // "test variable" -> values
	listBucketOn      []string
	listPrefixes      []string
	objectPatterns    []string
	unconditionalList bool
}

// appIRSA evaluates the platform's module "app_irsa" call for app a and then the module's
// trust and state policy documents with those inputs.
func appIRSA(t *testing.T, a platformApp) irsa {
	t.Helper()
	root := loadModule(t, "platform")
	call := root.block(t, "module", "app_irsa")
	appVal := cty.ObjectVal(map[string]cty.Value{
		"namespace": cty.StringVal(a.namespace), "name": cty.StringVal(a.name),
		"service_account": cty.StringVal(a.sa), "prefix": cty.StringVal(a.prefix),
		"entropy": cty.BoolVal(a.entropy), "bucket": cty.StringVal(a.bucket),
	})
	callScope := scope{
		"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(a.role), "value": appVal}),
		"module": cty.ObjectVal(map[string]cty.Value{
			"state_bucket": cty.ObjectVal(map[string]cty.Value{a.bucket: cty.ObjectVal(map[string]cty.Value{"bucket": cty.StringVal(a.bucket)})}),
			"cluster": cty.ObjectVal(map[string]cty.Value{
				"oidc_provider_arn": cty.StringVal(oidcARN), "oidc_issuer": cty.StringVal(oidcIssuer),
			}),
		}),
	}
	in := map[string]cty.Value{}
	for _, n := range []string{"namespace", "service_account", "role_name", "oidc_provider_arn", "oidc_issuer", "bucket", "prefix", "entropy"} {
		in[n] = root.eval(t, call, n, callScope)
	}
	if src := root.eval(t, call, "source", nil).AsString(); src != "../modules/app-irsa" {
		t.Fatalf("module app_irsa's source is %q", src)
	}

	m := loadModule(t, "modules/app-irsa")
	s := scope{
		"var":  m.vars(t, in),
		"data": cty.ObjectVal(map[string]cty.Value{"aws_partition": cty.ObjectVal(map[string]cty.Value{"current": cty.ObjectVal(map[string]cty.Value{"partition": cty.StringVal("aws")})})}),
	}
	locals, err := m.locals(t, s)
	if err != nil {
		t.Fatal(err)
	}
	s["local"] = cty.ObjectVal(locals)
	out := irsa{inputs: in, conditions: map[string][]string{}}

	trust := children(m.block(t, "data", "aws_iam_policy_document", "trust"), "statement")
	if len(trust) != 1 {
		t.Fatalf("trust policy: %d statements, want 1", len(trust))
	}
	out.trustActions = goStrings(t, m.eval(t, trust[0], "actions", s))
	for _, p := range children(trust[0], "principals") {
		if m.eval(t, p, "type", s).AsString() != "Federated" {
			t.Fatal("trust principal is not Federated")
		}
		out.principal = strings.Join(goStrings(t, m.eval(t, p, "identifiers", s)), ",")
	}
	for _, c := range children(trust[0], "condition") {
		k := m.eval(t, c, "test", s).AsString() + " " + m.eval(t, c, "variable", s).AsString()
		out.conditions[k] = goStrings(t, m.eval(t, c, "values", s))
	}

	for _, st := range children(m.block(t, "data", "aws_iam_policy_document", "state"), "statement") {
		actions := goStrings(t, m.eval(t, st, "actions", s))
		resources := goStrings(t, m.eval(t, st, "resources", s))
		if _, ok := st.Body.Attributes["effect"]; ok {
			t.Fatalf("state policy: a statement with an explicit effect (the test reads every statement as an Allow)")
		}
		for _, act := range actions {
			if strings.HasPrefix(act, "s3:List") && act != "s3:ListBucket" && act != "s3:ListMultipartUploadParts" {
				t.Errorf("state policy allows %s", act)
			}
			if strings.Contains(act, "*") {
				t.Errorf("state policy allows %s", act)
			}
		}
		if contains(actions, "s3:ListBucket") {
			out.listBucketOn = append(out.listBucketOn, resources...)
			conds := children(st, "condition")
			if len(conds) == 0 {
				out.unconditionalList = true
			}
			for _, c := range conds {
				if m.eval(t, c, "test", s).AsString() != "StringLike" || m.eval(t, c, "variable", s).AsString() != "s3:prefix" {
					t.Errorf("ListBucket condition is not StringLike s3:prefix")
				}
				out.listPrefixes = append(out.listPrefixes, goStrings(t, m.eval(t, c, "values", s))...)
			}
			continue
		}
		out.objectPatterns = append(out.objectPatterns, resources...)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func load(t *testing.T, file string, into any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(raw, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// underProfile is what weir's profile code gives an app under its profile: the effective
// spec and the ServiceAccount companion.
func underProfile(t *testing.T, a platformApp) (*v1beta1.FlinkDeployment, *corev1.ServiceAccount) {
	t.Helper()
	p := &weirv1alpha1.FlinkProfile{}
	load(t, filepath.Join("../../examples/profiles", a.profile+".yaml"), p)
	app := &v1beta1.FlinkDeployment{}
	load(t, "../../examples/profiles/app.yaml", app)
	app.Namespace, app.Name = a.namespace, a.name
	app.Labels[weirv1alpha1.ProfileLabel] = a.profile
	eff, _, err := profile.Effective(p, app)
	if err != nil {
		t.Fatal(err)
	}
	sa := profile.Companions(p, app).ServiceAccount
	if sa == nil {
		t.Fatalf("profile %s makes no ServiceAccount", a.profile)
	}
	return eff, sa
}

// stateKeys are object keys Flink writes for the app's S3 paths in conf: under each path, a
// file, with the entropy marker replaced by 4 random characters (data files) and removed
// (_metadata), as Flink's entropy injection does. It fails on a path outside bucket.
func stateKeys(t *testing.T, conf map[string]string, bucket string) (keys, dirs []string) {
	t.Helper()
	for k, v := range conf {
		if !strings.HasPrefix(v, "s3p://") && !strings.HasPrefix(v, "s3://") {
			continue
		}
		_, rest, _ := strings.Cut(v, "://")
		b, key, _ := strings.Cut(rest, "/")
		if b != bucket {
			t.Errorf("flinkConfiguration %s is in bucket %q, Terraform's is %q", k, b, bucket)
		}
		for _, variant := range []string{strings.ReplaceAll(key, "_entropy_", "Xy9z"), strings.ReplaceAll(key, "_entropy_/", "")} {
			keys = append(keys, variant+"/0f3a/chk-7/_metadata")
			dirs = append(dirs, variant+"/")
		}
	}
	if len(keys) == 0 {
		t.Fatal("the effective spec has no S3 state path")
	}
	return keys, dirs
}

func TestEveryAppHasItsPoolRoleAndPrefix(t *testing.T) {
	locals, err := platform(t, appsFile)
	if err != nil {
		t.Fatalf("platform locals: %v", err)
	}
	apps := platformApps(t, locals)
	if len(apps) == 0 {
		t.Fatal("no apps in " + appsFile)
	}
	pools := locals["pools"]
	nodePools := loadModule(t, "modules/node-pools")
	root := loadModule(t, "platform")
	if got := root.block(t, "module", "node_pools").Body.Attributes["pools"]; got == nil {
		t.Fatal(`module "node_pools" takes no pools`)
	} else if v := root.eval(t, root.block(t, "module", "node_pools"), "pools", scope{"local": cty.ObjectVal(locals)}); !v.RawEquals(pools) {
		t.Fatalf("module node_pools gets %#v, not local.pools", v)
	}

	type keysOf struct {
		app  platformApp
		keys []string
	}
	var all []keysOf
	irsas := map[string]irsa{}
	for _, a := range apps {
		t.Run(a.key, func(t *testing.T) {
			eff, sa := underProfile(t, a)

			// The pool: weir pins the pods with nodeSelector weir.dev/pool=<pool> and a
			// toleration of the pool's taint; the platform makes a node group with that
			// label and taint.
			ps := eff.Spec.PodTemplate.Spec
			if got := ps.NodeSelector[poolKey]; got != a.pool {
				t.Errorf("profile %s places the pods on %s=%q, apps.yaml says pool %q", a.profile, poolKey, got, a.pool)
			}
			if !pools.Type().IsObjectType() || !pools.Type().HasAttribute(a.pool) {
				t.Fatalf("no node group for pool %q (local.pools %#v)", a.pool, pools)
			}
			ng := nodePools.block(t, "resource", "aws_eks_node_group", "pool")
			s := scope{
				"var":  nodePools.vars(t, map[string]cty.Value{"cluster_name": cty.StringVal("weir"), "subnet_ids": cty.ListValEmpty(cty.String)}),
				"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(a.pool), "value": pools.GetAttr(a.pool)}),
			}
			labels := nodePools.eval(t, ng, "labels", s).AsValueMap()
			if l, ok := labels[poolKey]; len(labels) != 1 || !ok || l.AsString() != a.pool {
				t.Errorf("node group %s labels %v, want %s=%s", a.pool, labels, poolKey, a.pool)
			}
			if got := nodePools.eval(t, ng, "node_group_name", s).AsString(); got != a.pool {
				t.Errorf("node group name %q", got)
			}
			taints := children(ng, "taint")
			if len(taints) != 1 {
				t.Fatalf("node group %s has %d taints, want 1", a.pool, len(taints))
			}
			taint := corev1.Toleration{
				Key:      nodePools.eval(t, taints[0], "key", s).AsString(),
				Operator: corev1.TolerationOpEqual,
				Value:    nodePools.eval(t, taints[0], "value", s).AsString(),
				Effect:   map[string]corev1.TaintEffect{"NO_SCHEDULE": corev1.TaintEffectNoSchedule}[nodePools.eval(t, taints[0], "effect", s).AsString()],
			}
			if taint.Effect == "" || !contains(tolerations(ps.Tolerations), fmt.Sprint(taint)) {
				t.Errorf("node group taint %v is not among the pods' tolerations %v", taint, ps.Tolerations)
			}

			// The role: trusted by the app's service account only, named as the profile's
			// role-arn annotation names it.
			r := appIRSA(t, a)
			irsas[a.key] = r
			t.Logf("role %s: trust %v; ListBucket s3:prefix %v; objects %v", r.inputs["role_name"].AsString(), r.conditions, r.listPrefixes, r.objectPatterns)
			if got := r.inputs["service_account"].AsString(); got != eff.Spec.ServiceAccount {
				t.Errorf("role trusts service account %q, the pods run as %q", got, eff.Spec.ServiceAccount)
			}
			if sa.Name != eff.Spec.ServiceAccount || sa.Namespace != a.namespace {
				t.Errorf("the profile's ServiceAccount is %s/%s", sa.Namespace, sa.Name)
			}
			if fmt.Sprint(r.trustActions) != "[sts:AssumeRoleWithWebIdentity]" || r.principal != oidcARN {
				t.Errorf("trust: actions %v, principal %q", r.trustActions, r.principal)
			}
			wantConds := map[string][]string{
				"StringEquals " + oidcIssuer + ":sub": {"system:serviceaccount:" + a.namespace + ":" + eff.Spec.ServiceAccount},
				"StringEquals " + oidcIssuer + ":aud": {"sts.amazonaws.com"},
			}
			if fmt.Sprint(r.conditions) != fmt.Sprint(wantConds) {
				t.Errorf("trust conditions %v, want %v", r.conditions, wantConds)
			}
			arn := sa.Annotations["eks.amazonaws.com/role-arn"]
			if !regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:role/` + regexp.QuoteMeta(r.inputs["role_name"].AsString()) + `$`).MatchString(arn) {
				t.Errorf("the service account's role-arn %q does not name the role %q", arn, r.inputs["role_name"].AsString())
			}

			// The prefix: every key Flink writes for the app's state (entropy or not) is
			// within the policy, and listings of its directories too.
			conf, err := eff.Spec.FlinkConfiguration.Flatten()
			if err != nil {
				t.Fatal(err)
			}
			keys, dirs := stateKeys(t, conf, r.inputs["bucket"].AsString())
			bucketARN := "arn:aws:s3:::" + a.bucket
			for _, k := range keys {
				if !iamMatchAny(r.objectPatterns, bucketARN+"/"+k) {
					t.Errorf("the policy %v does not reach %s", r.objectPatterns, k)
				}
			}
			for _, d := range dirs {
				if !iamMatchAny(r.listPrefixes, d) {
					t.Errorf("ListBucket's s3:prefix %v does not reach %s", r.listPrefixes, d)
				}
			}
			if r.unconditionalList || fmt.Sprint(r.listBucketOn) != fmt.Sprint([]string{bucketARN}) {
				t.Errorf("ListBucket on %v (unconditional: %v)", r.listBucketOn, r.unconditionalList)
			}
			all = append(all, keysOf{a, keys})
		})
	}

	// No app's role reaches another app's keys, nor the bucket's other keys.
	for _, a := range all {
		r := irsas[a.app.key]
		for _, b := range all {
			if a.app.key == b.app.key || a.app.bucket != b.app.bucket {
				continue
			}
			for _, k := range b.keys {
				if iamMatchAny(r.objectPatterns, "arn:aws:s3:::"+b.app.bucket+"/"+k) {
					t.Errorf("%s's role reaches %s's key %s", a.app.key, b.app.key, k)
				}
			}
		}
		for _, k := range []string{"apps/" + a.app.namespace + "/other/x", "Xy9z/apps/" + a.app.namespace + "/other/x", a.app.name + "/x", "x"} {
			if iamMatchAny(r.objectPatterns, "arn:aws:s3:::"+a.app.bucket+"/"+k) {
				t.Errorf("%s's role reaches %s", a.app.key, k)
			}
		}
		for _, d := range []string{"", "apps/", "apps/" + a.app.namespace + "/"} {
			if iamMatchAny(r.listPrefixes, d) {
				t.Errorf("%s's role lists the prefix %q", a.app.key, d)
			}
		}
	}
}

func tolerations(ts []corev1.Toleration) []string {
	var out []string
	for _, t := range ts {
		out = append(out, fmt.Sprint(t))
	}
	return out
}

// TestAppsFileAgreesWithTheProfiles checks the profile section of apps.yaml against each
// profile's own spec, template by template.
func TestAppsFileAgreesWithTheProfiles(t *testing.T) {
	var file struct {
		Profiles map[string]struct {
			Bucket, PrefixTemplate, ServiceAccountTemplate, RoleNameTemplate, Pool string
			Entropy                                                                bool
		}
	}
	raw, err := os.ReadFile(appsFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Profiles) == 0 {
		t.Fatal("no profiles in " + appsFile)
	}
	for name, fp := range file.Profiles {
		p := &weirv1alpha1.FlinkProfile{}
		load(t, filepath.Join("../../examples/profiles", name+".yaml"), p)
		st, sa, pl := p.Spec.State, p.Spec.ServiceAccount, p.Spec.Placement
		if st == nil || sa == nil || pl == nil {
			t.Fatalf("profile %s has no state, serviceAccount or placement", name)
		}
		checks := []struct{ what, file, profile string }{
			{"bucket", fp.Bucket, strings.TrimPrefix(strings.TrimPrefix(st.Bucket, "s3p://"), "s3://")},
			{"prefixTemplate", fp.PrefixTemplate, st.PrefixTemplate},
			{"entropy", fmt.Sprint(fp.Entropy), fmt.Sprint(st.Entropy)},
			{"serviceAccountTemplate", fp.ServiceAccountTemplate, sa.NameTemplate},
			{"roleNameTemplate", "role/" + fp.RoleNameTemplate, sa.Annotations["eks.amazonaws.com/role-arn"][strings.LastIndex(sa.Annotations["eks.amazonaws.com/role-arn"], ":")+1:]},
			{"pool", fp.Pool, pl.NodeSelector[poolKey]},
		}
		for _, c := range checks {
			if c.file != c.profile {
				t.Errorf("profile %s: apps.yaml %s %q, the profile's %q", name, c.what, c.file, c.profile)
			}
		}
	}
}

// TestPlatformRefusesBadApps writes apps files that break the platform's rules and checks
// that the platform's own expressions refuse them: the preconditions of
// terraform_data.apps_check evaluate to false, or the locals do not evaluate.
func TestPlatformRefusesBadApps(t *testing.T) {
	head, _, _ := strings.Cut(mustRead(t, appsFile), "\napps:")
	cases := []struct {
		name, apps string
		precond    string // the error_message prefix of the precondition that must fail; "" for a locals error
	}{
		{"good", "- {namespace: team-a, name: orders, pool: flink-prod, profile: prod}", "none"},
		{"pool other than the profile's", "- {namespace: team-a, name: orders, pool: other, profile: prod}", "An app's pool must be its profile's pool"},
		{"namespace apps", "- {namespace: apps, name: orders, pool: flink-prod, profile: prod}", "No app namespace may be called"},
		{"two apps, one role name", "- {namespace: team-a, name: orders, pool: flink-prod, profile: prod}\n- {namespace: team-b, name: orders, pool: flink-prod, profile: prod}", ""},
		{"one app twice", "- {namespace: team-a, name: orders, pool: flink-prod, profile: prod}\n- {namespace: team-a, name: orders, pool: flink-prod, profile: prod}", ""},
		{"unknown profile", "- {namespace: team-a, name: orders, pool: flink-prod, profile: nope}", ""},
	}
	root := loadModule(t, "platform")
	check := root.block(t, "resource", "terraform_data", "apps_check")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "apps.yaml")
			if err := os.WriteFile(f, []byte(head+"\napps:\n"+c.apps+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			locals, err := platform(t, f)
			if c.precond == "" {
				if err == nil {
					t.Fatalf("the platform's locals evaluate: %v", locals["apps_by_role"])
				}
				return
			}
			if err != nil {
				t.Fatalf("locals: %v", err)
			}
			var failed []string
			for _, lc := range children(check, "lifecycle") {
				for _, pc := range children(lc, "precondition") {
					ok := root.eval(t, pc, "condition", scope{"local": cty.ObjectVal(locals)})
					if !ok.True() {
						failed = append(failed, root.eval(t, pc, "error_message", nil).AsString())
					}
				}
			}
			if c.precond == "none" {
				if len(failed) > 0 {
					t.Fatalf("refused: %v", failed)
				}
				return
			}
			if len(failed) != 1 || !strings.HasPrefix(failed[0], c.precond) {
				t.Fatalf("failed preconditions %q, want one starting %q", failed, c.precond)
			}
		})
	}
}

func mustRead(t *testing.T, file string) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// TestOperatorRelease checks the operator's release: its default chart is this repository's
// charts/weir-operator, every value the module sets is a top-level key of the chart's
// values.yaml, and the platform watches exactly the apps' namespaces.
func TestOperatorRelease(t *testing.T) {
	m := loadModule(t, "modules/weir-operator")
	s := scope{"var": m.vars(t, map[string]cty.Value{
		"image":            cty.ObjectVal(map[string]cty.Value{"repository": cty.StringVal("r/weir"), "tag": cty.StringVal("v1"), "digest": cty.StringVal("")}),
		"watch_namespaces": cty.ListVal([]cty.Value{cty.StringVal("team-a")}),
	})}
	locals, err := m.locals(t, s)
	if err != nil {
		t.Fatal(err)
	}
	s["local"] = cty.ObjectVal(locals)
	chart := m.eval(t, m.block(t, "resource", "helm_release", "operator"), "chart", s).AsString()
	if _, err := os.Stat(filepath.Join(chart, "Chart.yaml")); err != nil {
		t.Fatalf("the default chart %s: %v", chart, err)
	}
	var chartValues map[string]any
	if err := yaml.Unmarshal([]byte(mustRead(t, filepath.Join(chart, "values.yaml"))), &chartValues); err != nil {
		t.Fatal(err)
	}
	for k := range locals["values"].AsValueMap() {
		if _, ok := chartValues[k]; !ok {
			t.Errorf("the module sets value %q, which charts/weir-operator does not have", k)
		}
	}
	if got := locals["values"].GetAttr("watchNamespaces"); !got.RawEquals(cty.ListVal([]cty.Value{cty.StringVal("team-a")})) {
		t.Errorf("watchNamespaces %#v", got)
	}

	platformLocals, err := platform(t, appsFile)
	if err != nil {
		t.Fatal(err)
	}
	root := loadModule(t, "platform")
	ns := root.eval(t, root.block(t, "module", "weir_operator"), "watch_namespaces", scope{"local": cty.ObjectVal(platformLocals)})
	want := map[string]bool{}
	for _, a := range platformApps(t, platformLocals) {
		want[a.namespace] = true
	}
	got := goStrings(t, ns)
	if len(got) != len(want) {
		t.Errorf("the operator watches %v, the apps are in %v", got, want)
	}
	for _, n := range got {
		if !want[n] {
			t.Errorf("the operator watches %s, where no app is", n)
		}
	}
}

// TestStateBucket checks the bucket module: private, encrypted (AES256, or KMS when a key is
// given), and lifecycle rules that never expire current objects bucket-wide (that would
// delete live savepoints and the shared files of incremental checkpoints).
func TestStateBucket(t *testing.T) {
	m := loadModule(t, "modules/state-bucket")
	pab := m.block(t, "resource", "aws_s3_bucket_public_access_block", "this")
	for _, a := range []string{"block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"} {
		if !m.eval(t, pab, a, nil).True() {
			t.Errorf("public access block: %s is not true", a)
		}
	}
	sse := children(children(m.block(t, "resource", "aws_s3_bucket_server_side_encryption_configuration", "this"), "rule")[0], "apply_server_side_encryption_by_default")[0]
	for kms, want := range map[string]string{"": "AES256", "arn:aws:kms:eu-west-1:123456789012:key/k": "aws:kms"} {
		in := map[string]cty.Value{"bucket": cty.StringVal("flink-prod")}
		if kms != "" {
			in["kms_key_arn"] = cty.StringVal(kms)
		}
		if got := m.eval(t, sse, "sse_algorithm", scope{"var": m.vars(t, in)}).AsString(); got != want {
			t.Errorf("kms key %q: sse_algorithm %q, want %q", kms, got, want)
		}
	}

	lc := m.block(t, "resource", "aws_s3_bucket_lifecycle_configuration", "this")
	rules := children(lc, "rule")
	if len(rules) != 1 || len(children(rules[0], "abort_incomplete_multipart_upload")) != 1 {
		t.Fatal("the static rule is not the multipart abort")
	}
	if f := children(rules[0], "filter"); len(f) != 1 || len(f[0].Body.Attributes) != 0 || len(f[0].Body.Blocks) != 0 {
		t.Error("the multipart abort rule is not bucket-wide (an empty filter)")
	}
	for _, d := range children(lc, "dynamic") {
		content := children(d, "content")[0]
		exp := children(content, "expiration")
		if len(exp) == 0 {
			continue
		}
		if _, ok := exp[0].Body.Attributes["days"]; !ok {
			continue // expired_object_delete_marker only
		}
		f := children(content, "filter")
		if len(f) != 1 || f[0].Body.Attributes["prefix"] == nil {
			t.Errorf("dynamic rule %q expires current objects without a prefix", d.Labels)
		}
	}

	// Only checkpoint directories may expire by age.
	v, _ := m.variable("checkpoint_expiration")
	validation := children(v, "validation")[0]
	for prefix, ok := range map[string]bool{"apps/team-a/orders/checkpoints/": true, "": false, "apps/": false,
		"apps/team-a/orders/savepoints/": false, "apps/team-a/orders/checkpoints": false, "*/checkpoints/": false} {
		in := cty.ObjectVal(map[string]cty.Value{"prefixes": cty.ListVal([]cty.Value{cty.StringVal(prefix)}), "days": cty.NumberIntVal(30)})
		if got := m.eval(t, validation, "condition", scope{"var": m.vars(t, map[string]cty.Value{"bucket": cty.StringVal("b"), "checkpoint_expiration": in})}); got.True() != ok {
			t.Errorf("checkpoint_expiration prefix %q: accepted %v, want %v", prefix, got.True(), ok)
		}
	}

	// One bucket per profile the apps use, named as the profile's state.bucket.
	locals, err := platform(t, appsFile)
	if err != nil {
		t.Fatal(err)
	}
	root := loadModule(t, "platform")
	call := root.block(t, "module", "state_bucket")
	buckets := goStrings(t, root.eval(t, call, "for_each", scope{"local": cty.ObjectVal(locals)}))
	want := map[string]bool{}
	for _, a := range platformApps(t, locals) {
		want[a.bucket] = true
	}
	if len(buckets) != len(want) {
		t.Errorf("buckets %v, the apps use %v", buckets, want)
	}
	for _, b := range buckets {
		if !want[b] {
			t.Errorf("bucket %s serves no app", b)
		}
	}
}
