-- wrk script for benchmarks/e2e.py: builds the requests of one scenario and checks the CORS
-- headers of every response. Configured through the environment:
--   CORSX_WRK_MODE      get | preflight | mix | flood (see e2e.py and soak.py)
--   CORSX_WRK_CORS      1 when the contestant does CORS (flask-cors, flask_corsx), 0 for bare
--   CORSX_WRK_DISTINCT  mix: size of the origin pool (half allowed, half refused)
--   CORSX_WRK_SEED      flood: makes each run's hostile values unique
-- At the end it prints one line "CORSX_RESULT {json}" with the throughput, latency
-- percentiles (microseconds), wrk's error counts and the response check's counts.

local mode = os.getenv("CORSX_WRK_MODE") or "get"
local cors = os.getenv("CORSX_WRK_CORS") == "1"
local distinct = tonumber(os.getenv("CORSX_WRK_DISTINCT") or "20000")
local seed = os.getenv("CORSX_WRK_SEED") or "0"
local ORIGIN = "https://app.example.com"
local MIX_ALLOWED = 1000

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

-- per thread state (each wrk thread has its own Lua state)
checked, bad, bad_acao, bad_vary, bad_status, bad_other = 0, 0, 0, 0, 0, 0
first_bad = ""
counter = 0
local fixed

function init(args)
  if mode == "get" then
    fixed = wrk.format("GET", "/api/items", {["Origin"] = ORIGIN})
  elseif mode == "preflight" then
    fixed = wrk.format("OPTIONS", "/api/items", {
      ["Origin"] = ORIGIN,
      ["Access-Control-Request-Method"] = "PUT",
      ["Access-Control-Request-Headers"] = "content-type, x-requested-with",
    })
  end
end

local function mix_origin(i)
  if i % 2 == 0 then
    return "https://app" .. (math.floor(i / 2) % MIX_ALLOWED) .. ".example.com"
  end
  return "https://o" .. i .. ".refused.example"
end

function request()
  if fixed then
    return fixed
  end
  counter = counter + 1
  if mode == "mix" then
    -- A stride through the pool, offset per thread: many distinct origins, half allowed.
    local i = (counter * 7919 + tid * 104729) % distinct
    return wrk.format("GET", "/mix/items", {["Origin"] = mix_origin(i)})
  end
  -- flood: every value unique and hostile: Origin, path and requested header names.
  local n = seed .. "-" .. tid .. "-" .. counter
  local origin = "https://h" .. n .. ".attacker.example"
  if counter % 2 == 0 then
    return wrk.format("OPTIONS", "/mix/f" .. n, {
      ["Origin"] = origin,
      ["Access-Control-Request-Method"] = "PUT",
      ["Access-Control-Request-Headers"] = "x-h" .. n .. ", content-type",
    })
  end
  return wrk.format("GET", "/mix/f" .. n, {["Origin"] = origin})
end

local function has_token(list, token)
  if list == nil then return false end
  for part in string.gmatch(list, "[^,]+") do
    if string.lower(part:match("^%s*(.-)%s*$")) == string.lower(token) then return true end
  end
  return false
end

local function is_allowed(origin)
  if origin == ORIGIN then return true end
  local k = origin and origin:match("^https://app(%d+)%.example%.com$")
  return k ~= nil and tonumber(k) < MIX_ALLOWED and mode == "mix"
end

local function fail(kind, status, what)
  bad = bad + 1
  if kind == "acao" then bad_acao = bad_acao + 1
  elseif kind == "vary" then bad_vary = bad_vary + 1
  elseif kind == "status" then bad_status = bad_status + 1
  else bad_other = bad_other + 1 end
  if first_bad == "" then first_bad = kind .. " status=" .. status .. " " .. what end
end

function response(status, headers, body)
  checked = checked + 1
  local h = {}
  for k, v in pairs(headers) do h[string.lower(k)] = v end
  local acao = h["access-control-allow-origin"]
  if mode == "flood" then
    -- Hostile origins are never allowed: no CORS header, but Vary: Origin (FETCH-R1, O2).
    if status ~= 200 then return fail("status", status, "") end
    if acao ~= nil then return fail("acao", status, acao) end
    if cors and not has_token(h["vary"], "Origin") then return fail("vary", status, "") end
    return
  end
  if status ~= 200 and status ~= 204 then return fail("status", status, "") end
  if not cors then
    if acao ~= nil then fail("acao", status, "bare sent " .. acao) end
    return
  end
  if mode == "preflight" then
    if acao ~= ORIGIN then return fail("acao", status, tostring(acao)) end
    if not has_token(h["access-control-allow-methods"], "PUT") then
      return fail("other", status, "ACAM " .. tostring(h["access-control-allow-methods"]))
    end
    local acah = h["access-control-allow-headers"]
    if not (has_token(acah, "content-type") and has_token(acah, "x-requested-with")) then
      return fail("other", status, "ACAH " .. tostring(acah))
    end
  else
    local sent = h["x-echo-origin"]
    if mode == "get" and sent ~= ORIGIN then return fail("other", status, "echo " .. tostring(sent)) end
    if is_allowed(sent) then
      if acao ~= sent then return fail("acao", status, tostring(sent) .. " got " .. tostring(acao)) end
    elseif acao ~= nil then
      return fail("acao", status, tostring(sent) .. " got " .. acao)
    end
  end
  if not has_token(h["vary"], "Origin") then return fail("vary", status, tostring(h["vary"])) end
end

function done(summary, latency, requests)
  local sums = {checked = 0, bad = 0, bad_acao = 0, bad_vary = 0, bad_status = 0, bad_other = 0}
  local first = ""
  for _, t in ipairs(threads) do
    for k, _ in pairs(sums) do sums[k] = sums[k] + (t:get(k) or 0) end
    local f = t:get("first_bad")
    if first == "" and f and f ~= "" then first = f end
  end
  local e = summary.errors
  io.write(string.format(
    'CORSX_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, ' ..
    '"max_us": %d, "err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, ' ..
    '"err_timeout": %d, "checked": %d, "bad": %d, "bad_acao": %d, "bad_vary": %d, ' ..
    '"bad_status": %d, "bad_other": %d, "first_bad": %q}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout,
    sums.checked, sums.bad, sums.bad_acao, sums.bad_vary, sums.bad_status, sums.bad_other,
    first))
end
