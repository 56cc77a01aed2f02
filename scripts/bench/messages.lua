-- wrk script: POST ?action=messages, spreading the load over BENCH_SESSIONS session ids
-- (default 1000) so that the benchmark creates sessions and appends to many of them.
local sessions = tonumber(os.getenv("BENCH_SESSIONS") or "1000")
local counter = 0
local offset = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 7919)
end

function init(args)
  counter = offset
end

request = function()
  counter = counter + 1
  local sid = string.format("session_bench_%04d", counter % sessions)
  local body = string.format('{"session_id":"%s","message":"benchmark message %d"}', sid, counter)
  return wrk.format("POST", "/api/v1/?action=messages", { ["Content-Type"] = "application/json" }, body)
end
