#!/usr/bin/env bash
# Muster's benchmarks, run by `make bench`: each scenario side by side with the peer
# baselines a user would otherwise pick (Node.js `ws`, Socket.IO), in the same run, on
# loopback, every run bounded in count and time. Each result is appended to
# bench/results/<scenario>.jsonl with the commit, the date and the machine; a summary table
# (medians, and the issue's targets) is printed at the end.
#
# Usage: bench/run.sh [BUILD_DIR]        (default build-release; needs musterd, muster-loadgen)
#
# Environment:
#   BENCH_SCALE=full|small  small: tiny sizes, short phases, one repetition: tries the script
#                           end to end in about a minute; its results are printed, not kept
#   BENCH_ONLY="..."        scenarios to run, from: fanout chat idle resume-storm large-group push
#                           durability cross-node
#   BENCH_REPS=3            repetitions of the cases the issue's targets are judged on (Muster
#                           and Node ws interleaved; Socket.IO once)
#   BENCH_DURATION=3        seconds of each publishing phase
#   BENCH_PEERS=1           0: Muster only (no Node.js needed)
#   BENCH_TMP=/tmp          where the servers' data directories go; /dev/shm takes the disk's
#                           fsync out of a diagnostic run (not for recorded results)
#
# The raw floor (bench/floor, muster-bench-floor: epoll and one write() per socket per message,
# nothing else) runs beside Muster whenever it is built: what any server's delivery costs here
# when every message is its own write.
#
# How to read the numbers: bench/README.md (and the shared docs' BENCH.md): the load generator
# shares the machine's cores with the server, so servers are compared by server CPU time per
# delivery at a fixed rate, read from /proc/PID/stat around the measured phase.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build-release}
MUSTERD=$BUILD_DIR/bin/musterd
LOADGEN=$BUILD_DIR/bin/muster-loadgen
FLOOR=$BUILD_DIR/bin/muster-bench-floor  # optional: the raw floor (bench/floor)
SCALE=${BENCH_SCALE:-full}
REPS=${BENCH_REPS:-3}
DURATION=${BENCH_DURATION:-3}
PEERS=${BENCH_PEERS:-1}
ONLY=${BENCH_ONLY:-fanout chat idle resume-storm large-group push durability cross-node}
SECRET=bench-secret-not-for-production
RESULTS=bench/results

for binary in "$MUSTERD" "$LOADGEN"; do
    [[ -x $binary ]] || { echo "bench: $binary not built (make bench builds it)" >&2; exit 1; }
done
if [[ $SCALE == small ]]; then
    REPS=${BENCH_REPS:-1}
    DURATION=${BENCH_DURATION:-1}
fi

# Up to 18k connections in one process, and as many on the load generator's side: this
# machine's hard limit is 20,000 descriptors per process (BENCH.md).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ulimit -n 20000 2>/dev/null || true
if (($(ulimit -n) < 20000)) && [[ $SCALE == full ]]; then
    echo "bench: only $(ulimit -n) file descriptors per process; the idle scenario needs 20000" >&2
fi

WORK=$(mktemp -d "${BENCH_TMP:-/tmp}/muster-bench.XXXXXX")
SERVER_PID=
REDIS_PID=
NODE_PIDS=()
NODE_ADDRS=()
cleanup() {
    stop_server
    stop_nodes
    if [[ -n $REDIS_PID ]]; then kill -TERM "$REDIS_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- what every result is recorded with ---------------------------------------------------
export BENCH_RUN_ID
BENCH_RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)-$$
export BENCH_DATE
BENCH_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
export BENCH_COMMIT
BENCH_COMMIT=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# What was measured differs from the commit when the server, the clients, the benchmarks or
# the fakes they drive were changed (the results files themselves do not count).
if ! git diff --quiet HEAD -- server clients proto bench tests/integration/push/fakes \
    ':!bench/results' 2>/dev/null; then BENCH_COMMIT+="-dirty"; fi
