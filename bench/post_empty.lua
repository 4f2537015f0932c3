-- The limit app's stand-in for a write: a small JSON POST.
wrk.method = "POST"
wrk.body = '{"body":"A *short* reply."}'
wrk.headers["Content-Type"] = "application/json"

done = function(summary, latency, requests)
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("p%d_us %d\n", p, latency:percentile(p)))
  end
end
