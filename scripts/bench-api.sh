#!/usr/bin/env bash
# Benchmark of the bridge API (issue 2, point 9). Prints numbers; asserts nothing.
#
#   scripts/bench-api.sh
#
# Builds a release `sanctum`, starts it on 127.0.0.1 with a fresh temporary database, fresh
# random keys and rate limits disabled (so the numbers measure the server, not the limiter),
# runs wrk against five scenarios and prints req/s, p50 and p99 per scenario, the server's
# peak RSS and the database size. Sends traffic only to 127.0.0.1 and stops the server itself.
# Installs nothing: it needs `wrk` (Debian: apt-get install -y wrk), `curl` and a Swift toolchain.
#
# Tunables (environment): BENCH_DURATION (10s), BENCH_THREADS (2), BENCH_CONNECTIONS (32),
# BENCH_SESSIONS (1000), BENCH_PORT (a free port), BENCH_SKIP_BUILD=1 (reuse the last release build),
# BENCH_BIN=path (benchmark that binary instead of building one), BENCH_BACKLOG (40000: pending
# messages the drain scenario starts from), BENCH_STEADY_BACKLOG (100000: pending messages written
# straight into the database before the last scenario, which polls one message at a time so the
# backlog stays in place: a poll's cost against the backlog, compared with the empty inbox), BENCH_PIN=1 (server on the last core, wrk and curl on
# the others: steadier figures for A/B comparisons; scripts/bench-ab.sh sets it), BENCH_DATABASE=postgres://…
# (serve from that PostgreSQL database instead of a temporary SQLite file: it must be empty and
# thrown away after; the steady backlog is written with psql; scripts/bench-drivers.sh runs both
# drivers against a throwaway cluster), BENCH_SUMMARY_FILE=path (append one tab-separated line per
# scenario: driver, scenario, req/s, p50 ms, p99 ms, server CPU µs per request), BENCH_INSTANCES=2
# (with BENCH_DATABASE: that many servers on the one database, wrk's connections and threads split
# evenly over them, one wrk per server at once; req/s is their sum, p50 the mean and p99 the
# highest of theirs; the summary's driver reads `postgres-2`), BENCH_LABEL (the summary's driver).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LUA="$ROOT/scripts/bench"
DURATION="${BENCH_DURATION:-10s}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
export BENCH_SESSIONS="${BENCH_SESSIONS:-1000}"
BACKLOG="${BENCH_BACKLOG:-40000}"
STEADY_BACKLOG="${BENCH_STEADY_BACKLOG:-100000}"
SERVER_CPUS=(); CLIENT_CPUS=()
if [ "${BENCH_PIN:-0}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    SERVER_CPUS=(taskset -c "$(( $(nproc) - 1 ))"); CLIENT_CPUS=(taskset -c "0-$(( $(nproc) - 2 ))")
fi

DRIVER=sqlite
INSTANCES="${BENCH_INSTANCES:-1}"
if [ -n "${BENCH_DATABASE:-}" ]; then
    DRIVER=postgres
    command -v psql >/dev/null 2>&1 || { echo "bench-api: BENCH_DATABASE needs psql (Debian: apt-get install -y postgresql-client)" >&2; exit 1; }
fi

if [ "$INSTANCES" -gt 1 ] && [ "$DRIVER" != postgres ]; then
    echo "bench-api: BENCH_INSTANCES=$INSTANCES needs BENCH_DATABASE=postgres://… (instances share one database)" >&2; exit 1
fi
LABEL="$DRIVER"
[ "$INSTANCES" -gt 1 ] && LABEL="$DRIVER-$INSTANCES"
LABEL="${BENCH_LABEL:-$LABEL}"

for tool in wrk curl swift; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "bench-api: '$tool' is not installed." >&2
        [ "$tool" = wrk ] && echo "bench-api: install it with: apt-get install -y wrk" >&2
        exit 1
    fi
done

cd "$ROOT"
if [ -n "${BENCH_BIN:-}" ]; then
    BIN="$BENCH_BIN"  # an already built binary (e.g. to try the script quickly; not a release number)
else
    if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
        echo "== building release binaries (swift build -c release --product sanctum / hook-overhead)"
        swift build -c release --product sanctum
        swift build -c release --product hook-overhead
    fi
    BIN="$(swift build -c release --show-bin-path)/sanctum"
fi
[ -x "$BIN" ] || { echo "bench-api: no release binary at $BIN" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/sanctum-bench.XXXXXX")"
DB="${BENCH_DATABASE:-$WORK/bench.db}"
# psql refuses the server's own URL parameter pool_size.
PSQL_DB="$(sed -E 's/([?&])pool_size=[^&]*&?/\1/g; s/[?&]$//' <<<"$DB")"
PIDS=()
stop_servers() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
}
cleanup() {
    stop_servers
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

random_hex() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
export SANCTUM_API_KEY="sk_bench_$(random_hex)"
export SANCTUM_ADMIN_KEY="adm_bench_$(random_hex)"
export BENCH_API_KEY="$SANCTUM_API_KEY"
unset SANCTUM_WIDGET_KEY

cat > "$WORK/sanctum.yaml" <<'YAML'
# benchmark configuration: no rate limits, so wrk measures the server and not the limiter
rate_limits: { enabled: false }
YAML

free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$(( 20000 + RANDOM % 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    done
    echo 18080
}
PORTS=()
for n in $(seq 1 "$INSTANCES"); do
    if [ "$n" = 1 ] && [ -n "${BENCH_PORT:-}" ]; then PORTS+=("$BENCH_PORT"); else PORTS+=("$(free_port)"); fi
    url="http://127.0.0.1:${PORTS[-1]}"
    echo "== starting $BIN on $url (database $(sed -E 's#//([^:@/]*):[^@/]*@#//\1:***@#' <<<"$DB"))"
    "${SERVER_CPUS[@]}" "$BIN" serve --config "$WORK/sanctum.yaml" --host 127.0.0.1 --port "${PORTS[-1]}" --database "$DB" >"$WORK/server$n.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 300); do
        curl -fsS "$url/widget/health" >/dev/null 2>&1 && break
        kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "bench-api: server exited:" >&2; cat "$WORK/server$n.log" >&2; exit 1; }
        sleep 0.1
    done
    curl -fsS "$url/widget/health" >/dev/null
done
PORT="${PORTS[0]}"
BASE="http://127.0.0.1:$PORT"

AUTH=(-H "Authorization: Bearer $SANCTUM_API_KEY" -H "Content-Type: application/json")
post_message() {
    curl -fsS -X POST "$BASE/api/v1/?action=messages" -H 'Content-Type: application/json' \
        -d "{\"session_id\":\"$1\",\"message\":\"$2\"}" >/dev/null
}
inbox_total() { # pending messages, without taking any: an offset past the end selects (and marks) nothing
    curl -fsS "${AUTH[@]}" "$BASE/api/v1/?action=inbox&limit=1&offset=2147483647" \
        | grep -o '"total":[0-9]*' | cut -d: -f2
}
# Takes (and so removes) pending messages until at most $1 remain, so that the drain scenario
# starts from the same backlog whatever the write scenario before it reached (its speed would
# otherwise decide how long each poll's pending count takes).
trim_backlog() { # target, pending now
    local excess=$(( $2 - $1 ))
    while [ "$excess" -gt 0 ]; do
        curl -fsS "${AUTH[@]}" "$BASE/api/v1/?action=inbox&limit=$(( excess < 100 ? excess : 100 ))&offset=0" >/dev/null
        excess=$(( excess - 100 ))
    done
}
# Writes $1 pending messages over 1,000 sessions straight into the database (the triggers of
# schema version 6 count them as the server would), for a backlog far larger than HTTP posts
# could build in a benchmark's time.
seed_backlog() {
    if [ "$DRIVER" = postgres ]; then
        # The same rows through psql; the counting triggers count them as the server would.
        psql -q -v ON_ERROR_STOP=1 "$PSQL_DB" <<SQL
BEGIN;
INSERT INTO web_chat_sessions (id, uid, created_at, last_active, ip_address, metadata, site_id)
    SELECT 'session_seed' || i, lpad(to_hex(i), 16, '0'), '2026-01-01 00:00:00', '2026-01-01 00:00:00', '127.0.0.1', '{}', 'default'
    FROM generate_series(0, 999) i ON CONFLICT DO NOTHING;
INSERT INTO web_chat_messages (session_id, message, timestamp, processed, site_id)
    SELECT 'session_seed' || (i % 1000), convert_to('a seeded backlog message', 'UTF8'), '2026-01-01 00:00:01', FALSE, 'default'
    FROM generate_series(0, $1 - 1) i;
COMMIT;
-- What autovacuum would have done while a real backlog built up (here it would start during the
-- run, on the bulk insert and on the dead rows of the scenarios before): visibility map, hint
-- bits, statistics. The steady-backlog scenario measures polls, not that catch-up.
VACUUM ANALYZE;
SQL
        return
    fi
    python3 - "$DB" "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30)
with db:
    db.executemany("INSERT OR IGNORE INTO web_chat_sessions (id, uid, created_at, last_active, ip_address, metadata, site_id)"
                   " VALUES (?, ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00', '127.0.0.1', '{}', 'default')",
                   [(f"session_seed{i}", f"{i:016x}") for i in range(1000)])
    db.executemany("INSERT INTO web_chat_messages (session_id, message, timestamp, processed, site_id)"
                   " VALUES (?, 'a seeded backlog message', '2026-01-01 00:00:01', 0, 'default')",
                   [(f"session_seed{i % 1000}",) for i in range(int(sys.argv[2]))])
PY
}
drain_inbox() {
    while curl -fsS "${AUTH[@]}" "$BASE/api/v1/?action=inbox&limit=100&offset=0" | grep -q '"messages":\[{'; do :; done
}

# Fixture: a session with 20 agent replies (what a widget polls), and an empty inbox.
REPLY_SESSION="session_bench_replies"
post_message "$REPLY_SESSION" "hello agent"
drain_inbox
for i in $(seq 1 20); do
    curl -fsS -X POST "$BASE/api/v1/?action=outbox" "${AUTH[@]}" \
        -d "{\"session_id\":\"$REPLY_SESSION\",\"response\":\"Agent reply number $i: a typical answer of a sentence or two, long enough to look like real text.\"}" >/dev/null
done

declare -a NAMES RPS P50 P99 ERRS NOTES CPU
# Server CPU time (user + system, in clock ticks) so far: CPU per request is far steadier than
# req/s on a machine where wrk shares the cores with the server.
cpu_ticks() { local pid t=0; for pid in "${PIDS[@]}"; do t=$(( t + $(awk '{print $14 + $15}' "/proc/$pid/stat") )); done; echo "$t"; }
TICK_US=$(( 1000000 / $(getconf CLK_TCK) ))
run_wrk() { # name, note, lua script under scripts/bench (or ""), then wrk arguments ending with the URL
    local name="$1" note="$2" script="$3" out
    local combined="$WORK/scenario.lua"
    case "$script" in
        messages.lua|mixed.lua) cat "$LUA/visitors.lua" "$LUA/$script" "$LUA/report.lua" > "$combined" ;;
        "") cp "$LUA/report.lua" "$combined" ;;
        *) cat "$LUA/$script" "$LUA/report.lua" > "$combined" ;;
    esac
    shift 3
    echo
    echo "== $name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency ${script:+-s scripts/bench/$script }$*" \
        | sed "s/$SANCTUM_API_KEY/<api key>/g"
    local ticks_before ticks_after
    ticks_before="$(cpu_ticks)"
    if [ "$INSTANCES" = 1 ]; then
        out="$("${CLIENT_CPUS[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$combined" "$@")"
    else
        # One wrk per instance at once, each with its share of the connections, on that instance's URL.
        local args=("$@") url="${@: -1}" n wrks=()
        for n in "${!PORTS[@]}"; do
            "${CLIENT_CPUS[@]}" wrk -t"$(( THREADS / INSTANCES > 0 ? THREADS / INSTANCES : 1 ))" -c"$(( CONNECTIONS / INSTANCES ))" -d"$DURATION" \
                --latency -s "$combined" "${args[@]:0:${#args[@]}-1}" "${url/:$PORT\//:${PORTS[$n]}/}" > "$WORK/wrk$n.out" &
            wrks+=($!)
        done
        wait "${wrks[@]}"
        out="$(cat "$WORK"/wrk*.out)"
        out="$out
$(grep -h '^BENCH_RESULT' "$WORK"/wrk*.out | awk '
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      rps += v["rps"]; p50 += v["p50"]; if (v["p99"] > p99) p99 = v["p99"]; req += v["requests"]; err += v["errors"]; non += v["non2xx"]; n++ }
    END { printf "BENCH_RESULT rps=%.0f p50=%.2f p99=%.2f requests=%d errors=%d non2xx=%d\n", rps, p50 / n, p99, req, err, non }')"
        rm -f "$WORK"/wrk*.out
    fi
    ticks_after="$(cpu_ticks)"
    echo "$out"
    local line
    line="$(grep '^BENCH_RESULT' <<<"$out" | tail -n 1)"
    NAMES+=("$name"); NOTES+=("$note")
    LAST_EXTRA="$(grep '^BENCH_EXTRA' <<<"$out" | sed 's/^BENCH_EXTRA //; s/_/ /g' | paste -sd ';' || true)"
    RPS+=("$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")")
    P50+=("$(sed -E 's/.*p50=([0-9.]+).*/\1/' <<<"$line")")
    P99+=("$(sed -E 's/.*p99=([0-9.]+).*/\1/' <<<"$line")")
    ERRS+=("$(sed -E 's/.*errors=([0-9]+) non2xx=([0-9]+).*/\1 (non-2xx \2)/' <<<"$line")")
    local requests
    requests="$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")"
    CPU+=("$(awk -v t=$(( ticks_after - ticks_before )) -v us="$TICK_US" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t * us / n : 0) }')")
}

