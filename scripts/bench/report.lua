-- wrk `done` hook shared by the scenarios: prints one machine-readable line that
-- scripts/bench-api.sh turns into the table (requests/s, p50, p99 in ms, errors).
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH_RESULT rps=%.0f p50=%.2f p99=%.2f requests=%d errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors, summary.errors.status))
  if extra_report then extra_report() end
end
