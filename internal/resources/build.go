package resources

import (
	"errors"
	"fmt"
	"strings"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
)

// Build returns every object of the Flink cluster of in.Spec. in.Conf is the output of
// flinkconf.Build (computed here when nil); Build adds the restore path and job id to it.
//
// Standalone: JobManager and TaskManager Deployments. Native: the JobManager Deployment
// only (Flink creates TaskManager pods). Both: the ConfigMap, the rest and internal
// Services, the Ingress when spec.ingress is set, the queryable-state Service when
// queryable-state.enable is true (Flink 1.x), and RBAC for the service account.
func Build(in Input) (*Set, error) {
	if in.Deployment == nil || in.Spec == nil {
		return nil, errors.New("resources.Build needs a FlinkDeployment and a spec")
	}
	d, spec := in.Deployment, in.Spec
	if d.Name == "" || d.Namespace == "" {
		return nil, errors.New("resources.Build needs a FlinkDeployment with a name and a namespace")
	}
	ver, err := flinkconf.Lookup(spec.FlinkVersion)
	if err != nil {
		return nil, err
	}
	conf := in.Conf
	if conf == nil {
		if conf, err = flinkconf.Build(d, spec); err != nil {
			return nil, err
		}
	}
	var restorePath string
	var allowNonRestored bool
	if in.Restore != nil {
		restorePath, allowNonRestored = in.Restore.Path, in.Restore.AllowNonRestoredState
	}
	jobID := in.JobID
	if spec.Job == nil {
		// A session cluster runs no job of its own: no restore, no fixed id.
		restorePath, allowNonRestored, jobID = "", false, ""
	}
	if conf, err = flinkconf.WithStart(conf, spec.FlinkVersion, restorePath, allowNonRestored, jobID); err != nil {
		return nil, err
	}
	conf = withDatadogTags(conf, d.Name, d.Namespace, d.Labels[LabelTeam], jobID)
	mode := spec.EffectiveMode()
	if mode != v1beta1.ModeNative && mode != v1beta1.ModeStandalone {
		return nil, fmt.Errorf("spec.mode %q is unknown; use native or standalone", mode)
	}
	c := &cluster{
		d: d, spec: spec, conf: conf, ver: ver, names: Names(d.Name), mode: mode,
		native: mode == v1beta1.ModeNative, jobID: jobID,
		byName: !strings.EqualFold(strings.TrimSpace(conf[flinkconf.KeyMergeArraysByName]), "false"),
	}
	if err := c.withQueryableStateClasspath(); err != nil {
		return nil, err
	}
	if restorePath != "" {
		c.restore = &Restore{Path: restorePath, AllowNonRestoredState: allowNonRestored}
	}
	c.logs = logFiles(spec, conf, logLabels{app: d.Name, namespace: d.Namespace, job: jobID})

	set := &Set{RestService: c.restService(), InternalService: c.internalService(),
		QueryableStateService: c.queryableStateService()}
	if set.ConfigMap, err = c.configMap(); err != nil {
		return nil, err
	}
	if set.JobManager, err = c.jobManager(); err != nil {
		return nil, err
	}
	if !c.native {
		if set.TaskManager, err = c.taskManager(); err != nil {
			return nil, err
		}
	}
	if spec.Ingress != nil {
		if set.Ingress, err = c.ingress(); err != nil {
			return nil, err
		}
	}
	set.Role, set.RoleBinding = c.rbac()
	return set, nil
}