run_wrk "GET responses (20 replies)" "public widget poll of one session holding 20 replies" "" \
    "$BASE/api/v1/?action=responses&session_id=$REPLY_SESSION"

run_wrk "GET inbox, empty inbox" "agent poll (limit=50, broca headers) with nothing pending" "" \
    -H "Authorization: Bearer $SANCTUM_API_KEY" -H "Content-Type: application/json" \
    -H "User-Agent: Broca2-WebChat-Plugin/1.0" "$BASE/api/v1/?action=inbox&limit=50&offset=0"

run_wrk "POST messages (durable)" "visitor messages over $BENCH_SESSIONS session ids; 200 only after commit" messages.lua \
    "$BASE/api/v1/?action=messages"
PENDING_BEFORE="$(inbox_total)"

trim_backlog "$BACKLOG" "$PENDING_BEFORE"
PENDING_BEFORE="$(inbox_total)"
run_wrk "GET inbox, backlog (drain)" "agent poll (limit=50) on a backlog of $BACKLOG messages left by the previous scenario" backlog.lua \
    "$BASE/api/v1/?action=inbox&limit=50&offset=0"
PENDING_AFTER="$(inbox_total)"
NOTES[3]="${NOTES[3]}: $PENDING_BEFORE pending before, $PENDING_AFTER after; completed polls: $LAST_EXTRA"

