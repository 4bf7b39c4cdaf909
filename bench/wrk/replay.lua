-- Replays prepared HTTP requests (bench/lib/wrk.ts writes them): one thread (wrk -t1), each request
-- taken in turn from a file of length-prefixed raw requests ("<bytes>\n<request>" repeated).
--   wrk -t1 ... -s replay.lua URL -- FILE OFFSET MODE
-- MODE `once`: every request is sent at most once (refresh tokens, sessions to log out); past the
-- end of the file it sends a request to a path that does not exist, so the run counts non-2xx
-- answers instead of replaying a spent token. MODE `cycle`: wraps around.
-- OFFSET: how many requests earlier rounds took. When done, prints one line
-- `WRK {json}` with the totals and `next`, the offset for the next round.

requests = {}
count = 0
taken = 0
exhausted = 0
local once = false
local spent

function init(args)
  local file = assert(io.open(args[1], "rb"))
  taken = tonumber(args[2]) or 0
  once = args[3] == "once"
  while true do
    local size = file:read("*l")
    if not size then break end
    count = count + 1
    requests[count] = file:read(tonumber(size))
  end
  file:close()
  assert(count > 0, "no requests in " .. args[1])
  spent = wrk.format("GET", "/__bench_pool_exhausted__")
end

function request()
  taken = taken + 1
  if taken > count then
    if once then
      exhausted = 1
      return spent
    end
    taken = 1
  end
  return requests[taken]
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function done(summary, latency, _)
  local t = threads[1]
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"next":%d,"exhausted":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), t:get("taken"), t:get("exhausted")))
end
