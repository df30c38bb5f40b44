#!/usr/bin/env bash
# The production topology on one machine, for real: a Temporal server built
# from source (the v1.32.0 that `tawasul dev` embeds) on PostgreSQL, two
# `tawasul worker` and two `tawasul api` processes against it and a PostgreSQL
# read model, load through both APIs, one worker and one API killed with
# SIGKILL mid-run, then the end check. Everything it creates (processes,
# databases, files) is removed on exit unless --keep.
#
#   deploy/topology.sh                      # 2000 lifecycles, 8 in flight per API, 4 history shards
#   deploy/topology.sh -n 200 -c 4          # the CI smoke's size (e2e/topology_test.go)
#   deploy/topology.sh --shards 16 --workers 3 --apis 3 --keep
#   deploy/topology.sh --mode intake -n 100000 -c 16 --profile   # worker memory, heap profiles kept
#   deploy/topology.sh --mode burst -n 10000 -c 32 --ceiling     # escalation lateness against bare timers
#
# Needs: go (run from anywhere inside the repository), psql, curl, jq, and
# PostgreSQL reachable as TOPOLOGY_PG_USER on TOPOLOGY_PG_HOST:TOPOLOGY_PG_PORT
# with the right to create databases (PGPASSWORD is passed on if set).
set -euo pipefail

usage() {
	cat <<'EOF'
usage: deploy/topology.sh [flags]

  -n, --tickets N          lifecycles (or filings with --mode intake/burst), split over the APIs [TOPOLOGY_TICKETS, 2000]
  -c, --concurrency C      requests in flight per API                                       [TOPOLOGY_CONCURRENCY, 8]
      --shards S           Temporal history shards (fixed when the database is created)     [TOPOLOGY_SHARDS, 4]
      --partitions P       partitions of each task queue (Temporal's default)               [TOPOLOGY_PARTITIONS, 4]
      --workers W          tawasul worker processes (at least 2)                            [TOPOLOGY_WORKERS, 2]
      --apis A             tawasul api processes (at least 2)                               [TOPOLOGY_APIS, 2]
      --mode M             lifecycle (file, answer, object, withdraw, close), intake, or     [TOPOLOGY_MODE, lifecycle]
                           burst (deadlines together, escalation lateness; one generator
                           spread over every API)
      --kill-at F          SIGKILL worker 1 and API 1 when this share of the tickets is in; [TOPOLOGY_KILL_AT, 0.3;
                           0 kills nothing                                                   burst: 0]
      --burst-allowance D  burst: the deadlines fall this long after the start, rounded up  [TOPOLOGY_BURST_ALLOWANCE, 2m]
                           to the minute (loadgen's --burst-allowance)
      --ceiling            burst: first measure bare timers due at the same instant on the
                           same server (loadgen --with-ceiling), and print the ratio
      --ceiling-pollers N  the bare timers' worker's pollers (loadgen --ceiling-pollers;     [TOPOLOGY_CEILING_POLLERS, 0]
                           0: the SDK's 2, as a tawasul worker by default)
      --profile            serve the Temporal server's and each worker's runtime profiles
                           (addresses in the log) and keep a heap profile of each surviving
                           worker at the end in WORK/profiles
      --restart-after S    seconds until the killed API is started again                   [TOPOLOGY_RESTART_AFTER, 3]
      --restart-worker     start the killed worker again too (default: the survivors finish)
      --objection-window S seconds of the run's objection window, so answered tickets close [TOPOLOGY_OBJECTION_WINDOW, 60]
      --work-dir DIR       binaries, configuration and logs (default: a new temporary directory)
      --tawasul-bin PATH   use this tawasul binary instead of building one                [TOPOLOGY_TAWASUL_BIN]
      --keep               leave the databases and the work directory behind               [TOPOLOGY_KEEP=1]
  -h, --help

PostgreSQL: TOPOLOGY_PG_HOST (127.0.0.1), TOPOLOGY_PG_PORT (5432), TOPOLOGY_PG_USER (postgres), PGPASSWORD.
EOF
}

TICKETS=${TOPOLOGY_TICKETS:-2000}
CONCURRENCY=${TOPOLOGY_CONCURRENCY:-8}
SHARDS=${TOPOLOGY_SHARDS:-4}
PARTITIONS=${TOPOLOGY_PARTITIONS:-4}
WORKERS=${TOPOLOGY_WORKERS:-2}
APIS=${TOPOLOGY_APIS:-2}
MODE=${TOPOLOGY_MODE:-lifecycle}
KILL_AT=${TOPOLOGY_KILL_AT:-}
BURST_ALLOWANCE=${TOPOLOGY_BURST_ALLOWANCE:-2m}
PROFILE=0
CEILING=0
CEILING_POLLERS=${TOPOLOGY_CEILING_POLLERS:-0}
RESTART_AFTER=${TOPOLOGY_RESTART_AFTER:-3}
RESTART_WORKER=0
OBJECTION_WINDOW=${TOPOLOGY_OBJECTION_WINDOW:-60}
WORK=${TOPOLOGY_WORK_DIR:-}
TAWASUL_BIN=${TOPOLOGY_TAWASUL_BIN:-}
KEEP=${TOPOLOGY_KEEP:-0}
PG_HOST=${TOPOLOGY_PG_HOST:-127.0.0.1}
PG_PORT=${TOPOLOGY_PG_PORT:-5432}
PG_USER=${TOPOLOGY_PG_USER:-postgres}

while (($#)); do
	case $1 in
	-n | --tickets) TICKETS=$2; shift 2 ;;
	-c | --concurrency) CONCURRENCY=$2; shift 2 ;;
	--shards) SHARDS=$2; shift 2 ;;
	--partitions) PARTITIONS=$2; shift 2 ;;
	--workers) WORKERS=$2; shift 2 ;;
	--apis) APIS=$2; shift 2 ;;
	--mode) MODE=$2; shift 2 ;;
	--kill-at) KILL_AT=$2; shift 2 ;;
	--restart-after) RESTART_AFTER=$2; shift 2 ;;
	--restart-worker) RESTART_WORKER=1; shift ;;
	--burst-allowance) BURST_ALLOWANCE=$2; shift 2 ;;
	--profile) PROFILE=1; shift ;;
	--ceiling) CEILING=1; shift ;;
	--ceiling-pollers) CEILING_POLLERS=$2; shift 2 ;;
	--objection-window) OBJECTION_WINDOW=$2; shift 2 ;;
	--work-dir) WORK=$2; shift 2 ;;
	--tawasul-bin) TAWASUL_BIN=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "topology: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

