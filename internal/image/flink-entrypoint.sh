#!/usr/bin/env bash
# weir's Flink image entrypoint, installed as /docker-entrypoint.sh. It accepts the official
# flink image's commands (jobmanager, taskmanager, standalone-job, history-server,
# sql-gateway, help) and otherwise runs its arguments as given, which is how Flink's native
# Kubernetes mode starts pods (bash -c "kubernetes-jobmanager.sh …").
#
# Environment, as in the official image:
#   ENABLE_BUILT_IN_PLUGINS  ';'-separated jar names from opt/ to enable as plugins
#   FLINK_PROPERTIES         newline-separated "key: value" lines merged into the configuration
#   JOB_MANAGER_RPC_ADDRESS  sets jobmanager.rpc.address (only when given)
#   TASK_MANAGER_NUMBER_OF_TASK_SLOTS
#   DISABLE_JEMALLOC=true    do not preload jemalloc (when the image has it)
set -euo pipefail

FLINK_HOME="${FLINK_HOME:-/opt/flink}"
FLINK_UID="${FLINK_UID:-9999}"

log() { echo "weir-entrypoint: $*" >&2; }

# Drop root to the flink user, as the official image does; other users run as they are.
run_as_flink() {
  if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid="$FLINK_UID" --regid="$FLINK_UID" --clear-groups env HOME="$FLINK_HOME" "$@"
  fi
  exec "$@"
}

enable_plugins() {
  [ -n "${ENABLE_BUILT_IN_PLUGINS:-}" ] || return 0
  local jar name
  for jar in $(echo "$ENABLE_BUILT_IN_PLUGINS" | tr ';' ' '); do
    name="${jar%.jar}"
    if [ ! -e "$FLINK_HOME/opt/$jar" ]; then
      log "ENABLE_BUILT_IN_PLUGINS names $jar, which is not in $FLINK_HOME/opt; available: $(cd "$FLINK_HOME/opt" && echo *.jar)"
      exit 1
    fi
    if ! mkdir -p "$FLINK_HOME/plugins/$name" 2>/dev/null; then
      log "cannot create $FLINK_HOME/plugins/$name (read-only or wrong user)"
      exit 1
    fi
    ln -fs "$FLINK_HOME/opt/$jar" "$FLINK_HOME/plugins/$name/$jar"
    log "enabled plugin $jar"
  done
}

# conf_has KEY: whether the configuration files or FLINK_PROPERTIES set KEY in flat form.
conf_has() {
  local f re
  re="^[[:space:]]*$(echo "$1" | sed 's/\./\\./g')[[:space:]]*:"
  for f in "$CONF_DIR/config.yaml" "$CONF_DIR/flink-conf.yaml"; do
    [ -f "$f" ] && grep -Eq "$re" "$f" && return 0
  done
  [ -n "${FLINK_PROPERTIES:-}" ] && grep -Eq "$re" <<< "$FLINK_PROPERTIES"
}

# Collects -Dkey=value updates and applies them with the distribution's own config tool, which
# understands both config.yaml (1.19+, 2.x) and the legacy flink-conf.yaml. A read-only conf
# (a mounted ConfigMap) is copied to a writable directory first.
prepare_configuration() {
  local command="$1" updates=() line key value
  CONF_DIR="${FLINK_CONF_DIR:-$FLINK_HOME/conf}"
  if [ -n "${JOB_MANAGER_RPC_ADDRESS:-}" ]; then
    updates+=("-Djobmanager.rpc.address=$JOB_MANAGER_RPC_ADDRESS")
  fi
  case "$command" in
    jobmanager|taskmanager|standalone-job)
      # The official image fixes these so Services can expose them.
      conf_has blob.server.port || updates+=("-Dblob.server.port=6124")
      conf_has query.server.port || updates+=("-Dquery.server.port=6125")
      ;;
  esac
  if [ -n "${TASK_MANAGER_NUMBER_OF_TASK_SLOTS:-}" ]; then
    updates+=("-Dtaskmanager.numberOfTaskSlots=$TASK_MANAGER_NUMBER_OF_TASK_SLOTS")
  fi
  if [ -n "${FLINK_PROPERTIES:-}" ]; then
    while IFS= read -r line; do
      line="${line#"${line%%[![:space:]]*}"}"
      [ -z "$line" ] && continue
      case "$line" in \#*) continue ;; esac
      key="${line%%:*}"
      value="${line#*:}"
      key="${key%"${key##*[![:space:]]}"}"
      value="${value#"${value%%[![:space:]]*}"}"
      value="${value%"${value##*[![:space:]]}"}"
      if [ "$key" = "$line" ] || [ -z "$key" ]; then
        log "ignoring FLINK_PROPERTIES line without 'key: value': $line"
        continue
      fi
      updates+=("-D$key=$value")
    done <<< "$FLINK_PROPERTIES"
  fi
  [ "${#updates[@]}" -gt 0 ] || return 0
  if [ ! -w "$CONF_DIR" ]; then
    local writable="${WEIR_WRITABLE_CONF_DIR:-/tmp/flink-conf}"
    mkdir -p "$writable"
    cp -rL "$CONF_DIR/." "$writable/"
    chmod -R u+w "$writable"
    CONF_DIR="$writable"
    export FLINK_CONF_DIR="$writable"
    log "configuration copied to $writable (the original is read-only)"
  fi
  "$FLINK_HOME/bin/config-parser-utils.sh" "$CONF_DIR" "$FLINK_HOME/bin" "$FLINK_HOME/lib" "${updates[@]}" >/dev/null
  # Let the flink user read a configuration root wrote.
  chmod -R a+rX "$CONF_DIR" 2>/dev/null || true
}

maybe_jemalloc() {
  [ "${DISABLE_JEMALLOC:-false}" = true ] && return 0
  local lib="/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2"
  if [ -f "$lib" ]; then
    export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}$lib"
  fi
}

usage() {
  cat <<USAGE
Usage: /docker-entrypoint.sh (jobmanager|taskmanager|standalone-job|history-server|sql-gateway) [args...]
   or: /docker-entrypoint.sh COMMAND [args...]   runs COMMAND (native Kubernetes mode)
   or: /docker-entrypoint.sh help
USAGE
}

main() {
  local command="${1:-help}"
  [ $# -gt 0 ] && shift
  case "$command" in
    help|--help|-h) usage; exit 0 ;;
  esac
  maybe_jemalloc
  enable_plugins
  prepare_configuration "$command"
  case "$command" in
    jobmanager)     run_as_flink "$FLINK_HOME/bin/jobmanager.sh" start-foreground "$@" ;;
    taskmanager)    run_as_flink "$FLINK_HOME/bin/taskmanager.sh" start-foreground "$@" ;;
    standalone-job) run_as_flink "$FLINK_HOME/bin/standalone-job.sh" start-foreground "$@" ;;
    history-server) run_as_flink "$FLINK_HOME/bin/historyserver.sh" start-foreground "$@" ;;
    sql-gateway)    run_as_flink "$FLINK_HOME/bin/sql-gateway.sh" start-foreground "$@" ;;
    *)              run_as_flink "$command" "$@" ;;
  esac
}

main "$@"
