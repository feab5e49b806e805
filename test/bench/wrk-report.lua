-- wrk script of `npm run bench:compare`.
--   wrk ... -s wrk-report.lua <url> -- [METHOD BODIES_FILE [timed]]   (BODIES_FILE "" for none)
-- With a bodies file (one request body per line), every request is a METHOD with the next body
-- (each thread starts at its own offset) and Content-Type: application/json. Without one, the
-- plain request of the URL is sent. At the end one line "WRK_JSON {...}" gives the totals and
-- the latency percentiles in microseconds.
-- "timed" (pass it only when every thread holds one connection, -t equal to -c) also times each
-- request from its request() to its response() with clock_gettime(CLOCK_MONOTONIC) and reports
-- those latencies as they were ("uncorrectedUs"): wrk's own figures ("latencyUs") include the
-- samples its coordinated-omission correction adds after the run. With one connection a thread
-- has at most one request outstanding, so each answer belongs to the last request sent.

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } report_timespec;
  int clock_gettime(int clock, report_timespec *ts);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("report_timespec")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local bodies = {}
local count = 0
local index = 0
local timed = false
local started = nil
-- this thread's latencies in µs, read by done() through thread:get
lat = {}

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local method = args[1]
  local file = args[2]
  timed = args[3] == "timed"
  if timed then response = response_timed end
  if file ~= nil and #file > 0 then
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
  if timed then started = now_us() end
  if count == 0 then
    return wrk.format()
  end
  index = index % count + 1
  return wrk.format(nil, nil, nil, bodies[index])
end

-- installed as response() only when timing: wrk parses the headers of every answer for a script that has one
function response_timed(status, headers, body)
  if started ~= nil then
    lat[#lat + 1] = math.floor(now_us() - started + 0.5)
    started = nil
  end
end

local function uncorrected()
  local all = {}
  for _, t in ipairs(threads) do
    local l = t:get("lat")
    for i = 1, #l do all[#all + 1] = l[i] end
  end
  if #all == 0 then return "null" end
  table.sort(all)
  local sum = 0
  for i = 1, #all do sum = sum + all[i] end
  local function pct(p)
    local k = math.floor(p / 100 * #all) + 1
    if k > #all then k = #all end
    return all[k]
  end
  return string.format('{"samples":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f}',
    #all, pct(50), pct(90), pct(99), pct(99.9), all[#all], sum / #all)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%.1f},"uncorrectedUs":%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
    uncorrected()))
end
