-- wrk script for benchmarks/http/run.sh. done() prints one machine-readable RESULT line
-- (latencies in microseconds). With WRK_COUNT=1 in the environment it also defines
-- response(), which counts answers per workspace (the body names it) and non-2xx answers;
-- wrk then parses every body, so counting runs are a little slower than plain ones.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  blue, green, other, non2xx = 0, 0, 0, 0
end

if os.getenv("WRK_COUNT") == "1" then
  function response(status, headers, body)
    if status < 200 or status > 299 then
      non2xx = non2xx + 1
    elseif body == "blue" then
      blue = blue + 1
    elseif body == "green" then
      green = green + 1
    else
      other = other + 1
    end
  end
end

function done(summary, latency, requests)
  local b, g, o, n = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("blue") or 0)
    g = g + (t:get("green") or 0)
    o = o + (t:get("other") or 0)
    n = n + (t:get("non2xx") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d status=%d timeout=%d blue=%d green=%d other=%d non2xx=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, b, g, o, n))
end
