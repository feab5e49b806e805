# The management store of a local cluster, sourced by start.sh and stop.sh (not run by itself).
#
# CLUSTER_STORE=sentinel (the default): a primary on CLUSTER_REDIS_PORT (6380) and two replicas
# on the next two ports, append-only with fsync always, watched by three sentinels on
# CLUSTER_SENTINEL_PORT (26380) and the two ports after it, quorum 2, under the name `artemis`.
# The nodes reach it through the sentinels and acknowledge a management write only once a
# replica has it (store.minReplicas 1), so killing the primary loses no acknowledged write, and
# the promoted replica still has one replica to take writes with. stop.sh notes which server is
# the primary when it stops (after a failover, a former replica), and start.sh starts that one
# as primary again, so no write made after a failover is overwritten by older data.
# CLUSTER_STORE=redis: one redis-server on CLUSTER_REDIS_PORT, a single point of failure.
#
# Expects: host, data_root and run_dir; starting also redis_port and sentinel_ports (the three ports).

STORE_MASTER_NAME=artemis

# The reply of one command to the Redis (or sentinel) on $host:$1, one value per line.
redis_cmd() {
  local port=$1
  shift
  if command -v redis-cli >/dev/null; then
    redis-cli -h "$host" -p "$port" "$@" 2>/dev/null
    return
  fi
  node -e '
    const [host, port, ...args] = process.argv.slice(1);
    const s = require("node:net").connect(Number(port), host, () => s.write(`*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")));
    let buf = "";
    const parse = (at) => {
      const end = buf.indexOf("\r\n", at);
      if (end < 0) return null;
      const head = buf[at], rest = buf.slice(at + 1, end);
      if ("+-:".includes(head)) return { out: [rest], next: end + 2 };
      const n = Number(rest);
      if (head === "$") return n < 0 ? { out: [], next: end + 2 } : buf.length < end + 2 + n + 2 ? null : { out: [buf.slice(end + 2, end + 2 + n)], next: end + 4 + n };
      let next = end + 2, out = [];
      for (let i = 0; i < n; i++) { const r = parse(next); if (r === null) return null; out = out.concat(r.out); next = r.next; }
      return { out, next };
    };
    s.setTimeout(2000, () => process.exit(1)).on("error", () => process.exit(1));
    s.on("data", (d) => { buf += d; const r = parse(0); if (r !== null) { console.log(r.out.join("\n")); process.exit(0); } });
  ' "$host" "$port" "$@"
}

# Whether a Redis or sentinel answers PING on $host:$1.
redis_answers() {
  [[ $(redis_cmd "$1" ping) == PONG ]]
}

# Waits up to $1 tenths of a second for the command "${@:2}" to succeed.
wait_for() {
  local tenths=$1
  shift
  for _ in $(seq 1 "$tenths"); do "$@" && return 0; sleep 0.1; done
  "$@"
}

# redis-server on port $1, daemonized, data in $store_dir/$1; further arguments are its flags.
start_redis_server() {
  local port=$1
  shift
  mkdir -p "$store_dir/$port"
  redis-server --port "$port" --bind "$host" --dir "$store_dir/$port" --appendonly yes --appendfsync always --save '' \
    --daemonize yes --pidfile "$abs_run/redis-$port.pid" --logfile "$abs_run/redis-$port.log" "$@"
  if ! wait_for 50 redis_answers "$port"; then
    echo "start.sh: redis-server did not answer on $host:$port; see $run_dir/redis-$port.log" >&2
    return 1
  fi
}

replica_in_sync() {
  [[ $(redis_cmd "$1" info replication) == *master_link_status:up* ]]
}

sentinels_ready() {
  local port
  for port in "${sentinel_ports[@]}"; do
    [[ $(redis_cmd "$port" sentinel ckquorum "$STORE_MASTER_NAME") == OK* ]] || return 1
    [[ $(redis_cmd "$port" sentinel replicas "$STORE_MASTER_NAME" | grep -c '^slave$') -ge 2 ]] || return 1
  done
}

# Starts the sentinel-watched pair (or uses the sentinels already answering); prints what it did.
start_sentinel_store() {
  store_dir=$(mkdir -p "$data_root/redis" && cd "$data_root/redis" && pwd)
  abs_run=$(cd "$run_dir" && pwd)
  if redis_answers "${sentinel_ports[0]}"; then
    echo "management store: the sentinels already answering on $host:${sentinel_ports[0]}"
    return
  fi
  local primary=$redis_port port i
  local servers=("$redis_port" "$((redis_port + 1))" "$((redis_port + 2))")
  # after a failover, a former replica holds the newest writes: it starts as primary
  if [[ -s $store_dir/primary-port ]]; then
    for port in "${servers[@]}"; do [[ $(<"$store_dir/primary-port") == "$port" ]] && primary=$port; done
  fi
  local replicas=()
  for port in "${servers[@]}"; do [[ $port == "$primary" ]] || replicas+=("$port"); done
  for port in "${servers[@]}"; do
    if redis_answers "$port"; then
      echo "start.sh: a Redis already answers on $host:$port but no sentinel on $host:${sentinel_ports[0]};" >&2
      echo "  stop it, move the ports (CLUSTER_REDIS_PORT, CLUSTER_SENTINEL_PORT), or use one Redis alone (CLUSTER_STORE=redis)." >&2
      return 1
    fi
  done
  start_redis_server "$primary"
  for port in "${replicas[@]}"; do start_redis_server "$port" --replicaof "$host" "$primary"; done
  for port in "${replicas[@]}"; do
    if ! wait_for 100 replica_in_sync "$port"; then
      echo "start.sh: the replica on $host:$port did not sync with $host:$primary; see $run_dir/redis-$port.log" >&2
      return 1
    fi
  done
  echo "$primary" >"$store_dir/primary-port"
  for i in 0 1 2; do
    port=${sentinel_ports[i]}
    # written afresh on every start: the sentinels follow the primary chosen above
    cat >"$store_dir/sentinel-$port.conf" <<EOF
port $port
bind $host
dir $store_dir
daemonize yes
pidfile $abs_run/sentinel-$port.pid
logfile $abs_run/sentinel-$port.log
sentinel monitor $STORE_MASTER_NAME $host $primary 2
sentinel down-after-milliseconds $STORE_MASTER_NAME 5000
sentinel failover-timeout $STORE_MASTER_NAME 10000
sentinel parallel-syncs $STORE_MASTER_NAME 1
EOF
    redis-server "$store_dir/sentinel-$port.conf" --sentinel
  done
  if ! wait_for 300 sentinels_ready; then
    echo "start.sh: the sentinels on $host:${sentinel_ports[*]} did not reach their quorum; see $run_dir/sentinel-*.log" >&2
    return 1
  fi
  echo "management store: Redis primary $host:$primary, replicas ${replicas[*]}, sentinels ${sentinel_ports[*]} (data in $data_root/redis)"
}

# The single redis-server of CLUSTER_STORE=redis (or the one answering there already).
start_single_store() {
  if redis_answers "$redis_port"; then
    echo "management store: the Redis already answering on $host:$redis_port"
    return
  fi
  store_dir=$(mkdir -p "$data_root/redis" && cd "$data_root/redis" && pwd)
  abs_run=$(cd "$run_dir" && pwd)
  start_redis_server "$redis_port"
  echo "management store: redis-server on $host:$redis_port (data in $data_root/redis/$redis_port)"
}

# Whether pid $1 is a redis-server (or sentinel) process.
is_redis() {
  [[ $(ps -o args= -p "$1" 2>/dev/null) == redis-server* ]]
}

# Stops the Redis processes whose pid files are in $run_dir: the sentinels first (noting the
# primary they name), so that stopping the servers does not start a failover.
stop_store() {
  local pid_file port primary
  for pid_file in "$run_dir"/sentinel-*.pid; do
    [[ -e $pid_file ]] || continue
    port=${pid_file##*/sentinel-}
    port=${port%.pid}
    if [[ -z ${primary:-} ]]; then
      primary=$(redis_cmd "$port" sentinel get-master-addr-by-name "$STORE_MASTER_NAME" | sed -n 2p || true)
      if [[ $primary =~ ^[0-9]+$ && -d $data_root/redis ]]; then echo "$primary" >"$data_root/redis/primary-port"; fi
    fi
    stop_pid_file "$pid_file" sentinel
  done
  for pid_file in "$run_dir"/redis-*.pid "$run_dir"/redis.pid; do
    [[ -e $pid_file ]] || continue
    stop_pid_file "$pid_file" redis-server
  done
}

stop_pid_file() {
  local pid
  pid=$(<"$1")
  if [[ $pid =~ ^[0-9]+$ ]] && is_redis "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped $2 $(basename "$1" .pid) (pid $pid)"
  fi
  rm -f "$1"
}
