-- The limit app's stand-in for a write: a small JSON POST.
wrk.method = "POST"
wrk.body = '{"body":"A *short* reply."}'
wrk.headers["Content-Type"] = "application/json"
