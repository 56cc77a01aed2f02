-- wrk script: the agent poll (GET ?action=inbox&limit=50 with broca's headers) against a
-- backlog of pending messages. Counts how many polls actually carried messages, since a fast
-- server drains any realistic backlog in well under the run time; the rest were empty polls.
-- BENCH_INBOX_LIMIT (50) sets the page size: 1 keeps a seeded backlog in place for the run.
local key = os.getenv("BENCH_API_KEY")
local limit = os.getenv("BENCH_INBOX_LIMIT") or "50"
local all_threads = {}
carrying = 0
delivered = 0

function setup(thread)
  table.insert(all_threads, thread)
end

request = function()
  return wrk.format("GET", "/api/v1/?action=inbox&limit=" .. limit .. "&offset=0", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "Broca2-WebChat-Plugin/1.0",
  })
end

response = function(status, headers, body)
  if string.find(body, '"messages":[{', 1, true) then
    carrying = carrying + 1
    local _, n = string.gsub(body, '"session_id":', "")
    delivered = delivered + n
  end
end

extra_report = function()
  local polls, messages = 0, 0
  for _, thread in ipairs(all_threads) do
    polls = polls + thread:get("carrying")
    messages = messages + thread:get("delivered")
  end
  io.write(string.format("BENCH_EXTRA polls_with_messages=%d messages_delivered=%d\n", polls, messages))
end