export BENCH_MACHINE
BENCH_MACHINE=$(python3 -c '
import json, os, platform
model = ""
with open("/proc/cpuinfo") as f:
    for line in f:
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip(); break
mem = ""
with open("/proc/meminfo") as f:
    mem = f.readline().split()[1]
print(json.dumps({"nproc": os.cpu_count(), "model": model, "kernel": platform.release(),
                  "mem_kib": int(mem), "hostname": platform.node()}))')
RUN_FILE=$WORK/run.jsonl
# A small-scale try-out is not a benchmark: its results stay out of bench/results.
[[ $SCALE == small ]] && RESULTS=$WORK/results
mkdir -p "$RESULTS"

# The overrides of musterd's defaults, and why (each is also recorded with every result):
MUSTER_OVERRIDES=(
    # Publishers here send thousands of commands per second on one connection; the default
    # (50/s, burst 100) is a guard against abusive clients, not a capacity limit.
    --limits.commands_per_second=1000000
    --limits.command_burst=1000000
    # The idle scenario holds 18,000 connections; the default cap is exactly 18,000, and the
    # bench's own HTTP set-up connections must fit beside them.
    --limits.max_connections=19500
    # Fan-out and idle subscribers share user ids (--conns-per-user) so that presence notices
    # at subscribe (one per user coming online, to every subscriber) do not dominate set-up;
    # the default allows 16 connections per user.
    --limits.max_connections_per_user=1000
)
export BENCH_OVERRIDES=
muster_overrides_json() {
    python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${MUSTER_OVERRIDES[@]}" "$@"
}

# ---- servers ------------------------------------------------------------------------------
SERVER_LOG=
SERVER_ADDR=
wait_listening() {  # PREFIX: waits for the server's "PREFIX host:port" stdout line
    local line
    for _ in $(seq 1 600); do
        if line=$(grep -m1 "$1" "$SERVER_LOG" 2>/dev/null); then
            SERVER_ADDR=${line##* }
            return 0
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "bench: server exited at start:" >&2
            tail -20 "$SERVER_LOG" "$SERVER_LOG.err" >&2 || true
            return 1
        fi
        sleep 0.05
    done
    echo "bench: server did not start listening" >&2
    return 1
}

start_server() {  # muster|floor|ws|socketio [extra musterd options...]
    local kind=$1
    shift
    local dir
    dir=$(mktemp -d "$WORK/$kind.XXXXXX")
    SERVER_LOG=$dir/stdout
    case $kind in
        muster)
            "$MUSTERD" --server.listen=127.0.0.1:0 --server.data_dir="$dir" \
                --auth.jwt_secret="$SECRET" "${MUSTER_OVERRIDES[@]}" "$@" \
                >"$SERVER_LOG" 2>"$SERVER_LOG.err" &
            SERVER_PID=$!
            BENCH_OVERRIDES=$(muster_overrides_json "$@")
            wait_listening "musterd listening on "
            ;;
        floor)
            "$FLOOR" 0 >"$SERVER_LOG" 2>"$SERVER_LOG.err" &
            SERVER_PID=$!
            BENCH_OVERRIDES="[]"
            wait_listening "listening on "
            ;;
        ws | socketio)
            local script=ws-server.js
            [[ $kind == socketio ]] && script=socketio-server.js
            node "bench/peers/$script" 0 >"$SERVER_LOG" 2>"$SERVER_LOG.err" &
            SERVER_PID=$!
            BENCH_OVERRIDES="[]"
            wait_listening "listening on "
            ;;
    esac
}

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

