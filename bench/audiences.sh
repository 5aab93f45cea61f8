#!/usr/bin/env bash
# Throughput benchmark of the audiences example job on an in-process Flink 1.20 cluster, with a
# stateless baseline measured in the same JVM. Args are passed to dev.weir.audiences.Bench, e.g.
#   bench/audiences.sh --events 2000000 --users 10000 --parallelism 2
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
job="$root/examples/audiences"
start=$(date +%s)
AUDIENCES_SKIP_TESTS=1 "$job/build.sh"
echo "bench: running (several minutes; each pipeline runs once after a warm-up)..."
cd "$job"
java @local/jvm.options -Xms2g -Xmx2g -cp "target/audiences.jar:$(cat target/classpath.txt)" \
  dev.weir.audiences.Bench "$@"
echo "bench: done in $(( $(date +%s) - start ))s"
