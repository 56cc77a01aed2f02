#!/usr/bin/env bash
# Interleaved A/B run of scripts/bench-api.sh: two release binaries, ROUNDS rounds (A, B, A, B …),
# then the median of every figure per binary and B's change against A. Prints numbers; asserts
# nothing. Traffic goes only to 127.0.0.1 (bench-api.sh starts and stops each server).
#
#   scripts/bench-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]      (ROUNDS: 3 unless given)
#
# Build the old binary from another commit in a worktree, for example:
#   git worktree add /tmp/sanctum-old <commit> && (cd /tmp/sanctum-old && swift build -c release --product sanctum)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
A="${1:?usage: bench-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]}"
B="${2:?usage: bench-ab.sh OLD_BINARY NEW_BINARY [ROUNDS]}"
ROUNDS="${3:-3}"
export BENCH_PIN="${BENCH_PIN:-1}"  # server and wrk on separate cores: far less noise between rounds
OUT="$(mktemp -d "${TMPDIR:-/tmp}/sanctum-ab.XXXXXX")"
trap '[ -n "${BENCH_AB_KEEP:-}" ] && cp -r "$OUT" "$BENCH_AB_KEEP"; rm -rf "$OUT"' EXIT

for round in $(seq 1 "$ROUNDS"); do
    for side in A B; do
        bin="$A"; [ "$side" = B ] && bin="$B"
        echo "== round $round, $side: $bin" >&2
        BENCH_BIN="$bin" "$ROOT/scripts/bench-api.sh" > "$OUT/$side.$round.txt" 2>&1 || { cat "$OUT/$side.$round.txt" >&2; exit 1; }
    done
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import re, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def table(path):
    rows = {}
    for line in open(path):
        m = re.match(r"\| (.+?)\s+\|\s+([\d.]+) \|\s+([\d.]+) \|\s+([\d.]+) \|\s+([\d.]+) \|", line)
        if m: rows[m.group(1).strip()] = tuple(float(x) for x in m.group(2, 3, 4, 5))
    rss = re.search(r"peak RSS \(VmHWM\): (\d+) kB", open(path).read())
    return rows, float(rss.group(1)) / 1024 if rss else None
runs = {side: [table(f"{out}/{side}.{r}.txt") for r in range(1, rounds + 1)] for side in "AB"}
print(f"| scenario | figure | A median | B median | B vs A | A rounds | B rounds |")
print("|---|---|---|---|---|---|---|")
for name in runs["A"][0][0]:
    for index, figure in enumerate(["req/s", "p50 ms", "p99 ms", "server CPU µs/request"]):
        a = [rows[name][index] for rows, _ in runs["A"]]
        b = [rows[name][index] for rows, _ in runs["B"]]
        ma, mb = statistics.median(a), statistics.median(b)
        change = (mb - ma) / ma * 100 if ma else 0.0
        print(f"| {name} | {figure} | {ma:g} | {mb:g} | {change:+.1f} % | {', '.join(f'{x:g}' for x in a)} | {', '.join(f'{x:g}' for x in b)} |")
ra = [rss for _, rss in runs["A"] if rss]; rb = [rss for _, rss in runs["B"] if rss]
if ra and rb:
    print(f"| peak RSS | MB | {statistics.median(ra):.1f} | {statistics.median(rb):.1f} | {(statistics.median(rb) / statistics.median(ra) - 1) * 100:+.1f} % | | |")
PY
