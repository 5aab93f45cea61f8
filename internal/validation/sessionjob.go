package validation

import (
	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/flinkconf"
	"weir.dev/weir/internal/opconfig"
)

// KeyAllowedSchemes is FKO's setting for the jarURI schemes of session jobs. It is
// operator-only: a resource's own value is ignored (see opconfig.Keys).
const KeyAllowedSchemes = opconfig.ArtifactsAllowedSchemes

// SessionJob checks a FlinkSessionJob, and, when session is not nil, that it fits the
// session FlinkDeployment it names. Its jarURI may use DefaultSessionJarSchemes.
func SessionJob(j *v1beta1.FlinkSessionJob, session *v1beta1.FlinkDeployment) error {
	return SessionJobAllowing(j, session, nil)
}

// SessionJobAllowing is SessionJob with the jarURI schemes the operator config allows
// (nil: DefaultSessionJarSchemes).
func SessionJobAllowing(j *v1beta1.FlinkSessionJob, session *v1beta1.FlinkDeployment, allowedSchemes []string) error {
	if j == nil {
		return &Error{Problems: []string{"no FlinkSessionJob given"}}
	}
	var p problems
	checkName(&p, "FlinkDeployment", j.Spec.DeploymentName)
	checkSpecSize(&p, &j.Spec)
	jobConf, jobConfOK := userConf(&p, "spec.flinkConfiguration", j.Spec.FlinkConfiguration)
	if jobConfOK {
		checkDurations(&p, "spec.flinkConfiguration", jobConf)
	}
	conf := flinkconf.Conf{}
	if session != nil {
		if sc, err := session.Spec.FlinkConfiguration.Flatten(); err == nil {
			for k, v := range sc {
				conf[k] = v
			}
		}
	}
	for k, v := range jobConf {
		conf[k] = v
	}
	if j.Spec.Job == nil {
		p.add("The job spec should not be empty: set spec.job.jarURI and spec.job.parallelism")
	} else {
		allowed := DefaultSessionJarSchemes
		if len(allowedSchemes) > 0 {
			allowed = allowedSchemes
		}
		if j.Spec.Job.JarURI == "" {
			p.add("spec.job.jarURI must be set: the jar is uploaded to the session cluster")
		} else {
			checkJarURI(&p, "spec.job.jarURI", j.Spec.Job.JarURI, allowed)
		}
	}
	if old, _, ok, err := v1beta1.ReadSpecWithMeta[v1beta1.FlinkSessionJobSpec](j.Status.ReconciliationStatus.LastReconciledSpec); ok && err == nil &&
		old.DeploymentName != j.Spec.DeploymentName {
		p.add("The deploymentName can't be changed (was %q): create a new FlinkSessionJob instead", old.DeploymentName)
	}
	if session != nil {
		if session.Spec.Job != nil {
			p.add("Can not submit session job to application cluster: FlinkDeployment %q runs its own job; point spec.deploymentName at a FlinkDeployment without spec.job", session.Name)
		}
		if session.Name != j.Spec.DeploymentName {
			p.add("The session job's cluster id is not match with the session cluster (%q vs %q)", j.Spec.DeploymentName, session.Name)
		}
		if j.Spec.Job != nil {
			checkJob(&p, j.Spec.Job, nil, conf, "spec.job")
		}
	}
	return p.err()
}
