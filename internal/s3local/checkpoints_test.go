package s3local

import (
	"reflect"
	"testing"
)

func TestReadCheckpointLayout(t *testing.T) {
	const job = "cab0ef30c4996bc03ae3467628b3698a"
	keys := []string{
		"default/quickstart/checkpoints/" + job + "/chk-2/_metadata",
		"default/quickstart/checkpoints/" + job + "/chk-1/_metadata",
		"default/quickstart/dCJW/checkpoints/" + job + "/chk-2/0f1e",
		"default/quickstart/eqZp/checkpoints/" + job + "/chk-2/9a8b",
		"default/quickstart/eqZp/checkpoints/" + job + "/shared/77aa",
		"default/quickstart/savepoints/savepoint-cab0ef-de067281aa17/_metadata", // not a checkpoint
		"default/quickstart/ha/quickstart/completedCheckpoint1102f0dc712f",      // HA data
		"default/quickstart/_entropy_/checkpoints/" + job + "/chk-3/x",          // marker not replaced
		"default/quickstart/abcde/checkpoints/" + job + "/chk-3/x",              // 5 characters
		"default/other/checkpoints/" + job + "/chk-1/_metadata",                 // another app
	}
	got := ReadCheckpointLayout(keys, "default/quickstart", 4)
	want := CheckpointLayout{
		Metadata: []string{
			"default/quickstart/checkpoints/" + job + "/chk-1/_metadata",
			"default/quickstart/checkpoints/" + job + "/chk-2/_metadata",
		},
		EntropyPrefixes: []string{"dCJW", "eqZp"},
		DataFiles:       3,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("layout %+v\nwant %+v", got, want)
	}
	if l := ReadCheckpointLayout([]string{"checkpoints/" + job + "/chk-1/_metadata", "Ab12/checkpoints/" + job + "/chk-1/f"}, "", 4); len(l.Metadata) != 1 || len(l.EntropyPrefixes) != 1 {
		t.Errorf("at the bucket root: %+v", l)
	}
}
