#!/usr/bin/env bash
# One instance on SQLite, one on PostgreSQL, and two on one PostgreSQL database, in one run:
# scripts/bench-api.sh on each with the same binary and the same scenarios (PostgreSQL on a
# throwaway cluster that scripts/postgres-test-cluster starts on loopback and removes at exit;
# BENCH_INSTANCES=2 splits wrk's connections over both instances), then the three side by side and
# the steady-backlog poll rate as a % of the empty-inbox rate of each. Then scripts/bench-latency.py
# measures the visitor → agent long-poll latency on SQLite, on PostgreSQL, and across two
# PostgreSQL instances (the visitor posts to one, the agent waits on the other). Prints numbers;
# asserts nothing. The PostgreSQL server runs on the same cores as sanctum and wrk.
#
#   scripts/bench-drivers.sh
#
# Tunables: those of scripts/bench-api.sh (BENCH_DURATION, BENCH_SKIP_BUILD=1, BENCH_BIN, …),
# BENCH_LATENCY=0 (skip the latency runs; they need the e2e Python packages: websockets,
# playwright), BENCH_LATENCY_MESSAGES (1000).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SUMMARY="$(mktemp "${TMPDIR:-/tmp}/sanctum-bench-drivers.XXXXXX")"
export BENCH_LATENCY_FILE="$SUMMARY.latency"
trap 'rm -f "$SUMMARY" "$BENCH_LATENCY_FILE"' EXIT
export BENCH_SUMMARY_FILE="$SUMMARY"

if [ -z "${BENCH_BIN:-}" ] && [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "== building release binaries"
    swift build -c release --product sanctum
    swift build -c release --product hook-overhead
fi
export BENCH_SKIP_BUILD=1
export BENCH_BIN_PATH="${BENCH_BIN:-$(swift build -c release --show-bin-path)/sanctum}"

echo "== SQLite"
scripts/bench-api.sh
echo
echo "== PostgreSQL: one instance, then two instances on a second database of the same cluster"
# The cluster's URL arrives in SANCTUM_TEST_POSTGRES_URL; its `sanctum` database is new and empty.
scripts/postgres-test-cluster -- bash -c '
    set -euo pipefail
    url="$SANCTUM_TEST_POSTGRES_URL"
    BENCH_DATABASE="$url" scripts/bench-api.sh
    echo
    psql -q "$url" -c "CREATE DATABASE sanctum_two" -c "CREATE DATABASE sanctum_latency_one" -c "CREATE DATABASE sanctum_latency_two"
    BENCH_INSTANCES=2 BENCH_DATABASE="${url%/*}/sanctum_two" scripts/bench-api.sh
    if [ "${BENCH_LATENCY:-1}" = 1 ]; then
        echo
        echo "== visitor → agent long-poll latency: SQLite, PostgreSQL with one instance, and across two instances"
        export SANCTUM_BIN="$BENCH_BIN_PATH"
        python3 scripts/bench-latency.py --skip widget,idle --messages "${BENCH_LATENCY_MESSAGES:-1000}" | tee -a "$BENCH_LATENCY_FILE"
        python3 scripts/bench-latency.py --skip widget,idle --messages "${BENCH_LATENCY_MESSAGES:-1000}" \
            --database "${url%/*}/sanctum_latency_one" | tee -a "$BENCH_LATENCY_FILE"
        python3 scripts/bench-latency.py --skip widget,idle --messages "${BENCH_LATENCY_MESSAGES:-1000}" \
            --database "${url%/*}/sanctum_latency_two" --instances 2 | tee -a "$BENCH_LATENCY_FILE"
    fi
'

echo
echo "== SQLite vs PostgreSQL, one instance each, and PostgreSQL with two instances ($(nproc) cores, wrk, sanctum and PostgreSQL on the same machine)"
awk -F'\t' '
    { key = $2; if (!(key in seen)) { order[n++] = key; seen[key] = 1 } rps[$1, key] = $3; p99[$1, key] = $5 }
    END {
        printf "| %-40s | %12s | %12s | %12s | %10s | %10s | %10s |\n", "scenario", "SQLite req/s", "PG req/s", "PG×2 req/s", "SQLite p99", "PG p99", "PG×2 p99"
        printf "|%s|%s|%s|%s|%s|%s|%s|\n", "------------------------------------------", "--------------", "--------------", "--------------", "------------", "------------", "------------"
        for (i = 0; i < n; i++) {
            k = order[i]
            printf "| %-40s | %12s | %12s | %12s | %10s | %10s | %10s |\n", k, rps["sqlite", k], rps["postgres", k], rps["postgres-2", k], p99["sqlite", k], p99["postgres", k], p99["postgres-2", k]
        }
        empty = "GET inbox, empty inbox"; steady = "GET inbox, steady backlog (limit=1)"
        split("sqlite postgres postgres-2", drivers, " ")
        for (d = 1; d <= 3; d++) {
            driver = drivers[d]
            if (rps[driver, empty] > 0)
                printf "%s: steady 100,000 backlog at %.0f %% of the empty-inbox rate\n", driver, 100 * rps[driver, steady] / rps[driver, empty]
        }
    }' "$SUMMARY"
if [ -s "$BENCH_LATENCY_FILE" ]; then
    echo
    echo "long-poll latency (p50, p99, max over the messages):"
    grep "agent inbox" "$BENCH_LATENCY_FILE" | sed "s/^/  /" | paste -d " " - <(printf "(SQLite)\n(PostgreSQL)\n(PostgreSQL, two instances)\n")
fi
