#!/usr/bin/env bash
# Stops the nodes that cluster/start.sh started: SIGTERM to each (a graceful leave: the node
# announces it to the cluster and flushes replication), then waits for all of them to exit.
# A node still running after CLUSTER_STOP_SECONDS (20) is killed, and the exit code is 1.
# Then stops the Redis that start.sh started, sentinels first (its data stays, unless --clean).
#
# Usage: cluster/stop.sh [--clean]
#   --clean   also delete the nodes' data and the Redis data (CLUSTER_DATA_DIR, cluster/data) and logs
#
# Environment: CLUSTER_RUN_DIR (cluster/run), CLUSTER_DATA_DIR (cluster/data),
# CLUSTER_STOP_SECONDS (20), CLUSTER_HOST (127.0.0.1).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."

clean=false
case ${1:-} in
  '') ;;
  --clean) clean=true ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "$here/stop.sh" | sed -e '$d' -e 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "stop.sh: unexpected argument: $1" >&2
    exit 2
    ;;
esac

run_dir=${CLUSTER_RUN_DIR:-cluster/run}
data_root=${CLUSTER_DATA_DIR:-cluster/data}
stop_seconds=${CLUSTER_STOP_SECONDS:-20}
main=dist/src/cli/main.js

# A pid file names a live node only while that process still runs the Artemis CLI.
is_node() {
  local cmd
  cmd=$(ps -o args= -p "$1" 2>/dev/null) || return 1
  [[ $cmd == *"$main"* ]]
}

pids=()
names=()
for pid_file in "$run_dir"/node-*.pid; do
  [[ -e $pid_file ]] || continue
  pid=$(<"$pid_file")
  name=$(basename "$pid_file" .pid)
  if [[ $pid =~ ^[0-9]+$ ]] && is_node "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
    names+=("$name")
    echo "stopping $name (pid $pid)"
  fi
  rm -f "$pid_file"
done

status=0
deadline=$((SECONDS + stop_seconds))
while ((${#pids[@]} > 0)); do
  left=()
  for pid in "${pids[@]}"; do
    if is_node "$pid"; then left+=("$pid"); fi
  done
  if ((${#left[@]} == 0)); then break; fi
  if ((SECONDS >= deadline)); then
    echo "stop.sh: still running after ${stop_seconds}s, killing pid ${left[*]}" >&2
    kill -KILL "${left[@]}" 2>/dev/null || true
    status=1
    break
  fi
  sleep 0.2
done

if ((${#names[@]} > 0)); then
  echo "stopped: ${names[*]}"
else
  echo "no running node found in $run_dir"
fi

# The management store start.sh ran, after the nodes (they flush to it while they stop).
host=${CLUSTER_HOST:-127.0.0.1}
# shellcheck source=cluster/store.sh
source "$here/store.sh"
stop_store

if $clean; then
  rm -rf "$data_root"/node-* "$data_root"/redis "$run_dir"
  rmdir "$data_root" 2>/dev/null || true
  echo "deleted node data under $data_root and logs in $run_dir"
fi
exit "$status"