drain_inbox
run_wrk "POST messages / GET inbox alternating" "each connection alternates a visitor post and an agent poll (limit=50)" mixed.lua \
    "$BASE/api/v1/"

drain_inbox
seed_backlog "$STEADY_BACKLOG"
PENDING_BEFORE="$(inbox_total)"
BENCH_INBOX_LIMIT=1 run_wrk "GET inbox, steady backlog (limit=1)" "agent poll taking one message at a time" backlog.lua \
    "$BASE/api/v1/?action=inbox&limit=1&offset=0"
PENDING_AFTER="$(inbox_total)"
NOTES[5]="${NOTES[5]}: $PENDING_BEFORE pending before, $PENDING_AFTER after (the rate against the empty inbox above is the point)"

RSS_PEAK="$(for pid in "${PIDS[@]}"; do awk '/VmHWM/ {printf "%s %s ", $2, $3}' "/proc/$pid/status"; done)"
RSS_NOW="$(for pid in "${PIDS[@]}"; do awk '/VmRSS/ {printf "%s %s ", $2, $3}' "/proc/$pid/status"; done)"
SESSIONS_TOTAL="$(curl -fsS -H "Authorization: Bearer $SANCTUM_ADMIN_KEY" "$BASE/api/v1/?action=sessions&active=false&limit=1" | grep -o '"total":[0-9]*' | cut -d: -f2)"
stop_servers
if [ "$DRIVER" = postgres ]; then
    DB_SIZE="$(psql -At "$PSQL_DB" -c 'SELECT pg_database_size(current_database())')"; WAL_SIZE="n/a"
