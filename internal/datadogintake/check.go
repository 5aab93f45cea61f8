package datadogintake

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Expect is what the series received so far should show: the same checks serve the
// real-Flink test of one JobManager and the local cluster's e2e of a whole app.
type Expect struct {
	// Site is the host every series was addressed to ("app.datadoghq.eu" for DataCenter EU).
	Site string
	// Names must all have arrived; each of Prefixes must begin at least one name.
	Names    []string
	Prefixes []string
	// Tags must be on every series, with these values.
	Tags map[string]string
	// APIKey must be the api_key of some request.
	APIKey string
}

// Check returns what the series received so far lack of e, or nil. Tags and points are
// checked on every series, so one badly tagged series fails it.
func (in *Intake) Check(e Expect) error {
	var errs []error
	names := in.Names()
	for _, n := range e.Names {
		if !slices.Contains(names, n) {
			errs = append(errs, fmt.Errorf("no series %s", n))
		}
	}
	for _, p := range e.Prefixes {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, p) }) {
			errs = append(errs, fmt.Errorf("no series named %s…", p))
		}
	}
	for _, s := range in.Series() {
		if e.Site != "" && s.Target != e.Site {
			errs = append(errs, fmt.Errorf("%s was sent to %s, not %s", s.Metric, s.Target, e.Site))
			break
		}
		if err := s.hasTags(e.Tags); err != nil {
			errs = append(errs, err)
			break
		}
		if len(s.Points) == 0 || len(s.Points[0]) != 2 {
			errs = append(errs, fmt.Errorf("%s: points %v are not [time, value] pairs", s.Metric, s.Points))
			break
		}
	}
	if e.APIKey != "" && !in.SawAPIKey(e.APIKey) {
		errs = append(errs, errors.New("no request carried the expected API key"))
	}
	if bad := in.Errors(); len(bad) > 0 {
		errs = append(errs, fmt.Errorf("the intake refused requests: %v", bad))
	}
	if len(errs) > 0 {
		errs = append(errs, fmt.Errorf("%d series of %d names received, CONNECTs to %v", len(in.Series()), len(names), in.Connects()))
	}
	return errors.Join(errs...)
}

func (s Series) hasTags(want map[string]string) error {
	for k, v := range want {
		if got, ok := s.Tag(k); !ok || got != v {
			return fmt.Errorf("%s: tag %s is %q (present %v), want %q; its tags %v", s.Metric, k, got, ok, v, s.Tags)
		}
	}
	return nil
}

// JavaOptionsAt is JavaOptions for a JVM that sees the trust store at path: in a pod, where
// it is mounted from a Secret.
func JavaOptionsAt(path string) string {
	return fmt.Sprintf("-Djavax.net.ssl.trustStore=%s -Djavax.net.ssl.trustStoreType=JKS -Djavax.net.ssl.trustStorePassword=%s",
		path, TrustStorePassword)
}
