#!/usr/bin/env bash
# Starts a local Artemis cluster in the background: N nodes (default 3) on 127.0.0.1, ports
# 8081, 8082, ..., each listing every node as a gossip seed. Builds once first.
#
# Usage: cluster/start.sh [--no-build] [--dry-run] [N] [-- artemis server flags...]
#   --no-build   use the existing dist/ instead of running `npm run build`
#   --dry-run    print the node commands and exit; nothing is built or started
#   -- ...       extra flags for every node, e.g. -- --log-level debug --set registry.lease.ttlMs=30000
#
# Management state is shared: unless ARTEMIS_STORE_URL names a store, start.sh starts a local
# redis-server (append-only, fsync always; data in CLUSTER_DATA_DIR/redis) on CLUSTER_REDIS_PORT
# (6380), or uses the Redis already answering there, and gives it to every node.
# CLUSTER_STORE=node-local gives each node its own SQLite store instead (store.nodeLocal: a
# pull-out then reaches only the node it was made on).
#
# Environment: CLUSTER_HOST (127.0.0.1), CLUSTER_BASE_PORT (8081), CLUSTER_RUN_DIR (cluster/run:
# pid files and logs), CLUSTER_DATA_DIR (cluster/data: one directory per node),
# CLUSTER_WAIT_SECONDS (30: how long to wait for every node's /health), CLUSTER_REDIS_PORT
# (6380), CLUSTER_STORE (redis or node-local). ARTEMIS_* variables reach every node as
# configuration, e.g. ARTEMIS_STORE_URL.
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
store_mode=${CLUSTER_STORE:-redis}
main=dist/src/cli/main.js

if ((nodes < 1 || base_port < 1 || base_port + nodes - 1 > 65535)); then
  echo "start.sh: need at least one node and ports within 1-65535" >&2
  exit 2
fi

url_of() { echo "http://$host:$((base_port + $1 - 1))"; }

# Which management store the nodes share (flags of every node), and whether start.sh runs its Redis.
store_args=()
start_redis=false
given_store=false
for arg in ${extra[@]+"${extra[@]}"}; do [[ $arg == --store || $arg == --store=* ]] && given_store=true; done
if [[ -n ${ARTEMIS_STORE_URL:-} ]] || $given_store; then
  : # every node reads the store from the environment or from the extra flags
elif [[ $store_mode == node-local ]]; then
  store_args=(--set store.nodeLocal=true)
elif [[ $store_mode == redis ]]; then
  store_args=(--store "redis://$host:$redis_port/0")
  start_redis=true
else
  echo "start.sh: CLUSTER_STORE must be redis or node-local, not $store_mode" >&2
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

# Whether a Redis answers PING on $host:$redis_port.
redis_answers() {
  if command -v redis-cli >/dev/null; then
    [[ $(redis-cli -h "$host" -p "$redis_port" ping 2>/dev/null) == PONG ]]
  else
    node -e '
      const s = require("node:net").connect(Number(process.argv[2]), process.argv[1], () => s.write("PING\r\n"));
      s.setTimeout(1000, () => process.exit(1)).on("error", () => process.exit(1));
      s.on("data", (d) => process.exit(String(d).startsWith("+PONG") ? 0 : 1));
    ' "$host" "$redis_port"
  fi
}

if $start_redis; then
  if redis_answers; then
    echo "management store: the Redis already answering on $host:$redis_port"
  elif ! command -v redis-server >/dev/null; then
    echo "start.sh: the nodes share a Redis management store, but redis-server is not installed." >&2
    echo "  Install it (apt-get install redis-server), name a store (ARTEMIS_STORE_URL=redis://host:6379/0)," >&2
    echo "  or give every node a store of its own (CLUSTER_STORE=node-local)." >&2
    exit 1
  else
    mkdir -p "$data_root/redis"
    redis_dir=$(cd "$data_root/redis" && pwd)
    abs_run=$(cd "$run_dir" && pwd)
    redis-server --port "$redis_port" --bind "$host" --dir "$redis_dir" --appendonly yes --appendfsync always --save '' \
      --daemonize yes --pidfile "$abs_run/redis.pid" --logfile "$abs_run/redis.log"
    for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
    if ! redis_answers; then
      echo "start.sh: redis-server did not answer on $host:$redis_port; see $run_dir/redis.log" >&2
      exit 1
    fi
    echo "management store: redis-server on $host:$redis_port (pid $(<"$abs_run/redis.pid"), data in $data_root/redis)"
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
