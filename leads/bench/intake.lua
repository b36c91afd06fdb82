-- wrk's script for `manage.py bench_intake`: POST one inquiry per request to the intake API.
--
-- Read from the environment (set by leads/bench/intake_load.py):
--   BENCH_INTAKE_TOKEN     the bench source's token (Authorization: Bearer …)
--   BENCH_INTAKE_RUN       the run id; external ids are "<run>-<thread>-<counter>", unique
--   BENCH_INTAKE_CONTACTS  a file of lines "c<TAB>phone<TAB>email" (existing clients, as
--                          typed) and "i<TAB>investment" (codes and names of investments)
--   BENCH_INTAKE_EXISTING  the share of requests that carry an existing client's contact
--   BENCH_INTAKE_IDS       where done() writes "<outcome> <lead id>" of each 201 answer
--
-- Most requests are new people: unique emails on example.com and unique mobile numbers in the
-- 57x range, which the bench clients never use (their numbers come from other prefixes),
-- so a new person is never taken for a client by accident. done() prints one line
-- "intake-result {json}" with the status codes, outcomes and wrk's figures.

local token = os.getenv("BENCH_INTAKE_TOKEN") or ""
local run = os.getenv("BENCH_INTAKE_RUN") or "run"
local existing_share = tonumber(os.getenv("BENCH_INTAKE_EXISTING") or "0.1")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token

local FIRST_NAMES = { "Anna", "Piotr", "Katarzyna", "Tomasz", "Małgorzata", "Paweł", "Zofia", "Łukasz" }
local LAST_NAMES = { "Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Żak" }
local MESSAGES = {
  "Dzień dobry, proszę o kontakt w sprawie mieszkania 3-pokojowego.",
  "Interesuje mnie lokal na parterze z ogródkiem. Czy są jeszcze wolne?",
  "Proszę o cennik i rzut mieszkania 2-pokojowego, finansowanie: kredyt.",
  "",
}

-- Filled by setup() in the main state, read back by done().
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

-- Per thread (each has its own Lua state).
local contacts, investments = {}, {}
local counter = 0
local prefix = ""
statuses, outcomes, ids, id_count = {}, {}, {}, 0

function init(args)
  prefix = run .. "-" .. tid .. "-"
  math.randomseed(os.time() * 100 + tid)
  local path = os.getenv("BENCH_INTAKE_CONTACTS")
  if path then
    for line in io.lines(path) do
      local kind, a, b = line:match("^(%a)\t([^\t]*)\t?([^\t]*)$")
      if kind == "c" then
        table.insert(contacts, { a, b })
      elseif kind == "i" then
        table.insert(investments, a)
      end
    end
  end
end

local function pick(list)
  return list[math.random(#list)]
end

-- Values are made here or read from the bench data: plain text without quotes or
-- backslashes, so quoting is enough to make JSON strings.
local function json_string(value)
  return '"' .. value .. '"'
end

function request()
  counter = counter + 1
  local n = counter
  local draw = math.random()
  local phone, email
  if draw < existing_share and #contacts > 0 then
    local contact = pick(contacts)
    phone, email = contact[1], contact[2]
  else
    local digits = string.format("57%d%06d", tid % 10, n % 1000000)
    phone = "+48 " .. digits:sub(1, 3) .. " " .. digits:sub(4, 6) .. " " .. digits:sub(7, 9)
    email = string.format("bench.%s.%d.%d@example.com", run, tid, n)
    -- Some people give only one of the two.
    local rest = (draw - existing_share) / (1 - existing_share)
    if rest < 0.15 then
      phone = ""
    elseif rest < 0.20 then
      email = ""
    end
  end
  local investment = ""
  if #investments > 0 and math.random() < 0.8 then
    investment = pick(investments)
  end
  local body = "{"
    .. '"external_id":' .. json_string(prefix .. n)
    .. ',"first_name":' .. json_string(pick(FIRST_NAMES))
    .. ',"last_name":' .. json_string(pick(LAST_NAMES))
    .. ',"email":' .. json_string(email)
    .. ',"phone":' .. json_string(phone)
    .. ',"message":' .. json_string(pick(MESSAGES))
    .. ',"investment":' .. json_string(investment)
    .. ',"consents":{"processing":true,"marketing":' .. tostring(n % 3 == 0) .. "}"
    .. ',"utm":{"source":"google","medium":"cpc","campaign":"bench-' .. run .. '"}'
    .. "}"
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 or status == 200 then
    local outcome = body:match('"outcome"%s*:%s*"([%w_]+)"') or "?"
    outcomes[outcome] = (outcomes[outcome] or 0) + 1
    if status == 201 then
      id_count = id_count + 1
      ids[id_count] = outcome .. " " .. (body:match('"id"%s*:%s*(%d+)') or "0")
    end
  end
end

local function merge(into, from)
  for key, value in pairs(from or {}) do
    into[tostring(key)] = (into[tostring(key)] or 0) + value
  end
end

local function json_counts(counts)
  local parts = {}
  for key, value in pairs(counts) do
    table.insert(parts, string.format('"%s":%d', key, value))
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

function done(summary, latency, requests)
  local all_statuses, all_outcomes = {}, {}
  local ids_file = io.open(os.getenv("BENCH_INTAKE_IDS") or "/dev/null", "w")
  for _, thread in ipairs(threads) do
    merge(all_statuses, thread:get("statuses"))
    merge(all_outcomes, thread:get("outcomes"))
    for _, id in ipairs(thread:get("ids") or {}) do
      ids_file:write(id, "\n")
    end
  end
  ids_file:close()
  local errors = summary.errors
  local percentiles = {}
  for _, p in ipairs({ 50, 75, 90, 99, 99.9 }) do
    table.insert(percentiles, string.format('"%s":%d', tostring(p), latency:percentile(p)))
  end
  io.write(string.format(
    'intake-result {"duration_us":%d,"requests":%d,"statuses":%s,"outcomes":%s,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.0f,"max":%d,"percentiles":{%s}}}\n',
    summary.duration, summary.requests, json_counts(all_statuses), json_counts(all_outcomes),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency.mean, latency.max, table.concat(percentiles, ",")
  ))
end
