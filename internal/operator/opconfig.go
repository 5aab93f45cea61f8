package operator

import (
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
	"weir.dev/weir/internal/controller"
	"weir.dev/weir/internal/opconfig"
)

// withOperatorConfig loads the operator config of o.ConfigDir (unless the caller gave a
// store) and takes the settings read only at start from it: watched namespaces (unless
// the flag set them) and the label selector of the resources.
func (o *Options) withOperatorConfig() (labels.Selector, error) {
	if o.Config == nil {
		s, err := opconfig.NewStore(o.ConfigDir)
		if err != nil {
			return nil, fmt.Errorf("while loading the operator config from %s: %w", o.ConfigDir, err)
		}
		o.Config = s
	}
	set, _ := controller.SettingsOf(o.Config.Current())
	if len(o.Namespaces) == 0 {
		o.Namespaces = set.WatchedNamespaces
	}
	if set.LabelSelector == "" {
		return nil, nil
	}
	sel, err := labels.Parse(set.LabelSelector)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", opconfig.LabelSelector, err)
	}
	return sel, nil
}

// selectResources makes the cache hold only the Flink resources that match sel; the
// objects weir owns are found through their owner, whatever their labels.
func selectResources(c *cache.Options, sel labels.Selector) {
	if sel == nil {
		return
	}
	if c.ByObject == nil {
		c.ByObject = map[client.Object]cache.ByObject{}
	}
	for _, o := range []client.Object{&v1beta1.FlinkDeployment{}, &v1beta1.FlinkSessionJob{}, &v1beta1.FlinkStateSnapshot{}} {
		c.ByObject[o] = cache.ByObject{Label: sel}
	}
}

// startConfigReloads logs the config in force and reloads it when its files change.
func startConfigReloads(mgr ctrl.Manager, store *opconfig.Store) error {
	controller.LogConfig(ctrl.Log.WithName("operator-config"), store.Current())
	return controller.AddConfigReloader(mgr, store)
}