# Nodes of a cluster on the script's redis-server (REDIS_PORT), for the cross-node scenario.
start_node() {  # NAME: appends to NODE_PIDS and NODE_ADDRS
    local name=$1 dir
    dir=$(mktemp -d "$WORK/$name.XXXXXX")
    "$MUSTERD" --server.listen=127.0.0.1:0 --server.data_dir="$dir" --server.node_id="$name" \
        --auth.jwt_secret="$SECRET" --redis.url="redis://127.0.0.1:$REDIS_PORT" \
        "${MUSTER_OVERRIDES[@]}" >"$dir/stdout" 2>"$dir/stdout.err" &
    NODE_PIDS+=($!)
    local line
    for _ in $(seq 1 600); do
        if line=$(grep -m1 "musterd listening on " "$dir/stdout" 2>/dev/null); then
            NODE_ADDRS+=("${line##* }")
            return 0
        fi
        sleep 0.05
    done
    echo "bench: node $name did not start listening" >&2
    tail -20 "$dir/stdout.err" >&2 || true
    return 1
}
stop_nodes() {
    local pid
    for pid in "${NODE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${NODE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    NODE_PIDS=()
    NODE_ADDRS=()
}
# The server's CPU time (ms, utime + stime) and RSS (KiB) now, as "CPU_MS RSS_KIB".
proc_sample() {
    local pid=$1 stat
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || { echo "0 0"; return; }
    stat=${stat##*) }  # fields after the command name: state is field 3
    # shellcheck disable=SC2086
    set -- $stat
    local ticks=$((${12} + ${13}))
    local rss
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    echo "$((ticks * 1000 / CLK_TCK)) ${rss:-0}"
}
CLK_TCK=$(getconf CLK_TCK)

protocol_args() {  # muster|floor|ws|socketio
    case $1 in
        muster) echo "--protocol=muster --encoding=binary --secret=$SECRET" ;;
        ws | floor) echo "--protocol=ws-json" ;;
        socketio) echo "--protocol=socketio" ;;
    esac
}

# run_case SCENARIO CASE SERVER REP [musterd options --] loadgen options...
# Starts a fresh server, runs the load generator against it, records the result, stops it.
run_case() {
    local scenario=$1 case=$2 server=$3 rep=$4
    shift 4
    local server_args=()
    if [[ ${1:-} == --server-options ]]; then
        shift
        while [[ $1 != -- ]]; do server_args+=("$1"); shift; done
        shift
    fi
    start_server "$server" "${server_args[@]}" || { stop_server; return 0; }
    local before after output
    before=$(proc_sample "$SERVER_PID")
    # A server that falls behind gets 5 s to deliver the rest after the publishing phase;
    # what has not arrived by then is reported (and the run marked not ok).
    # shellcheck disable=SC2046
    output=$(timeout 600 "$LOADGEN" --server="$SERVER_ADDR" --server-pid="$SERVER_PID" \
        --label="$case" --drain-timeout=5 --timeout=300 $(protocol_args "$server") "$@" \
        2>>"$WORK/loadgen.stderr") || true
    after=$(proc_sample "$SERVER_PID")
    read -r cpu0 rss0 <<<"$before"
    read -r cpu1 rss1 <<<"$after"
    # shellcheck disable=SC2046
    BENCH_OUTER="{\"server_cpu_ms\":$((cpu1 - cpu0)),\"server_rss_kib_before\":$rss0,\"server_rss_kib_after\":$rss1}" \
        BENCH_ARGS=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \
            $(protocol_args "$server" | sed "s/--secret=.*//") "$@") \
        python3 bench/record.py "$RESULTS" "$RUN_FILE" "$scenario" "$case" "$server" "$rep" <<<"$output"
    stop_server
}

# REP: Muster, the raw floor and ws every repetition (the targets compare them), Socket.IO once.
servers_for() {
    local rep=$1
    echo muster
    [[ -x $FLOOR ]] && echo floor
    if [[ $PEERS == 1 ]]; then
        echo ws
        ((rep == 1)) && echo socketio
    fi
    return 0
}

wants() { [[ " $ONLY " == *" $1 "* ]]; }

