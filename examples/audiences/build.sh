#!/usr/bin/env bash
# Builds target/audiences.jar (the fat job jar) and target/classpath.txt (Flink and test
# dependencies for local runs). Maven is skipped when pom.xml and src/ hash to the last build.
# Env: AUDIENCES_SKIP_TESTS=1 skips the JUnit tests.
set -euo pipefail
cd "$(dirname "$0")"
start=$(date +%s)

# One build at a time: .ci/run builds the jar in the background while the suites before the
# e2e run, and the e2e's make target may ask for it again.
mkdir -p target
exec 9>target/.build.lock
flock 9

hash=$({ cat pom.xml; find src testdata -type f | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done; } | sha256sum | cut -c1-16)
stamp=target/.source-hash
if [[ -f target/audiences.jar && -f target/classpath.txt && "$(cat "$stamp" 2>/dev/null)" == "$hash" ]]; then
  echo "audiences: target/audiences.jar is up to date (sources $hash)"
  exit 0
fi

echo "audiences: building target/audiences.jar with Maven (sources $hash)..."
skip=()
[[ "${AUDIENCES_SKIP_TESTS:-}" == 1 ]] && skip=(-DskipTests)
mvn -B -q "${skip[@]}" package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
echo "$hash" > "$stamp"
echo "audiences: built target/audiences.jar in $(( $(date +%s) - start ))s"
