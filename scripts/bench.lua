-- wrk script of scripts/bench: rotates over the requests listed in a file and counts statuses.
--
--   wrk ... -s scripts/bench.lua <url> -- <requests file> [<JSON body file>]
--
-- Each line of the requests file is  METHOD <TAB> PATH <TAB> HEADER-NAME: VALUE
-- (a session cookie or a bearer token); with a body file every request carries that body as
-- JSON. Each wrk thread starts at a different place in the list. done() prints one line,
-- starting with "BENCH", of figures for scripts/bench to read.

local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

local requests = {}
local position = 1
local body = nil
statuses = {}

function init(args)
  local path = args[1]
  assert(path, "usage: -- <requests file> [<body file>]")
  local json = args[2] ~= nil
  for line in io.lines(path) do
    local method, target, header = line:match("^(%u+)\t([^\t]+)\t?([^\t]*)$")
    if method then
      local headers = {}
      local name, value = header:match("^([^:]+):%s*(.*)$")
      if name then
        headers[name] = value
      end
      if json then
        headers["Content-Type"] = "application/json"
      end
      table.insert(requests, { method = method, path = target, headers = headers })
    end
  end
  assert(#requests > 0, "no requests in " .. path)
  if json then
    local f = assert(io.open(args[2], "r"))
    body = f:read("*a")
    f:close()
  end
  local stride = math.max(1, math.floor(#requests / 7))
  position = (((thread_id or 1) - 1) * stride) % #requests + 1
end

function request()
  local r = requests[position]
  position = position % #requests + 1
  return wrk.format(r.method, r.path, r.headers, body)
end

function response(status, headers, content)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, reqs)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses") or {}) do
      total[status] = (total[status] or 0) + n
    end
  end
  local codes, unexpected = {}, 0
  for status, n in pairs(total) do
    table.insert(codes, status .. ":" .. n)
    if status < 200 or status >= 400 then
      unexpected = unexpected + n
    end
  end
  table.sort(codes)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      .. "unexpected=%d socket_errors=%d connect=%d read=%d write=%d timeout=%d statuses=%s\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    unexpected, e.connect + e.read + e.write + e.timeout,
    e.connect, e.read, e.write, e.timeout, table.concat(codes, ",")))
end
