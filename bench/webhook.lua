-- wrk script for bench/webhook.sh: POSTs the AdmissionReview in $REVIEW_FILE and counts every
-- answer that is not "200 with allowed: true" (printed at the end: a benchmark of wrong answers
-- would be worthless).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("REVIEW_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    wrong = 0
end

function response(status, headers, body)
    if status ~= 200 or not string.find(body, '"allowed":true', 1, true) then
        wrong = wrong + 1
    end
end

function done(summary, latency, requests)
    local total = 0
    for _, t in ipairs(threads) do
        total = total + t:get("wrong")
    end
    io.write(string.format("wrong answers: %d\n", total))
    io.write(string.format("p50_us %d p99_us %d max_us %d\n", latency:percentile(50),
        latency:percentile(99), latency.max))
end
