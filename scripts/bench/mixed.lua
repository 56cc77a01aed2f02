-- wrk script: each connection alternates a visitor POST ?action=messages with an agent
-- GET ?action=inbox&limit=50 (the broca poll, with its headers), so the inbox is never empty
-- for long and every poll delivers (and marks) the few messages posted since the last one.
local key = os.getenv("BENCH_API_KEY")

request = function()
  local n = next_count()
  if n % 2 == 0 then return visitor_post("session_mixed", n) end
  return wrk.format("GET", "/api/v1/?action=inbox&limit=50&offset=0", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "Broca2-WebChat-Plugin/1.0",
  })
end
