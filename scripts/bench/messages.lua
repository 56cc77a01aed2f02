-- wrk script: POST ?action=messages, spreading the load over BENCH_SESSIONS session ids
-- (default 1000) so that the benchmark creates sessions and appends to many of them.
request = function()
  return visitor_post("session_bench", next_count())
end