die() { echo "topology: $*" >&2; exit 1; }
log() { printf '%s  %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

for v in TICKETS CONCURRENCY SHARDS PARTITIONS WORKERS APIS RESTART_AFTER OBJECTION_WINDOW CEILING_POLLERS; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, not '${!v}'"
done
((WORKERS >= 2 && APIS >= 2)) || die "one worker and one API are killed: run at least 2 of each"
((TICKETS >= APIS && CONCURRENCY >= 1 && SHARDS >= 1 && PARTITIONS >= 1)) || die "need at least one ticket per API, concurrency and shards ≥ 1"
[[ $MODE == lifecycle || $MODE == intake || $MODE == burst ]] || die "--mode is lifecycle, intake or burst"
((CEILING == 0)) || [[ $MODE == burst ]] || die "--ceiling is for --mode burst (with one generator per API, a ceiling would be measured under the others' load)"
# A burst measures how late escalations fire: a kill would measure the
# restart instead, so by default nothing is killed.
[[ -n $KILL_AT ]] || KILL_AT=$([[ $MODE == burst ]] && echo 0 || echo 0.3)
awk -v f="$KILL_AT" 'BEGIN { exit !(f >= 0 && f < 1) }' || die "--kill-at is a share from 0 (no kill) to below 1"
KILL=$(awk -v f="$KILL_AT" 'BEGIN { print (f > 0) }')
for tool in go psql curl jq; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER")
sql() { "${PSQL[@]}" -tA -d "$1" -c "$2"; }
sql postgres "SELECT 1" >/dev/null || die "PostgreSQL not reachable as $PG_USER at $PG_HOST:$PG_PORT"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OWN_WORK=0
if [[ -z $WORK ]]; then
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/tawasul-topology.XXXXXX")
	OWN_WORK=1
fi
mkdir -p "$WORK/bin" "$WORK/logs"
WORK=$(cd "$WORK" && pwd)
BIN=$WORK/bin
LOGS=$WORK/logs

# Every database of this run carries the suffix, so runs side by side (and
# other users of the same PostgreSQL) never meet, and cleanup drops only ours.
SUFFIX=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
DB_TEMPORAL=topology_${SUFFIX}_temporal
DB_VISIBILITY=topology_${SUFFIX}_visibility
DB_TAWASUL=topology_${SUFFIX}_tawasul
NAMESPACE=tawasul
DATABASES_CREATED=()


declare -A PID=()     # name → pid of every process this script started
declare -A CMDLINE=() # name → how to start it again
T0=$(now)

stop_all() {
	local name pid deadline t0
	t0=$(now)
	((${#PID[@]})) || return 0
	# Clients first, the Temporal server last: workers and APIs shut down
	# cleanly only while it still answers.
	for group in sampler loadgen api worker temporal; do
		for name in "${!PID[@]}"; do
			[[ $name == "$group"* ]] || continue
			kill -TERM "${PID[$name]}" 2>/dev/null || true
		done
		deadline=$((SECONDS + 20))
		for name in "${!PID[@]}"; do
			[[ $name == "$group"* ]] || continue
			pid=${PID[$name]}
			while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
			if kill -KILL "$pid" 2>/dev/null; then
				log "$name ignored SIGTERM for 20s: killed"
			fi
			wait "$pid" 2>/dev/null || true
			unset "PID[$name]"
		done
	done
	log "processes stopped in $(since "$t0")s"
}

cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	stop_all
	if ((KEEP)); then
		log "kept: databases ${DATABASES_CREATED[*]:-none}; work directory $WORK"
	else
		for db in "${DATABASES_CREATED[@]}"; do
			sql postgres "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || log "could not drop $db"
		done
		((${#DATABASES_CREATED[@]})) && log "dropped ${DATABASES_CREATED[*]}"
		if ((rc == 0 && OWN_WORK && !PROFILE)); then
			rm -rf "$WORK"
		elif ((rc != 0)); then
			rm -rf "$BIN" # hundreds of MB; the logs are what explains a failure
			log "logs kept in $LOGS"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME LOGFILE CMD... runs CMD in the background and remembers how, so
# a killed process can be started again the same way.
start() {
	local name=$1 logf=$2
	shift 2
	CMDLINE[$name]=$(printf '%q ' "$@")
	"$@" >>"$logf" 2>&1 &
	PID[$name]=$!
	echo "$!" >"$WORK/$name.pid"
}
restart() {
	local name=$1
	eval "${CMDLINE[$name]}" '>>"$LOGS/$name.log" 2>&1 &'
	PID[$name]=$!
	echo "$!" >"$WORK/$name.pid"
}
alive() { kill -0 "${PID[$1]}" 2>/dev/null; }

# Ports are picked at random among the free ones so that several runs (and
# the test suite's own servers) can share the machine. Below 32768: Temporal
# keeps membership ports in a PostgreSQL smallint, and refuses to start on a
# higher one.
USED_PORTS=" "
pick_port() {
	local candidate
	while :; do
		candidate=$((20000 + RANDOM % 12000))
		[[ $USED_PORTS == *" $candidate "* ]] && continue
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
			USED_PORTS+="$candidate "
			printf -v "$1" '%s' "$candidate"
			return
		fi
	done
}

wait_for() { # wait_for SECONDS WHAT NAME-OF-PROCESS-OR-"" CMD...
	local limit=$1 what=$2 proc=$3
	shift 3
	local deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		if [[ -n $proc ]] && ! alive "$proc"; then
			tail -n 30 "$LOGS/$proc.log" >&2 || true
			die "$proc exited while waiting for $what"
		fi
		((SECONDS < deadline)) || die "$what not ready after ${limit}s"
		sleep 0.3
	done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

########################################################################
log "work directory $WORK, databases topology_${SUFFIX}_*"

# 1. Binaries. The Temporal server and its schema tool are tool dependencies
# of our go.mod: the same source as `go install go.temporal.io/server/cmd/server@v1.32.0`,
# built from our module graph, so the build cache `tawasul dev` filled serves
# them. `go tool -n` builds a tool once and keeps the executable in the build
# cache: a second run links nothing.
t=$(now)
cd "$REPO"
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
if [[ -n $TAWASUL_BIN ]]; then
	cp "$TAWASUL_BIN" "$BIN/tawasul"
else
	go build -o "$BIN/tawasul" ./cmd/tawasul
fi
for tool in server:temporal-server tools/sql:temporal-sql-tool; do
	exe=$(go tool -n "go.temporal.io/server/cmd/${tool%%:*}")
	ln -f "$exe" "$BIN/${tool#*:}" 2>/dev/null || cp "$exe" "$BIN/${tool#*:}"
done
SCHEMA=$(go list -m -f '{{.Dir}}' go.temporal.io/server)/schema/postgresql/v12
TEMPORAL_VERSION=$("$BIN/temporal-server" --version | awk '{print $NF}')
BUILD_SEC=$(since "$t")
log "built tawasul and Temporal $TEMPORAL_VERSION in ${BUILD_SEC}s"
cd "$WORK"

# 2. Temporal's two databases, schema at version 0.0 then every versioned
# step, as a ministry's DBA would with the same tool.
t=$(now)
SQLTOOL=("$BIN/temporal-sql-tool" --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER")
# The tool reads the password from its environment, kept off the process list.
[[ -n ${PGPASSWORD:-} ]] && export SQL_PASSWORD=$PGPASSWORD
for pair in "$DB_TEMPORAL:temporal" "$DB_VISIBILITY:visibility"; do
	db=${pair%%:*} dir=$SCHEMA/${pair#*:}/versioned
	DATABASES_CREATED+=("$db")
	{
		"${SQLTOOL[@]}" --db "$db" create-database
		"${SQLTOOL[@]}" --db "$db" setup-schema -v 0.0
		"${SQLTOOL[@]}" --db "$db" update-schema -d "$dir"
	} >>"$LOGS/schema.log" 2>&1 || { tail -n 20 "$LOGS/schema.log" >&2; die "schema setup of $db failed"; }
done
SCHEMA_SEC=$(since "$t")
log "Temporal schema on $DB_TEMPORAL and $DB_VISIBILITY in ${SCHEMA_SEC}s"

# 3. The server: all four services in one process, as a small installation
# starts; a larger one runs the same binary per service (--service history …)
# on several machines against the same databases.
pick_port FRONTEND
pick_port FRONTEND_HTTP
pick_port HISTORY
pick_port MATCHING
pick_port WORKER_SVC
pick_port M_FRONTEND
pick_port M_HISTORY
pick_port M_MATCHING
pick_port M_WORKER
cat >"$WORK/dynamicconfig.yaml" <<EOF
# The end check counts workflows through visibility in batches; the default
# of 10 visibility requests per second per namespace would throttle it.
frontend.namespaceRPS.visibility:
  - value: 100
# Partitions of a task queue: Temporal's default of 4 pays off with many
# pollers on many hosts. 1 was measured against the backlog of first tasks
# under intake load (BENCHMARKS.md) and made no difference.
matching.numTaskqueueReadPartitions:
  - value: $PARTITIONS
matching.numTaskqueueWritePartitions:
  - value: $PARTITIONS
EOF
TEMPORAL_PPROF=""
if ((PROFILE)); then
	pick_port TEMPORAL_PPROF_PORT
	TEMPORAL_PPROF="  pprof: {port: $TEMPORAL_PPROF_PORT}"
fi
cat >"$WORK/temporal.yaml" <<EOF
log:
  stdout: true
  level: warn
persistence:
  numHistoryShards: $SHARDS
  defaultStore: default
  visibilityStore: visibility
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: $DB_TEMPORAL
        connectAddr: "$PG_HOST:$PG_PORT"
        connectProtocol: tcp
        user: "$PG_USER"
        password: "${PGPASSWORD:-}"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: $DB_VISIBILITY
        connectAddr: "$PG_HOST:$PG_PORT"
        connectProtocol: tcp
        user: "$PG_USER"
        password: "${PGPASSWORD:-}"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h
global:
$TEMPORAL_PPROF
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: {grpcPort: $FRONTEND, httpPort: $FRONTEND_HTTP, membershipPort: $M_FRONTEND, bindOnLocalHost: true}
  history:
    rpc: {grpcPort: $HISTORY, membershipPort: $M_HISTORY, bindOnLocalHost: true}
  matching:
    rpc: {grpcPort: $MATCHING, membershipPort: $M_MATCHING, bindOnLocalHost: true}
  worker:
    rpc: {grpcPort: $WORKER_SVC, membershipPort: $M_WORKER, bindOnLocalHost: true}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:$FRONTEND
dcRedirectionPolicy:
  policy: noop
publicClient:
  hostPort: 127.0.0.1:$FRONTEND
dynamicConfigClient:
  filepath: $WORK/dynamicconfig.yaml
  pollInterval: 10s
EOF
chmod 600 "$WORK/temporal.yaml" # it holds the database password, if any
t=$(now)
start temporal "$LOGS/temporal.log" "$BIN/temporal-server" --config-file "$WORK/temporal.yaml" --allow-no-auth start
wait_for 120 "Temporal frontend on port $FRONTEND" temporal port_open "$FRONTEND"

# 4. Tawasul's configuration: fresh tokens (only their hashes in the file),
# a fresh tracking secret, its own database.
ADMIN_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
AGENT_TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
cat >"$WORK/tawasul.yaml" <<EOF
auth:
  tokens:
    - {name: topology-admin, hash: $("$BIN/tawasul" hash-token "$ADMIN_TOKEN"), role: admin}
    - {name: topology-agent, hash: $("$BIN/tawasul" hash-token "$AGENT_TOKEN"), role: agent}
EOF
chmod 600 "$WORK/tawasul.yaml"
DSN_PASS=${PGPASSWORD:+:$PGPASSWORD}
export TAWASUL_DATABASE_DSN="postgres://$PG_USER$DSN_PASS@$PG_HOST:$PG_PORT/$DB_TAWASUL?sslmode=disable"
export TAWASUL_TEMPORAL_ADDRESS=127.0.0.1:$FRONTEND
export TAWASUL_TEMPORAL_NAMESPACE=$NAMESPACE
export TAWASUL_SECRETS_TRACKING
TAWASUL_SECRETS_TRACKING=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
export TAWASUL_SECRETS_AUDIT
TAWASUL_SECRETS_AUDIT=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
# Every API, worker and loadgen seals Temporal's payloads with the same key.
export TAWASUL_SECRETS_PAYLOAD_KEYS
TAWASUL_SECRETS_PAYLOAD_KEYS="topology:$(head -c32 /dev/urandom | base64 | tr -d '\n')"
export TAWASUL_LOG_LEVEL=${TAWASUL_LOG_LEVEL:-warn}
TW=("$BIN/tawasul")

# Health: the frontend answers, and the namespace is registered and takes
# requests (the command describes it and waits for the namespace cache).
"${TW[@]}" namespace --config "$WORK/tawasul.yaml" --retention 24h >>"$LOGS/namespace.log" 2>&1 ||
	{ cat "$LOGS/namespace.log" >&2; tail -n 30 "$LOGS/temporal.log" >&2; die "namespace $NAMESPACE not usable"; }
TEMPORAL_SEC=$(since "$t")
log "Temporal up on 127.0.0.1:$FRONTEND ($SHARDS history shards), namespace $NAMESPACE, in ${TEMPORAL_SEC}s"

t=$(now)
DATABASES_CREATED+=("$DB_TAWASUL")
sql postgres "CREATE DATABASE \"$DB_TAWASUL\""
for c in migrate seed; do
	"${TW[@]}" "$c" --config "$WORK/tawasul.yaml" >>"$LOGS/$c.log" 2>&1 || { cat "$LOGS/$c.log" >&2; die "tawasul $c failed"; }
done

declare -a PPROF_ADDR=()
for ((i = 1; i <= WORKERS; i++)); do
	prof=()
	if ((PROFILE)); then
		pick_port p
		PPROF_ADDR[i]=127.0.0.1:$p
		prof=(env "TAWASUL_DEBUG_PPROF_ADDR=${PPROF_ADDR[i]}")
	fi
	start "worker-$i" "$LOGS/worker-$i.log" "${prof[@]}" "${TW[@]}" worker --config "$WORK/tawasul.yaml"
done
((PROFILE)) && log "Temporal server profiles: http://127.0.0.1:$TEMPORAL_PPROF_PORT/debug/pprof/"
((PROFILE)) && log "worker profiles: $(for ((i = 1; i <= WORKERS; i++)); do printf 'worker-%d http://%s/debug/pprof/ ' "$i" "${PPROF_ADDR[i]}"; done)"
declare -a API_ADDR=()
for ((i = 1; i <= APIS; i++)); do
	pick_port p
	API_ADDR[i]=127.0.0.1:$p
	start "api-$i" "$LOGS/api-$i.log" env "TAWASUL_ADDR=${API_ADDR[i]}" "${TW[@]}" api --config "$WORK/tawasul.yaml"
done
for ((i = 1; i <= APIS; i++)); do
	wait_for 60 "api-$i" "api-$i" curl -fsS "http://${API_ADDR[i]}/readyz"
done
sleep 1
for ((i = 1; i <= WORKERS; i++)); do
	alive "worker-$i" || { tail -n 30 "$LOGS/worker-$i.log" >&2; die "worker-$i exited at start"; }
done
TAWASUL_SEC=$(since "$t")
log "read model $DB_TAWASUL migrated and seeded; $WORKERS workers, $APIS APIs (${API_ADDR[*]}) in ${TAWASUL_SEC}s"

# 5. The run's policy: answered tickets close after a short objection window,
# so every lifecycle ends in a final status and its workflow completes within
# the run. Not shorter than 45 s: an answer whose activity the killed worker
# held completes only after that activity's 30 s timeout, its window counting
# from when the answer began, and the objection that follows must still find
# the window open. It is set once, before the load: with loadgen's own
# --objection-window each generator would save and later restore the policy,
# and the first to restore would leave the other's later tickets open.
if [[ $MODE == lifecycle ]]; then
	curl -fsS "http://${API_ADDR[1]}/api/v1/policies/current" -H "Authorization: Bearer $ADMIN_TOKEN" |
		jq --arg w "${OBJECTION_WINDOW}s" '.objection_window = $w | .survey_window = "1s" | .reason = "topology run: answered tickets close, and their surveys end, within the run"' |
		curl -fsS -X PUT "http://${API_ADDR[2]}/api/v1/policies" -H "Authorization: Bearer $ADMIN_TOKEN" \
			-H 'Content-Type: application/json' --data-binary @- >"$WORK/policy.json" ||
		die "saving the run's policy failed"
	log "policy v$(jq -r .version "$WORK/policy.json"): objection window $(jq -r .objection_window "$WORK/policy.json")"
fi

# What each worker holds in memory as the tickets come in: a line every 10 s
# (seconds since the load began, tickets in the read model, tickets whose
# workflow has recorded its first change, each worker's VmRSS in MiB), in
# WORK/memory.tsv. The API writes a ticket's row; its workflow's first task,
# run by a worker, projects version 1: the gap is the workers' backlog.
# The sampler runs in a subshell with a copy of PID, so it reads each
# worker's pid from its file: a restarted worker keeps its column.
sample_memory() {
	local t0=$1 i rss line pid
	while :; do
		line="$(since "$t0")\t$(sql "$DB_TAWASUL" "SELECT count(*) || E'\t' || count(*) FILTER (WHERE version > 0) FROM tickets" 2>/dev/null || printf -- '-\t-')"
		for ((i = 1; i <= WORKERS; i++)); do
			pid=$(cat "$WORK/worker-$i.pid" 2>/dev/null || true)
			rss=$(awk '$1 == "VmRSS:" { printf "%.0f", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null || true)
			line+="\t${rss:--}"
		done
		printf '%b\n' "$line" >>"$WORK/memory.tsv"
		sleep 10
	done
}

# 6. Load: one generator per API, at the same time. Retries reuse their
# Idempotency-Key, so a request cut by the kill is replayed, never doubled;
# eight of them span the restart of the killed API and the 30 s an activity
# held by the killed worker takes to time out. A burst is one generator
# spread over every API: it sets one test policy, and its lateness figures
# are of every deadline together.
export TAWASUL_LOADGEN_TOKEN=$AGENT_TOKEN TAWASUL_LOADGEN_ADMIN_TOKEN=$ADMIN_TOKEN
GENERATORS=$APIS
[[ $MODE == burst ]] && GENERATORS=1
per=$((TICKETS / GENERATORS))
t=$(now)
LOAD_T0=$t
printf 'seconds\ttickets\tprojected%s\n' "$(for ((i = 1; i <= WORKERS; i++)); do printf '\tworker-%d_MiB' "$i"; done)" >"$WORK/memory.tsv"
sample_memory "$LOAD_T0" &
PID[sampler]=$!
for ((i = 1; i <= GENERATORS; i++)); do
	n=$per
	((i == 1)) && n=$((TICKETS - per * (GENERATORS - 1)))
	target=http://${API_ADDR[i]}
	extra=(--objections 0.15 --withdrawals 0.10)
	if [[ $MODE == burst ]]; then
		target=$(printf 'http://%s,' "${API_ADDR[@]}")
		target=${target%,}
		extra=(--burst-allowance "$BURST_ALLOWANCE")
	fi
	# A burst has one generator (above), which measures its ceiling first.
	((CEILING && i == 1)) && extra+=(--with-ceiling --ceiling-pollers "$CEILING_POLLERS")
	start "loadgen-$i" "$LOGS/loadgen-$i.log" sh -c 'exec "$0" "$@" >"'"$WORK/loadgen-$i.json"'"' \
		"${TW[@]}" loadgen "$MODE" --config "$WORK/tawasul.yaml" --target "$target" \
		-n "$n" -c "$CONCURRENCY" --seed "$i" --run-id "${SUFFIX}a$i" --retries 8 --settle 120s \
		--read-model db "${extra[@]}" --json
done

# 7. Mid-run: when the share --kill-at of the tickets is in the read model,
# SIGKILL worker 1 and API 1. API 1 comes back after --restart-after seconds
# (its generator has no other address); worker 1 stays down unless
# --restart-worker, so the survivors carry the rest. --kill-at 0 kills nothing.
if ((KILL)); then
	kill_at=$(awk -v n="$TICKETS" -v f="$KILL_AT" 'BEGIN { printf "%d", n * f }')
	((kill_at >= 1)) || kill_at=1
	rows=0
	deadline=$((SECONDS + 600))
	while ((rows < kill_at)); do
		rows=$(sql "$DB_TAWASUL" "SELECT count(*) FROM tickets")
		running=0
		for ((i = 1; i <= GENERATORS; i++)); do alive "loadgen-$i" && running=$((running + 1)); done
		((running == GENERATORS)) || die "a load generator ended before the kill ($rows of $TICKETS tickets in): not mid-run"
		((SECONDS < deadline)) || die "only $rows tickets after 10 minutes"
		sleep 0.2
	done
	KILL_SEC=$(since "$LOAD_T0")
	kill -KILL "${PID[worker-1]}" "${PID[api-1]}"
	wait "${PID[worker-1]}" 2>/dev/null || true
	wait "${PID[api-1]}" 2>/dev/null || true
	KILLED_AT_ROWS=$(sql "$DB_TAWASUL" "SELECT count(*) FROM tickets")
	log "SIGKILL worker-1 and api-1 at ${KILL_SEC}s, $KILLED_AT_ROWS of $TICKETS tickets in"
	sleep "$RESTART_AFTER"
	restart api-1
	RESTARTED=api-1
	if ((RESTART_WORKER)); then
		restart worker-1
		RESTARTED+=" worker-1"
	fi
	wait_for 60 "api-1 after restart" api-1 curl -fsS "http://${API_ADDR[1]}/readyz"
	log "$RESTARTED started again"
	KILL_LINE="SIGKILL worker-1 and api-1 at ${KILL_SEC}s with $KILLED_AT_ROWS of $TICKETS tickets in; $RESTARTED back after ${RESTART_AFTER}s"
else
	KILL_LINE="none (--kill-at 0)"
fi

# 8. The generators finish, each with its own end check (accepted == rows ==
# workflows for its run, none lost, none doubled).
LOAD_RC=0
for ((i = 1; i <= GENERATORS; i++)); do
	wait "${PID[loadgen-$i]}" || LOAD_RC=$?
	unset "PID[loadgen-$i]"
done
LOAD_SEC=$(since "$t")
for ((i = 1; i <= GENERATORS; i++)); do
	jq -e . "$WORK/loadgen-$i.json" >/dev/null 2>&1 || { tail -n 30 "$LOGS/loadgen-$i.log" >&2; die "loadgen-$i wrote no report"; }
done

# 9. The whole system, beyond each run: the read model holds exactly the
# tickets the APIs accepted; in lifecycle mode every ticket reaches a final
# status and its workflow completes; Temporal has one ticket workflow per
# ticket and none failed. Temporal's visibility is read from its database:
# no Temporal CLI is needed on the machine.
t=$(now)
ACCEPTED=$(jq -s 'map(.check.accepted // 0) | add' "$WORK"/loadgen-*.json)
if [[ $MODE == lifecycle ]]; then
	want_final="status NOT IN ('closed', 'withdrawn')"
	final_label="closed or withdrawn"
	want_wf="status <> 2" # COMPLETED
	wf_label=completed
	settle=$((OBJECTION_WINDOW + 120))
elif [[ $MODE == intake ]]; then
	# Held means each workflow has run its first task (projected version 1):
	# the API's acceptance alone leaves that task in Temporal's queue.
	want_final="status <> 'open' OR version = 0"
	final_label="open and recorded by their workflow"
	want_wf="status <> 1" # RUNNING
	wf_label=running
	settle=$((60 + TICKETS / 10))
else
	# Nobody answers a burst's tickets: each stays open, escalated.
	want_final="status IN ('closed', 'withdrawn') OR version = 0"
	final_label="unanswered and recorded by their workflow"
	want_wf="status <> 1" # RUNNING
	wf_label=running
	settle=$((60 + TICKETS / 10))
fi
vis() { sql "$DB_VISIBILITY" "SELECT count(DISTINCT workflow_id) FROM executions_visibility WHERE workflow_type_name = 'TicketWorkflow' $1"; }
deadline=$((SECONDS + settle))
while :; do
	ROWS=$(sql "$DB_TAWASUL" "SELECT count(*) FROM tickets")
	NOT_FINAL=$(sql "$DB_TAWASUL" "SELECT count(*) FROM tickets WHERE $want_final OR NOT workflow_started")
	# A ticket workflow that continued as new has one row per run: a
	# workflow is counted once, by its latest run.
	WF=$(vis "")
	WF_OFF=$(sql "$DB_VISIBILITY" "SELECT count(*) FROM (SELECT DISTINCT ON (workflow_id) status FROM executions_visibility
		WHERE workflow_type_name = 'TicketWorkflow' ORDER BY workflow_id, start_time DESC) latest WHERE $want_wf")
	((ROWS == ACCEPTED && WF == ROWS && NOT_FINAL == 0 && WF_OFF == 0)) && break
	((SECONDS < deadline)) || break
	sleep 1
done
FAILED_WF=$(sql "$DB_VISIBILITY" "SELECT count(*) FROM executions_visibility WHERE status IN (3, 4, 5, 7)")
STATUSES=$(sql "$DB_TAWASUL" "SELECT string_agg(status || ' ' || n, ', ' ORDER BY status) FROM (SELECT status, count(*) n FROM tickets GROUP BY status) s")
AUDIT=$("${TW[@]}" audit verify --config "$WORK/tawasul.yaml" 2>&1) || true
SETTLE_SEC=$(since "$t")

# Personal data never reaches Temporal (payloads are sealed, package
# payload): none of the read model's national IDs, mobiles (as stored, and
# in the local 05… form) or names, for a sample of the tickets, appears in
# any text or byte column of any table of Temporal's databases.
sql "$DB_TAWASUL" "COPY (SELECT DISTINCT v FROM (SELECT * FROM tickets ORDER BY number LIMIT 60) t,
	LATERAL (VALUES (beneficiary_national_id), (beneficiary_mobile), ('0' || substr(beneficiary_mobile, 5)), (beneficiary_name)) AS x(v)
	WHERE length(v) >= 8) TO STDOUT" >"$WORK/personal.txt"
PERSONAL_VALUES=$(wc -l <"$WORK/personal.txt")
PERSONAL_FOUND=0
for db in "$DB_TEMPORAL" "$DB_VISIBILITY"; do
	sql "$db" "CREATE TABLE tawasul_personal (v text)" >/dev/null
	"${PSQL[@]}" -d "$db" -c "COPY tawasul_personal FROM STDIN" <"$WORK/personal.txt"
	sql "$db" "CREATE FUNCTION tawasul_personal_scan() RETURNS bigint LANGUAGE plpgsql AS \$\$
		DECLARE r record; n bigint; total bigint := 0;
		BEGIN
			FOR r IN SELECT table_name, column_name, data_type FROM information_schema.columns
				WHERE table_schema = current_schema() AND table_name <> 'tawasul_personal'
				AND data_type IN ('bytea', 'text', 'character varying', 'jsonb') LOOP
				EXECUTE format(CASE WHEN r.data_type = 'bytea'
					THEN 'SELECT count(*) FROM %I t, tawasul_personal p WHERE position(convert_to(p.v, ''UTF8'') IN t.%I) > 0'
					ELSE 'SELECT count(*) FROM %I t, tawasul_personal p WHERE position(p.v IN t.%I::text) > 0' END,
					r.table_name, r.column_name) INTO n;
				IF n > 0 THEN RAISE WARNING '%.% holds % personal values', r.table_name, r.column_name, n; END IF;
				total := total + n;
			END LOOP;
			RETURN total;
		END \$\$" >/dev/null
	n=$(sql "$db" "SELECT tawasul_personal_scan()")
	PERSONAL_FOUND=$((PERSONAL_FOUND + n))
done

########################################################################
FAILURES=()
((LOAD_RC == 0)) || FAILURES+=("a load generator failed (exit $LOAD_RC)")
((ROWS == ACCEPTED)) || FAILURES+=("$ACCEPTED accepted but $ROWS rows")
((WF == ROWS)) || FAILURES+=("$ROWS tickets but $WF ticket workflows")
((NOT_FINAL == 0)) || FAILURES+=("$NOT_FINAL tickets not $final_label")
((WF_OFF == 0)) || FAILURES+=("$WF_OFF ticket workflows not $wf_label")
((FAILED_WF == 0)) || FAILURES+=("$FAILED_WF workflows failed, were cancelled, terminated or timed out")
[[ $AUDIT == "audit chain intact"* ]] || FAILURES+=("audit log: $AUDIT")
((PERSONAL_VALUES > 0)) || FAILURES+=("no personal values to look for in Temporal")
((PERSONAL_FOUND == 0)) || FAILURES+=("Temporal's databases hold $PERSONAL_FOUND personal values in clear")

# What each process still running holds in memory now (VmRSS) and held at
# most (VmHWM): with --mode intake every ticket is still open, so the
# surviving worker's figures are its memory for that many open tickets.
MEMORY=""
for name in $(printf '%s\n' "${!PID[@]}" | sort); do
	[[ $name == sampler ]] && continue
	status=/proc/${PID[$name]}/status
	alive "$name" && [[ -r $status ]] || continue
	MEMORY+=$(awk -v n="$name" '$1 == "VmRSS:" { r = $2 } $1 == "VmHWM:" { h = $2 }
		END { printf "%s %.0f MiB (peak %.0f); ", n, r / 1024, h / 1024 }' "$status")
done

# The heap profiles (Go's view: what is live, by allocating function) of
# the workers still running, to read with `go tool pprof -top FILE`.
PROFILES=""
if ((PROFILE)); then
	mkdir -p "$WORK/profiles"
	for ((i = 1; i <= WORKERS; i++)); do
		alive "worker-$i" || continue
		curl -fsS -o "$WORK/profiles/worker-$i.heap" "http://${PPROF_ADDR[i]}/debug/pprof/heap" &&
			curl -fsS -o "$WORK/profiles/worker-$i.goroutines" "http://${PPROF_ADDR[i]}/debug/pprof/goroutine?debug=1" &&
			PROFILES+="$WORK/profiles/worker-$i.heap, $(head -n 1 "$WORK/profiles/worker-$i.goroutines" | awk '{ print $NF }') goroutines; " ||
			log "could not read worker-$i's profiles"
	done
fi

read -r LIFECYCLES ELAPSED ERRORS RETRIES < <(jq -rs '[ (map(.ops[if .mode == "lifecycle" then "lifecycle" else "create" end].ok) | add),
	(map(.elapsed_sec) | max), (map(.errors) | add), (map(.retries) | add) ] | @tsv' "$WORK"/loadgen-*.json)
THROUGHPUT=$(awk -v n="$LIFECYCLES" -v s="$ELAPSED" 'BEGIN { printf "%.1f", (s > 0 ? n / s : 0) }')
UNIT=$([[ $MODE == lifecycle ]] && echo lifecycles/s || echo tickets/s)

{
	echo
	echo "== Tawasul production topology ($(uname -s)/$(uname -m), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
	printf '%-12s %s\n' topology "Temporal $TEMPORAL_VERSION (frontend, history, matching, worker in one process) on PostgreSQL, $SHARDS history shards; $WORKERS workers, $APIS APIs"
	printf '%-12s %s\n' setup "build ${BUILD_SEC}s, schema ${SCHEMA_SEC}s, Temporal ready ${TEMPORAL_SEC}s, tawasul ready ${TAWASUL_SEC}s"
	printf '%-12s %s\n' load "$MODE, $TICKETS over $APIS APIs at concurrency $CONCURRENCY each, in ${LOAD_SEC}s (generators' end checks included)"
	for ((i = 1; i <= GENERATORS; i++)); do
		jq -r --arg api "$([[ $MODE == burst ]] && echo "${APIS} APIs" || echo "api-$i")" '"  \($api)       \(.filings) \(.mode), \(.throughput) \(.throughput_unit), p50 \(.latency.p50_ms) ms, p99 \(.latency.p99_ms) ms, \(.errors) errors, \(.retries) retries; check: accepted \(.check.accepted) rows \(.check.rows) workflows \(.check.workflows) (\(.check.temporal)) → \(if .check.passed then "passed" else "FAILED" end)"' "$WORK/loadgen-$i.json"
	done
	printf '%-12s %s\n' throughput "$THROUGHPUT $UNIT through $APIS APIs ($LIFECYCLES in ${ELAPSED}s), $ERRORS errors, $RETRIES retries"
	printf '%-12s %s\n' kill "$KILL_LINE"
	printf '%-12s %s\n' "end check" "accepted $ACCEPTED = rows $ROWS = ticket workflows $WF; tickets not $final_label $NOT_FINAL; workflows not $wf_label $WF_OFF; failed $FAILED_WF (after ${SETTLE_SEC}s)"
	printf '%-12s %s\n' statuses "$STATUSES"
	printf '%-12s %s\n' memory "${MEMORY%; } (samples: $WORK/memory.tsv)"
	[[ -n $PROFILES ]] && printf '%-12s %s\n' profiles "${PROFILES%; }"
	[[ $MODE == burst ]] && jq -r '"burst        \(.burst.escalated) escalated, \(.burst.not_escalated) not; deadlines over \(.burst.deadline_spread_sec)s; lateness p50 \(.burst.lateness.p50_ms) ms, p99 \(.burst.lateness.p99_ms) ms, max \(.burst.lateness.max_ms) ms"' "$WORK/loadgen-1.json"
	[[ $MODE == burst ]] && ((CEILING)) && jq -r '"ceiling      \(.timer_ceiling.fired) bare timers fired; lateness p50 \(.timer_ceiling.lateness.p50_ms) ms, p99 \(.timer_ceiling.lateness.p99_ms) ms, max \(.timer_ceiling.lateness.max_ms) ms; ratio of the p99s \(.ratios.burst_p99_lateness_per_timer_p99)"' "$WORK/loadgen-1.json"
	printf '%-12s %s\n' audit "$AUDIT"
	printf '%-12s %s\n' "personal data" "$PERSONAL_FOUND of $PERSONAL_VALUES national IDs, mobiles and names found in Temporal's databases"
	printf '%-12s %s\n' total "$(since "$T0")s"
	if ((${#FAILURES[@]})); then
		printf 'TOPOLOGY FAILED: %s\n' "$(IFS=';'; echo "${FAILURES[*]}")"
	else
		echo "TOPOLOGY PASSED"
	fi
} | tee "$WORK/summary.txt"
((${#FAILURES[@]} == 0))