if [[ $PEERS == 1 ]]; then
    command -v node >/dev/null || { echo "bench: node not found (BENCH_PEERS=0 runs Muster only)" >&2; exit 1; }
    (cd bench/peers && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

started=$(date +%s)
echo "bench: run $BENCH_RUN_ID, commit $BENCH_COMMIT, scale $SCALE, $REPS repetition(s)"

# ---- sizes ----------------------------------------------------------------------------------
if [[ $SCALE == small ]]; then
    FANOUT_SIZES="100:1"            # subscribers:repetitions
    CHAT_GROUPS=20
    IDLE="-n 400 --checkpoint 100 --groups 30"
    IDLE_CASE=idle-100-400-small
    STORM="-n 200 -m 20 --missed 20"
    STORM_CASE=resume-storm-200-small
    LARGE_GROUP=500
    PUSH_MEMBERS=200
    TAG="-small"
else
    FANOUT_SIZES="1000:$REPS 10000:1"
    CHAT_GROUPS=1000
    IDLE="-n 18000 --checkpoint 2000 --groups 600"
    IDLE_CASE=idle-2k-18k
    STORM="-n 10000 -m 100 --missed 100"
    STORM_CASE=resume-storm-10k
    LARGE_GROUP=10000
    PUSH_MEMBERS=10000
    TAG=""
fi
size_name() { if (($1 >= 1000)); then echo "$(($1 / 1000))k"; else echo "$1"; fi; }

# ---- 1. fan-out: one group, N subscribers, flood and fixed rates ----------------------------
if wants fanout; then
    echo "bench: fan-out"
    for entry in $FANOUT_SIZES; do
        n=${entry%%:*}
        reps=${entry##*:}
        name=$(size_name "$n")
        # Flood: 2 publishers, a window of messages in flight (until every subscriber has them).
        window=64
        ((n >= 10000)) && window=16
        for rep in $(seq 1 "$reps"); do
            for mode in flood rate-10k rate-100k; do
                case $mode in
                    flood) load="--rate=0 --publishers=2 --window=$window" ;;
                    rate-10k) load="--delivery-rate=10000 --publishers=1" ;;
                    rate-100k) load="--delivery-rate=100000 --publishers=1" ;;
                esac
                for server in $(servers_for "$rep"); do
                    # shellcheck disable=SC2086
                    run_case fanout "fanout-$name-$mode$TAG" "$server" "$rep" \
                        --scenario=fanout -n "$n" --conns-per-user=500 --duration="$DURATION" $load
                done
            done
        done
    done
fi

# ---- 2. chat: 1,000 groups of 10, every member publishing once a second ---------------------
if wants chat; then
    echo "bench: chat"
    members=$((CHAT_GROUPS * 10))
    for server in $(servers_for 1); do
        run_case chat "chat-${CHAT_GROUPS}x10$TAG" "$server" 1 \
            --scenario=chat -n "$members" -m 10 --rate="$members" --duration=$((DURATION + 2))
    done
fi

# ---- 3. idle: 2k then 18k connections x 3 groups; memory slope, socket memory, idle CPU -----
if wants idle; then
    echo "bench: idle"
    for rep in $(seq 1 "$REPS"); do
        for server in $(servers_for "$rep"); do
            ((rep > 1)) && [[ $server != muster ]] && continue  # the target is absolute
            # shellcheck disable=SC2086
            run_case idle "$IDLE_CASE" "$server" "$rep" \
                --scenario=idle $IDLE --conns-per-user=16 --hold=5 --settle=1
        done
    done
fi

# ---- 4. resume storm: 10k clients reconnect at once, 100 missed events each -----------------
if wants resume-storm; then
    echo "bench: resume storm"
    for rep in $(seq 1 "$REPS"); do
        # shellcheck disable=SC2086
        run_case resume-storm "$STORM_CASE" muster "$rep" \
            --scenario=resume-storm $STORM --conns-per-user=10 --connect-concurrency=2000 --settle=1
    done
