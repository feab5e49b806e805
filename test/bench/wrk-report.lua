-- wrk script of `npm run bench:compare`.
--   wrk ... -s wrk-report.lua <url> -- [METHOD BODIES_FILE]
-- With a bodies file (one request body per line), every request is a METHOD with the next body
-- (each thread starts at its own offset) and Content-Type: application/json. Without one, the
-- plain request of the URL is sent. At the end one line "WRK_JSON {...}" gives the totals and
-- the latency percentiles in microseconds.

local bodies = {}
local count = 0
local index = 0

function init(args)
  local method = args[1]
  local file = args[2]
  if file ~= nil then
    for line in io.lines(file) do
      if #line > 0 then
        count = count + 1
        bodies[count] = line
      end
    end
    wrk.method = method
    wrk.headers["Content-Type"] = "application/json"
    index = math.random(count) - 1
  end
end

function request()
  if count == 0 then
    return wrk.format()
  end
  index = index % count + 1
  return wrk.format(nil, nil, nil, bodies[index])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
