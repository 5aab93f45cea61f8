package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"

	"weir.dev/weir/api/v1beta1"
)

// SnapshotRow is one FlinkStateSnapshot in `weir app snapshots list`.
type SnapshotRow struct {
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	Type      string     `json:"type"` // SAVEPOINT or CHECKPOINT
	App       string     `json:"app,omitempty"`
	State     string     `json:"state,omitempty"`
	Path      string     `json:"path,omitempty"`
	Created   time.Time  `json:"created"`
	Error     string     `json:"error,omitempty"`
	Dispose   bool       `json:"disposeOnDelete"`
	Result    *time.Time `json:"result,omitempty"`
}

// ListSnapshots reads the FlinkStateSnapshots of ns, only those of app when it is set,
// oldest first.
func (c *Clients) ListSnapshots(ctx context.Context, ns, app string) ([]SnapshotRow, error) {
	var l v1beta1.FlinkStateSnapshotList
	if err := c.Ctrl.List(ctx, &l, ctrlclient.InNamespace(ns)); err != nil {
		return nil, fmt.Errorf("list FlinkStateSnapshots in %s: %w (are the CRDs installed? `weir operator install` installs them)", ns, err)
	}
	var out []SnapshotRow
	for _, s := range l.Items {
		r := snapshotRow(s)
		if app == "" || r.App == app {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

func snapshotRow(s v1beta1.FlinkStateSnapshot) SnapshotRow {
	r := SnapshotRow{Namespace: s.Namespace, Name: s.Name, Type: "CHECKPOINT", State: string(s.Status.State), Path: s.Status.Path,
		Created: s.CreationTimestamp.UTC(), Error: s.Status.Error}
	if sp := s.Spec.Savepoint; sp != nil {
		r.Type = "SAVEPOINT"
		r.Dispose = sp.DisposeOnDelete == nil || *sp.DisposeOnDelete
		if r.Path == "" && sp.AlreadyExists {
			r.Path = sp.Path
		}
	}
	if ref := s.Spec.JobReference; ref != nil {
		r.App = ref.Name
	}
	if t, err := time.Parse(time.RFC3339, s.Status.ResultTimestamp); err == nil {
		t = t.UTC()
		r.Result = &t
	}
	return r
}

// WriteSnapshots prints snapshots as a table fitted to TableWidth; each path goes whole on
// a line of its own, to be copied.
func WriteSnapshots(w io.Writer, rows []SnapshotRow, now time.Time) error {
	cells := [][]string{{"NAME", "TYPE", "APP", "STATE", "AGE"}}
	for _, r := range rows {
		cells = append(cells, []string{r.Name, r.Type, dash(r.App), dash(r.State), Age(now.Sub(r.Created))})
	}
	lines, err := fitTable(cells, []int{28, 10, 18, 11, 4})
	if err != nil {
		return err
	}
	var b strings.Builder
	for i, line := range lines {
		b.WriteString(line + "\n")
		if i == 0 {
			continue
		}
		if r := rows[i-1]; r.Path != "" {
			b.WriteString("  path: " + r.Path + "\n")
		}
		if r := rows[i-1]; r.Error != "" {
			b.WriteString(truncate("  error: "+firstLine(r.Error, 500), TableWidth) + "\n")
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// SnapshotOptions say what CreateSnapshot asks for.
type SnapshotOptions struct {
	Checkpoint bool   // a checkpoint instead of a savepoint
	Path       string // the savepoint's target directory; the job's default when empty
	// Keep leaves the savepoint's files in place when the FlinkStateSnapshot is deleted.
	Keep bool
}

// CreateSnapshot creates a FlinkStateSnapshot of app: the operator triggers it and records
// its path in the snapshot's status.
func (c *Clients) CreateSnapshot(ctx context.Context, key types.NamespacedName, o SnapshotOptions) (*v1beta1.FlinkStateSnapshot, error) {
	a, err := c.Find(ctx, key)
	if err != nil {
		return nil, err
	}
	if err := needsJob(a, "a snapshot"); err != nil {
		return nil, err
	}
	s := &v1beta1.FlinkStateSnapshot{
		ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, GenerateName: key.Name + "-"},
		Spec:       v1beta1.FlinkStateSnapshotSpec{JobReference: &v1beta1.JobReference{Kind: v1beta1.JobKind(a.Kind), Name: key.Name}},
	}
	if o.Checkpoint {
		if o.Path != "" || o.Keep {
			return nil, fmt.Errorf("--path and --keep are for savepoints: a checkpoint goes to the job's checkpoint directory")
		}
		s.Spec.Checkpoint = &v1beta1.CheckpointSpec{}
	} else {
		dispose := !o.Keep
		s.Spec.Savepoint = &v1beta1.SavepointSpec{Path: o.Path, DisposeOnDelete: &dispose}
	}
	if err := c.Ctrl.Create(ctx, s, ctrlclient.FieldOwner(fieldOwner)); err != nil {
		return nil, fmt.Errorf("create a FlinkStateSnapshot of %s: %w", a, err)
	}
	return s, nil
}

// DisposeSnapshot deletes a FlinkStateSnapshot; the operator disposes of its savepoint
// first when disposeOnDelete is set. It returns the snapshot as it was.
func (c *Clients) DisposeSnapshot(ctx context.Context, key types.NamespacedName) (SnapshotRow, error) {
	s := &v1beta1.FlinkStateSnapshot{}
	if err := c.Ctrl.Get(ctx, key, s); err != nil {
		if apierrors.IsNotFound(err) {
			return SnapshotRow{}, fmt.Errorf("no FlinkStateSnapshot %s in namespace %s: `weir app snapshots list -n %s` lists them", key.Name, key.Namespace, key.Namespace)
		}
		return SnapshotRow{}, fmt.Errorf("FlinkStateSnapshot %s/%s: %w", key.Namespace, key.Name, err)
	}
	if err := c.Ctrl.Delete(ctx, s); err != nil && !apierrors.IsNotFound(err) {
		return SnapshotRow{}, fmt.Errorf("delete FlinkStateSnapshot %s/%s: %w", key.Namespace, key.Name, err)
	}
	return snapshotRow(*s), nil
}