fi

# A redis-server of the script's own on a free port (REDIS_PORT), appendonly as in production.
# FSYNC: always (acknowledged = on disk) or everysec.
start_redis() {
    local fsync=$1
    REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p "$WORK/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes \
        --appendfsync "$fsync" --dir "$WORK/redis" --daemonize no >"$WORK/redis/log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 100); do
        redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
        sleep 0.05
    done
}
stop_redis() {
    [[ -n $REDIS_PID ]] || return 0
    kill -TERM "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
    REDIS_PID=
}

# ---- 4b. large group join: 10,000 distinct users join one group at once ---------------------
# Presence is what a join costs the others: every arrival is announced to the subscribers
# already there. The target: at most 50 MB of presence to all subscribers together, and
# everyone joined within 3 s. On the embedded node and on a node on Redis (presence in Redis).
if wants large-group; then
    echo "bench: large group join"
    for rep in $(seq 1 "$REPS"); do
        run_case large-group "large-group-join-$(size_name "$LARGE_GROUP")$TAG" muster "$rep" \
            --scenario=large-group-join -n "$LARGE_GROUP" --connect-concurrency=2000 --settle=1
    done
    if command -v redis-server >/dev/null; then
        start_redis everysec
        run_case large-group "large-group-join-$(size_name "$LARGE_GROUP")-redis$TAG" muster 1 \
            --server-options --redis.url="redis://127.0.0.1:$REDIS_PORT" -- \
            --scenario=large-group-join -n "$LARGE_GROUP" --connect-concurrency=2000 --settle=1
        stop_redis
    fi
fi

