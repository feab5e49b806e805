#!/usr/bin/env bash
# Starts a local Artemis cluster in the background: N nodes (default 3) on 127.0.0.1, ports
# 8081, 8082, ..., each listing every node as a gossip seed. Builds once first.
#
# Usage: cluster/start.sh [--no-build] [--dry-run] [N] [-- artemis server flags...]
#   --no-build   use the existing dist/ instead of running `npm run build`
#   --dry-run    print the node commands and exit; nothing is built or started
#   -- ...       extra flags for every node, e.g. -- --log-level debug --set registry.lease.ttlMs=30000
#
# Environment: CLUSTER_HOST (127.0.0.1), CLUSTER_BASE_PORT (8081), CLUSTER_RUN_DIR (cluster/run:
# pid files and logs), CLUSTER_DATA_DIR (cluster/data: one directory per node),
# CLUSTER_WAIT_SECONDS (30: how long to wait for every node's /health). ARTEMIS_* variables
# reach every node as configuration, e.g. ARTEMIS_CLUSTER_SECRET.
# Stop the cluster with cluster/stop.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here/.."

usage() {
  sed -n '2,/^set -euo/p' "$here/start.sh" | sed -e '$d' -e 's/^# \{0,1\}//'
}

nodes=3
build=true
dry_run=false
extra=()
while (($# > 0)); do
  case $1 in
    --no-build) build=false ;;
    --dry-run) dry_run=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    --)
      shift
      extra=("$@")
      break
      ;;
    '' | *[!0-9]*)
      echo "start.sh: unexpected argument: $1" >&2
      usage >&2
      exit 2
      ;;
    *) nodes=$((10#$1)) ;;
  esac
  shift
done

host=${CLUSTER_HOST:-127.0.0.1}
base_port=${CLUSTER_BASE_PORT:-8081}
run_dir=${CLUSTER_RUN_DIR:-cluster/run}
data_root=${CLUSTER_DATA_DIR:-cluster/data}
wait_seconds=${CLUSTER_WAIT_SECONDS:-30}
main=dist/src/cli/main.js

if ((nodes < 1 || base_port < 1 || base_port + nodes - 1 > 65535)); then
  echo "start.sh: need at least one node and ports within 1-65535" >&2
  exit 2
fi

url_of() { echo "http://$host:$((base_port + $1 - 1))"; }

seeds=$(url_of 1)
for ((i = 2; i <= nodes; i++)); do seeds+=",$(url_of "$i")"; done

# The command line of node $1, one argument per line.
node_args() {
  local port=$((base_port + $1 - 1))
  printf '%s\n' server --host "$host" --port "$port" --node-id "node-$1" \
    --advertise-url "$(url_of "$1")" --seeds "$seeds" --data-dir "$data_root/node-$1" \
    ${extra[@]+"${extra[@]}"}
}

if $dry_run; then
  for ((i = 1; i <= nodes; i++)); do
    args=()
    while IFS= read -r line; do args+=("$line"); done < <(node_args "$i")
    echo "node $main ${args[*]}"
  done
  exit 0
fi

# A pid file names a live node only while that process still runs the Artemis CLI.
is_node() {
  local cmd
  cmd=$(ps -o args= -p "$1" 2>/dev/null) || return 1
  [[ $cmd == *"$main"* ]]
}

mkdir -p "$run_dir"
for pid_file in "$run_dir"/node-*.pid; do
  [[ -e $pid_file ]] || continue
  if is_node "$(<"$pid_file")"; then
    echo "start.sh: a cluster is already running (pid files in $run_dir); stop it with cluster/stop.sh" >&2
    exit 1
  fi
  rm -f "$pid_file"
done

if $build; then
  echo "building..."
  npm run build --silent
fi
if [[ ! -f $main ]]; then
  echo "start.sh: $main not found; run without --no-build" >&2
  exit 1
fi

for ((i = 1; i <= nodes; i++)); do
  mkdir -p "$data_root/node-$i"
  args=()
  while IFS= read -r line; do args+=("$line"); done < <(node_args "$i")
  nohup node "$main" "${args[@]}" >"$run_dir/node-$i.log" 2>&1 </dev/null &
  echo $! >"$run_dir/node-$i.pid"
done

# HTTP status of each URL given, one per line (000 when there is no answer).
statuses() {
  node -e '
    const urls = process.argv.slice(1);
    Promise.all(urls.map((u) => fetch(u, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0)))
      .then((codes) => console.log(codes.map((c) => String(c).padStart(3, "0")).join("\n")));
  ' "$@"
}

# Whether every URL given answers 200.
all_ok() {
  local codes code
  codes=$(statuses "$@") || return 1
  [[ -n $codes ]] || return 1
  for code in $codes; do [[ $code == 200 ]] || return 1; done
}

stop_all() {
  CLUSTER_RUN_DIR=$run_dir cluster/stop.sh >&2 || true
}

health_urls=()
ready_urls=()
for ((i = 1; i <= nodes; i++)); do
  health_urls+=("$(url_of "$i")/health")
  ready_urls+=("$(url_of "$i")/ready")
done

deadline=$((SECONDS + wait_seconds))
while :; do
  for ((i = 1; i <= nodes; i++)); do
    if ! is_node "$(<"$run_dir/node-$i.pid")"; then
      echo "start.sh: node-$i exited; the end of $run_dir/node-$i.log:" >&2
      tail -n 20 "$run_dir/node-$i.log" >&2 || true
      stop_all
      exit 1
    fi
  done
  if all_ok "${health_urls[@]}"; then break; fi
  if ((SECONDS >= deadline)); then
    echo "start.sh: not every node answered /health within ${wait_seconds}s; logs are in $run_dir" >&2
    stop_all
    exit 1
  fi
  sleep 0.5
done

ready=()
while IFS= read -r code; do ready+=("$code"); done < <(statuses "${ready_urls[@]}" || true)

printf '%-8s %-24s %-8s %-7s %s\n' NODE URL PID READY LOG
for ((i = 1; i <= nodes; i++)); do
  state=starting
  [[ ${ready[i - 1]:-} == 200 ]] && state=yes
  printf '%-8s %-24s %-8s %-7s %s\n' "node-$i" "$(url_of "$i")" "$(<"$run_dir/node-$i.pid")" "$state" "$run_dir/node-$i.log"
done
echo
echo "membership:  curl -s $(url_of 1)/api/cluster/nodes.json"
echo "stop:        cluster/stop.sh"
