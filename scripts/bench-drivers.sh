#!/usr/bin/env bash
# One instance on SQLite against one instance on PostgreSQL: runs scripts/bench-api.sh on each
# driver with the same binary and the same scenarios (PostgreSQL on a throwaway cluster that
# scripts/postgres-test-cluster starts on loopback and removes at exit), then prints both side by
# side and the steady-backlog poll rate as a % of the empty-inbox rate per driver. Prints numbers;
# asserts nothing. The PostgreSQL server runs on the same cores as sanctum and wrk.
#
#   scripts/bench-drivers.sh
#
# Tunables: those of scripts/bench-api.sh (BENCH_DURATION, BENCH_SKIP_BUILD=1, BENCH_BIN, …).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SUMMARY="$(mktemp "${TMPDIR:-/tmp}/sanctum-bench-drivers.XXXXXX")"
trap 'rm -f "$SUMMARY"' EXIT
export BENCH_SUMMARY_FILE="$SUMMARY"

if [ -z "${BENCH_BIN:-}" ] && [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    echo "== building release binaries"
    swift build -c release --product sanctum
    swift build -c release --product hook-overhead
fi
export BENCH_SKIP_BUILD=1

echo "== SQLite"
scripts/bench-api.sh
echo
echo "== PostgreSQL"
# The cluster's URL arrives in SANCTUM_TEST_POSTGRES_URL; its `sanctum` database is new and empty.
scripts/postgres-test-cluster -- bash -c 'BENCH_DATABASE="$SANCTUM_TEST_POSTGRES_URL" exec scripts/bench-api.sh'

echo
echo "== SQLite vs PostgreSQL, one instance each ($(nproc) cores, wrk, sanctum and PostgreSQL on the same machine)"
awk -F'\t' '
    { key = $2; if (!(key in seen)) { order[n++] = key; seen[key] = 1 } rps[$1, key] = $3; p99[$1, key] = $5 }
    END {
        printf "| %-40s | %12s | %12s | %14s | %14s |\n", "scenario", "SQLite req/s", "PG req/s", "SQLite p99 ms", "PG p99 ms"
        printf "|%s|%s|%s|%s|%s|\n", "------------------------------------------", "--------------", "--------------", "----------------", "----------------"
        for (i = 0; i < n; i++) {
            k = order[i]
            printf "| %-40s | %12s | %12s | %14s | %14s |\n", k, rps["sqlite", k], rps["postgres", k], p99["sqlite", k], p99["postgres", k]
        }
        empty = "GET inbox, empty inbox"; steady = "GET inbox, steady backlog (limit=1)"
        for (d = 0; d < 2; d++) {
            driver = d == 0 ? "sqlite" : "postgres"
            if (rps[driver, empty] > 0)
                printf "%s: steady 100,000 backlog at %.0f %% of the empty-inbox rate\n", driver, 100 * rps[driver, steady] / rps[driver, empty]
        }
    }' "$SUMMARY"
