-- wrk script: each connection alternates a visitor POST ?action=messages with an agent
-- GET ?action=inbox&limit=50 (the broca poll, with its headers), so the inbox is never empty
-- for long and every poll delivers (and marks) the few messages posted since the last one.
local sessions = tonumber(os.getenv("BENCH_SESSIONS") or "1000")
local key = os.getenv("BENCH_API_KEY")
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
  if counter % 2 == 0 then
    local sid = string.format("session_mixed_%04d", counter % sessions)
    local body = string.format('{"session_id":"%s","message":"mixed message %d"}', sid, counter)
    return wrk.format("POST", "/api/v1/?action=messages", { ["Content-Type"] = "application/json" }, body)
  end
  return wrk.format("GET", "/api/v1/?action=inbox&limit=50&offset=0", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "Broca2-WebChat-Plugin/1.0",
  })
end
