package validation

import (
	"strings"

	"weir.dev/weir/internal/flinkconf"
)

// KeyEntropy is the S3 filesystems' entropy marker option: the marker, written in the
// checkpoint directory, is replaced by random characters in each checkpoint data file's key
// so that uploads spread over S3's partitions.
const KeyEntropy = "s3.entropy.key"

// checkEntropy checks where the entropy marker appears. Set but absent from the checkpoint
// directory, it injects nothing: the user believes the load is spread when it is not.
// Present in the savepoint directory, it is an error too, not a warning: Flink injects
// entropy into a savepoint's data files as well, which then lie outside the savepoint's
// directory under absolute paths, so the savepoint can no longer be moved, copied or
// disposed of as one directory. Savepoints must stay relocatable.
func checkEntropy(p *problems, c flinkconf.Conf) {
	marker := strings.TrimSpace(c[KeyEntropy])
	if marker == "" {
		return
	}
	if dir, ok := c.Lookup(flinkconf.CheckpointDir); ok && strings.TrimSpace(dir) != "" && !strings.Contains(dir, marker) {
		p.add("%s is %q but the checkpoint directory (execution.checkpointing.dir or state.checkpoints.dir) %q does not contain it, so no entropy is injected: put the marker in the path, e.g. s3p://bucket/%s/checkpoints",
			KeyEntropy, marker, dir, marker)
	}
	if dir, ok := c.Lookup(flinkconf.SavepointDir); ok && strings.Contains(dir, marker) {
		p.add("the savepoint directory (execution.checkpointing.savepoint-dir or state.savepoints.dir) %q contains the entropy marker %q: savepoints must stay relocatable, and with entropy their data files would be scattered outside the savepoint's directory; use a path without the marker, e.g. s3p://bucket/savepoints",
			dir, marker)
	}
}
