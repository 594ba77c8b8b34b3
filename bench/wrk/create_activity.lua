-- POST /api/v1/activities, each request a distinct activity (title numbered by thread and
-- request) for one team and goal. Answers other than 201 are counted and printed.
--
--   wrk -s bench/wrk/create_activity.lua URL -- TEAM_ID GOAL_ID TOKEN

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  team, goal, token = args[1], args[2], args[3]
  n = 0
  created, other = 0, 0
end

function request()
  n = n + 1
  local body = string.format(
    '{"team_id":"%s","goal_id":"%s","title":"Studiebesök %d.%d: trygghetsvandring",' ..
    '"responsible":"Arbetslagsledaren","due_date":"2011-%02d-%02d"}',
    team, goal, tid, n, 1 + n % 12, 1 + n % 28)
  return wrk.format("POST", "/api/v1/activities", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function response(status, headers, body)
  if status == 201 then created = created + 1 else other = other + 1 end
end

function done(summary, latency, requests)
  local a, b = 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("created")
    b = b + thread:get("other")
  end
  io.write(string.format("statuses: 201=%d other=%d\n", a, b))
end
