-- POST /predict with {"text": ...}, rotating over the texts in texts.txt (warmed first by hits.sh, so every
-- request is a cache hit). Run from the repository root, or set WRK_TEXTS to the file's path.
local path = os.getenv("WRK_TEXTS") or "bench/wrk/texts.txt"
local bodies = {}
for line in io.lines(path) do
  if line ~= "" then
    bodies[#bodies + 1] = '{"text":"' .. line .. '"}'
  end
end
assert(#bodies > 0, "no texts in " .. path)

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

-- BENCH_API_KEY, when set, is sent as "Authorization: Bearer <key>" (a gateway with Auth:Keys).
local key = os.getenv("BENCH_API_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end

local counter = 0

request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
end

done = function(summary, latency, requests)
  io.write(string.format("requests %d in %.1f s = %.0f req/s; errors: connect %d, read %d, write %d, status %d, timeout %d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("latency p%-4s %8.3f ms\n", p, latency:percentile(p) / 1000))
  end
end
