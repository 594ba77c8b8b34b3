-- GET /api/v1/activities/{id} over many activities, as a front end opening one after another:
-- the activities (one a line, "ID …", read through the API before the run) are dealt out to
-- wrk's threads, and each thread walks its share round and round. With the answer cache on,
-- the first read of each activity reads the database and the later ones come from memory.
-- HEADER ("Name: value", e.g. "Cache-Control: no-cache") goes with every request when given.
--
--   wrk -s bench/wrk/get_activity.lua URL -- POOL_FILE THREADS TOKEN [HEADER]

local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end

function init(args)
  local file, count = args[1], tonumber(args[2])
  local headers = { ["Authorization"] = "Bearer " .. args[3] }
  local name, value = (args[4] or ""):match("^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
  requests = {}
  local n = 0
  for line in io.lines(file) do
    if n % count == tid then
      local id = line:match("^(%S+)")
      requests[#requests + 1] = wrk.format("GET", "/api/v1/activities/" .. id, headers)
    end
    n = n + 1
  end
  at = 0
end

function request()
  at = at % #requests + 1
  return requests[at]
end
