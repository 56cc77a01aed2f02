-- Shared by the visitor scenarios (prepended by scripts/bench-api.sh): each wrk thread counts
-- from its own offset and spreads messages over BENCH_SESSIONS session ids (default 1000).
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

-- The next request number of this thread.
function next_count()
  counter = counter + 1
  return counter
end

-- A visitor POST ?action=messages to session `<prefix>_<n mod sessions>`.
function visitor_post(prefix, n)
  local sid = string.format("%s_%04d", prefix, n % sessions)
  local body = string.format('{"session_id":"%s","message":"%s message %d"}', sid, prefix, n)
  return wrk.format("POST", "/api/v1/?action=messages", { ["Content-Type"] = "application/json" }, body)
end