else
    DB_SIZE="$(du -b "$DB" | cut -f1)"
    WAL_SIZE="$( [ -f "$DB-wal" ] && du -b "$DB-wal" | cut -f1 || echo 0)"
fi

echo
echo "== results, $LABEL ($(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); wrk -t$THREADS -c$CONNECTIONS -d$DURATION on the same machine)"
printf '| %-40s | %10s | %9s | %9s | %14s | %-22s |\n' "scenario" "req/s" "p50 ms" "p99 ms" "server CPU µs" "errors"
printf '|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..42})" "$(printf -- '-%.0s' {1..12})" "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..11})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..24})"
for i in "${!NAMES[@]}"; do
    printf '| %-40s | %10s | %9s | %9s | %14s | %-22s |\n' "${NAMES[$i]}" "${RPS[$i]}" "${P50[$i]}" "${P99[$i]}" "${CPU[$i]}" "${ERRS[$i]}"
done
echo "(server CPU µs: the server's user + system CPU time per request during the scenario$([ "$DRIVER" = postgres ] && echo '; the CPU of the PostgreSQL processes is not included'))"
if [ -n "${BENCH_SUMMARY_FILE:-}" ]; then
    for i in "${!NAMES[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$LABEL" "${NAMES[$i]}" "${RPS[$i]}" "${P50[$i]}" "${P99[$i]}" "${CPU[$i]}" >> "$BENCH_SUMMARY_FILE"
    done
fi
echo
for i in "${!NAMES[@]}"; do echo "  ${NAMES[$i]}: ${NOTES[$i]}"; done
echo
echo "server peak RSS (VmHWM): $RSS_PEAK (VmRSS at the end: $RSS_NOW)"
echo "sessions in database: $SESSIONS_TOTAL"
echo "database size after shutdown: $DB_SIZE bytes (+ WAL $WAL_SIZE bytes)"

HOOK_BIN="$(dirname "$BIN")/hook-overhead"
if [ -x "$HOOK_BIN" ]; then
    echo
    echo "== hook dispatcher overhead (issue 3): HookPipeline.prepare with 0, 1 and 5 no-op plugins"
    "$HOOK_BIN" "${BENCH_HOOK_MESSAGES:-200000}"
fi
