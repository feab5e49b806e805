#!/usr/bin/env bash
# Starts a local Artemis cluster in the background: N nodes (default 3) on 127.0.0.1, ports
# 8081, 8082, ..., each listing every node as a gossip seed. Builds once first.
#
# Usage: cluster/start.sh [--no-build] [--dry-run] [N] [-- artemis server flags...]
#   --no-build   use the existing dist/ instead of running `npm run build`
#   --dry-run    print the node commands and exit; nothing is built or started
#   -- ...       extra flags for every node, e.g. -- --log-level debug --set registry.lease.ttlMs=30000
#
# Management state is shared and highly available: unless ARTEMIS_STORE_URL names a store,
# start.sh starts a Redis primary on CLUSTER_REDIS_PORT (6380) and two replicas on the next two
# ports, append-only with fsync always (data in CLUSTER_DATA_DIR/redis), watched by three
# sentinels on CLUSTER_SENTINEL_PORT (26380) and the two ports after it, or uses the sentinels
# already answering there; every node goes through the sentinels (redis+sentinel://…/artemis/0)
# and acknowledges a management write once a replica has it (store.minReplicas 1).
# CLUSTER_STORE=redis starts one redis-server on CLUSTER_REDIS_PORT instead (no failover);
# CLUSTER_STORE=node-local gives each node its own SQLite store (store.nodeLocal: a pull-out
# then reaches only the node it was made on).
#
# Environment: CLUSTER_HOST (127.0.0.1), CLUSTER_BASE_PORT (8081), CLUSTER_RUN_DIR (cluster/run:
# pid files and logs), CLUSTER_DATA_DIR (cluster/data: one directory per node),
# CLUSTER_WAIT_SECONDS (30: how long to wait for every node's /health), CLUSTER_REDIS_PORT
# (6380), CLUSTER_SENTINEL_PORT (26380), CLUSTER_STORE (sentinel, redis or node-local).
# ARTEMIS_* variables reach every node as configuration, e.g. ARTEMIS_STORE_URL.
# The nodes sign their peer calls with the cluster key in $CLUSTER_DATA_DIR/cluster.key, made
# (random, mode 0600) on the first start; ARTEMIS_CLUSTER_KEY or ARTEMIS_CLUSTER_KEY_FILE
# given in the environment is used instead.
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
redis_port=${CLUSTER_REDIS_PORT:-6380}
sentinel_port=${CLUSTER_SENTINEL_PORT:-26380}
sentinel_ports=("$sentinel_port" "$((sentinel_port + 1))" "$((sentinel_port + 2))")
store_mode=${CLUSTER_STORE:-sentinel}
main=dist/src/cli/main.js

if ((nodes < 1 || base_port < 1 || base_port + nodes - 1 > 65535)); then
  echo "start.sh: need at least one node and ports within 1-65535" >&2
  exit 2
fi

url_of() { echo "http://$host:$((base_port + $1 - 1))"; }

# shellcheck source=cluster/store.sh
source "$here/store.sh"

# Which management store the nodes share (flags of every node), and which one start.sh runs.
store_args=()
start_store=
given_store=false
for arg in ${extra[@]+"${extra[@]}"}; do [[ $arg == --store || $arg == --store=* ]] && given_store=true; done
if [[ -n ${ARTEMIS_STORE_URL:-} ]] || $given_store; then
  : # every node reads the store from the environment or from the extra flags
elif [[ $store_mode == node-local ]]; then
  store_args=(--set store.nodeLocal=true)
elif [[ $store_mode == sentinel ]]; then
  sentinels=$(printf "$host:%s," "${sentinel_ports[@]}")
  store_args=(--store "redis+sentinel://${sentinels%,}/$STORE_MASTER_NAME/0" --set store.minReplicas=1)
  start_store=sentinel
elif [[ $store_mode == redis ]]; then
  store_args=(--store "redis://$host:$redis_port/0")
  start_store=single
else
  echo "start.sh: CLUSTER_STORE must be sentinel, redis or node-local, not $store_mode" >&2
  exit 2
fi
# The key file every node reads, unless the environment names a key.
key_file=
if [[ -z ${ARTEMIS_CLUSTER_KEY:-} && -z ${ARTEMIS_CLUSTER_KEY_FILE:-} ]]; then key_file=$data_root/cluster.key; fi

seeds=$(url_of 1)
for ((i = 2; i <= nodes; i++)); do seeds+=",$(url_of "$i")"; done

# The command line of node $1, one argument per line.
node_args() {
  local port=$((base_port + $1 - 1))
  printf '%s\n' server --host "$host" --port "$port" --node-id "node-$1" \
    --advertise-url "$(url_of "$1")" --seeds "$seeds" --data-dir "$data_root/node-$1" \
    ${store_args[@]+"${store_args[@]}"} ${key_file:+--cluster-key-file "$key_file"} ${extra[@]+"${extra[@]}"}
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

if [[ -n $start_store ]]; then
  if ! command -v redis-server >/dev/null; then
    echo "start.sh: the nodes share a Redis management store, but redis-server is not installed." >&2
    echo "  Install it (apt-get install redis-server), name a store (ARTEMIS_STORE_URL=redis://host:6379/0)," >&2
    echo "  or give every node a store of its own (CLUSTER_STORE=node-local)." >&2
    exit 1
  fi
  if [[ $start_store == sentinel ]]; then started=start_sentinel_store; else started=start_single_store; fi
  if ! $started; then
    CLUSTER_RUN_DIR=$run_dir CLUSTER_DATA_DIR=$data_root cluster/stop.sh >&2 || true
    exit 1
  fi
fi

if [[ -n $key_file && ! -s $key_file ]]; then
  mkdir -p "$data_root"
  (umask 077 && node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("hex") + "\n")' >"$key_file")
  echo "made a cluster key in $key_file"
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
  CLUSTER_RUN_DIR=$run_dir CLUSTER_DATA_DIR=$data_root cluster/stop.sh >&2 || true
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
# The node that created the first admin token (in the shared store) wrote its secret next to its data.
token_file=
for f in "$data_root"/node-*/admin.token; do [[ -s $f ]] && token_file=$f && break; done
if [[ -n $token_file ]]; then
  echo "admin token: $token_file   (management writes need it: artemis … --token \"\$(cat $token_file)\")"
fi
echo "membership:  curl -s $(url_of 1)/api/cluster/nodes.json"
echo "store:       curl -s $(url_of 1)/api/status/store.json"
echo "stop:        cluster/stop.sh"
