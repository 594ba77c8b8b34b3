-- PATCH /api/v1/activities/{id} {"status": …} with If-Match, as clients that read an activity
-- before changing it: the activities (one a line, "ID VERSION STATUS", read through the API
-- before the run) are dealt out to wrk's threads; each thread walks its share round and round,
-- sending each activity's last known version in If-Match and flipping its status between
-- planned and in_progress, and takes the new version and status from the answer. A 412 is
-- a failure (someone else's change came between), counted and printed by status. An activity
-- whose PATCH has not been answered yet is skipped: its next PATCH would carry a version the
-- first one is about to replace, and rightly get 412.
--
--   wrk -s bench/wrk/patch_status.lua URL -- POOL_FILE THREADS TOKEN

local threads = {}
local next_thread = 0

function setup(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
  table.insert(threads, thread)
end

function init(args)
  local file, count = args[1], tonumber(args[2])
  token = args[3]
  ids, versions, statuses = {}, {}, {}
  local n = 0
  for line in io.lines(file) do
    if n % count == tid then
      local id, version, status = line:match("^(%S+) (%d+) (%S+)$")
      ids[#ids + 1] = id
      versions[id] = version
      statuses[id] = status
    end
    n = n + 1
  end
  at = 0
  in_flight = {}
  ok, precondition_failed, other = 0, 0, 0
end

function request()
  -- A thread has far fewer connections than activities, so a free one is always near (an
  -- activity answered with anything but 200 is never freed: the answer does not name it).
  for _ = 1, #ids do
    at = at % #ids + 1
    if not in_flight[ids[at]] then break end
  end
  local id = ids[at]
  in_flight[id] = true
  local to = statuses[id] == "in_progress" and "planned" or "in_progress"
  return wrk.format("PATCH", "/api/v1/activities/" .. id, {
    ["Authorization"] = "Bearer " .. token,
    ["If-Match"] = '"' .. versions[id] .. '"',
    ["Content-Type"] = "application/json",
  }, '{"status":"' .. to .. '"}')
end

function response(status, headers, body)
  local id = body:match('"id":"([^"]+)"')
  if status == 200 then
    ok = ok + 1
    if id then
      in_flight[id] = nil
      versions[id] = body:match('"version":(%d+)')
      statuses[id] = body:match('"status":"([^"]+)"')
    end
  elseif status == 412 then
    precondition_failed = precondition_failed + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a, b, c = 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("ok")
    b = b + thread:get("precondition_failed")
    c = c + thread:get("other")
  end
  io.write(string.format("statuses: 200=%d 412=%d other=%d\n", a, b, c))
end