# ---- 4c. push storm: a duty call to 10,000 offline members, each with one phone -------------
# Every member of a subtree is offline with one APNs device; a coordinator's URGENT call to the
# subtree must reach the provider for all of them. The provider is the tests' HTTP/2 TLS fake
# of APNs (it verifies every request's ES256 token) on loopback, with a CA made here. Targets:
# every push accepted within 5 s, server RSS growth at most 50 MB, chat p99 on the same node
# during the storm at most twice its idle value (bench/push/push_storm.js measures all three).
run_push_case() {  # CASE REP MEMBERS [FAKE_POLICY: idle (default) | normal]
    local case=$1 rep=$2 members=$3 fake_policy=${4:-idle} dir
    dir=$(mktemp -d "$WORK/push.XXXXXX")
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/ca.key" \
        -out "$dir/ca.pem" -subj "/CN=muster bench CA" -days 2 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/server.key" \
        -out "$dir/server.csr" -subj "/CN=127.0.0.1" 2>/dev/null
    echo "subjectAltName=IP:127.0.0.1" >"$dir/ext.cnf"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
        -out "$dir/server.pem" -days 2 -extfile "$dir/ext.cnf" 2>/dev/null
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/apns.p8" 2>/dev/null
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/sa.pem" 2>/dev/null
    echo '{"apnsKeyId":"KEY123","apnsTeamId":"TEAM456","fcmEmail":"-","hmsAppId":"-","hmsSecret":"-"}' \
        >"$dir/config.json"
    # The fake runs at SCHED_IDLE: it stands for a provider on other machines, so it may use only
    # the CPU the node and the chat probe leave idle. At normal priority its TLS and HTTP/2 work
    # (about 0.5 of a core here) competes with the node on these 2 cores, an artefact of the
    # bench; the case "...-fake-normal" measures the storm that way too (bench/README.md).
    local -a sched=(chrt --idle 0)
    [[ $fake_policy == normal ]] && sched=()
    "${sched[@]}" node tests/integration/push/fakes/fake_providers.js "$dir" >"$dir/fake.log" 2>"$dir/fake.err" &
    local fake_pid=$! line=
    for _ in $(seq 1 600); do
        line=$(grep -m1 '"ready"' "$dir/fake.log" 2>/dev/null) && break
        sleep 0.05
    done
    local fake_port
    fake_port=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["port"])' "$line")
    start_server muster --push.ca_file="$dir/ca.pem" --push.apns_key_file="$dir/apns.p8" \
        --push.apns_key_id=KEY123 --push.apns_team_id=TEAM456 \
        --push.apns_url="https://127.0.0.1:$fake_port" || { stop_server; kill "$fake_pid"; return 0; }
    BENCH_OVERRIDES=$(muster_overrides_json --push.apns_url=https://127.0.0.1:PORT)
    # The machine's load when the case starts: the storm's figures depend on it.
    local output load
    load=$(cut -d' ' -f1 /proc/loadavg)
    output=$(NODE_PATH=bench/peers/node_modules timeout 900 node bench/push/push_storm.js \
        --server "$SERVER_ADDR" --pid "$SERVER_PID" --fake-pid "$fake_pid" --secret "$SECRET" \
        --fake-log "$dir/fake.log" --disk-dir "$dir" \
        --members "$members" --groups 10 --idle-s 10 --timeout-s 120 "${PUSH_STORM_EXTRA[@]}" \
        2>>"$WORK/push.stderr") || true
    local recorded_args
    recorded_args=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \
        --members "$members" --groups 10 "${PUSH_STORM_EXTRA[@]}")
    BENCH_OUTER="{\"loadavg_1m_before\":$load}" BENCH_ARGS="$recorded_args" \
        python3 bench/record.py "$RESULTS" "$RUN_FILE" push "$case" muster "$rep" <<<"$output"
    # Where the storm's slowest chat lines fell, how long writes waited for the SQLite writer,
    # and the machine's own stalls (the driver's diagnosis; the waits and stalls are recorded
    # too).
    grep -E 'slowest chat|machine stalls|waiting for the SQLite writer' "$WORK/push.stderr" | tail -4 | sed 's/^push-storm: /    /' || true
    stop_server
    kill -TERM "$fake_pid" 2>/dev/null || true
    wait "$fake_pid" 2>/dev/null || true
}
# BENCH_PUSH_ANSWERS=N (not part of the recorded scenario): N volunteers answer the call while
# its pushes go out, one every 20 ms (bench/push/push_storm.js --answers).
PUSH_STORM_EXTRA=()
ANSWERS_TAG=
if [[ -n ${BENCH_PUSH_ANSWERS:-} ]]; then
    PUSH_STORM_EXTRA=(--answers "$BENCH_PUSH_ANSWERS")
    ANSWERS_TAG=-answers$BENCH_PUSH_ANSWERS
fi
if wants push; then
    echo "bench: push storm"
    if [[ $PEERS == 1 ]]; then
        for rep in $(seq 1 "$REPS"); do
            run_push_case "push-storm-$(size_name "$PUSH_MEMBERS")$ANSWERS_TAG$TAG" "$rep" "$PUSH_MEMBERS"
        done
        run_push_case "push-storm-$(size_name "$PUSH_MEMBERS")-fake-normal$ANSWERS_TAG$TAG" 1 "$PUSH_MEMBERS" normal
    else
        echo "bench: push storm needs node (BENCH_PEERS=1)" >&2
    fi
fi

# ---- 5. durability: publishes acknowledged after commit -------------------------------------
if wants durability; then
    echo "bench: durability"
    for rep in $(seq 1 "$REPS"); do
        run_case durability "durability-sqlite$TAG" muster "$rep" \
            --scenario=publish-ack --publishers=16 --window=64 --duration="$DURATION"
    done
    # Redis as the store (appendfsync always: acknowledged = on disk, as SQLite's FULL).
    if command -v redis-server >/dev/null; then
        start_redis always
        for rep in $(seq 1 "$REPS"); do
            redis-cli -p "$REDIS_PORT" flushall >/dev/null 2>&1 || true
            run_case durability "durability-redis$TAG" muster "$rep" \
                --server-options --redis.url="redis://127.0.0.1:$REDIS_PORT" -- \
                --scenario=publish-ack --publishers=16 --window=64 --duration="$DURATION"
        done
        stop_redis
    fi
fi

# ---- 6. cross-node (results: cross_node.jsonl): delivery latency through Redis, publisher and
# subscribers on two nodes or on one ------------------------------------------------------
# Two musterd nodes on one redis-server (started here). 100 subscribers of one group on node A;
# one publisher on node B (cross-node: B appends, Redis publishes, A's bus delivers) or on A
# itself (same-node: the same path through Redis, minus the second node), paced at 1k and
# 10k deliveries/s, interleaved, BENCH_REPS times. Latency is end to end, publisher's send to
# subscriber's read, on one clock (the load generator's). Server CPU is node A's.
run_cross_case() {  # CASE SERVER REP DELIVERY_RATE: SERVER = cross-node | same-node
    local case=$1 server=$2 rep=$3 rate=$4
    redis-cli -p "$REDIS_PORT" flushall >/dev/null 2>&1 || true
    NODE_ADDRS=()
    if ! start_node bench-a || ! start_node bench-b; then stop_nodes; return 0; fi
    local publish_to=${NODE_ADDRS[1]}
    [[ $server == same-node ]] && publish_to=${NODE_ADDRS[0]}
    local args=(--scenario=fanout -n 100 --publishers=1 --delivery-rate="$rate"
        --duration=$((DURATION + 2)) --publish-server="$publish_to")
    local before after output
    before=$(proc_sample "${NODE_PIDS[0]}")
    # shellcheck disable=SC2046
    output=$(timeout 300 "$LOADGEN" --server="${NODE_ADDRS[0]}" --server-pid="${NODE_PIDS[0]}" \
        --label="$case" --drain-timeout=5 --timeout=120 $(protocol_args muster) "${args[@]}" \
        2>>"$WORK/loadgen.stderr") || true
    after=$(proc_sample "${NODE_PIDS[0]}")
    read -r cpu0 rss0 <<<"$before"
    read -r cpu1 rss1 <<<"$after"
    # The publish server's address changes every run: recorded as where it was, not its port.
    BENCH_OVERRIDES=$(muster_overrides_json --redis.url=redis://127.0.0.1:PORT --server.node_id=bench-a)
    BENCH_OUTER="{\"server_cpu_ms\":$((cpu1 - cpu0)),\"server_rss_kib_before\":$rss0,\"server_rss_kib_after\":$rss1}" \
        BENCH_ARGS=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' \
            "${args[@]/--publish-server=*/--publish-server=$server}") \
        python3 bench/record.py "$RESULTS" "$RUN_FILE" cross_node "$case" "$server" "$rep" <<<"$output"
    stop_nodes
}
if wants cross-node; then
    if command -v redis-server >/dev/null; then
        echo "bench: cross-node"
        start_redis everysec
        for rep in $(seq 1 "$REPS"); do
            for rate in 1000 10000; do
                for server in cross-node same-node; do
                    run_cross_case "fanout-100-rate-$((rate / 1000))k$TAG" "$server" "$rep" "$rate"
                done
            done
        done
        stop_redis
    else
        echo "bench: cross-node skipped (no redis-server)"
    fi
fi

python3 bench/summary.py "$RUN_FILE"
echo
if [[ $SCALE == small ]]; then
    echo "bench: $(($(date +%s) - started)) s (small scale: not recorded)"
else
    echo "bench: $(($(date +%s) - started)) s; results appended to $RESULTS/*.jsonl (run $BENCH_RUN_ID)"
fi
if [[ -s $WORK/loadgen.stderr ]]; then
    echo "bench: the load generator said:"
    tail -20 "$WORK/loadgen.stderr"
fi
