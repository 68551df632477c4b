-- wrk script posting AdmissionReviews (tests/webhook/soak.sh, bench/webhook.sh). Every request
-- is a new review (its own uid) of a Pod running $REVIEW_SIGNED (a signed image by tag: after
-- the first, a cache hit); with $REVIEW_PUBLIC set, every other one runs an image never seen
-- before under it instead (a static validator: a cache miss, a new entry, evictions past
-- maxEntries). Every answer must be 200 with "allowed":true; the wrong ones are counted and
-- printed at the end with the latency percentiles.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local signed = assert(os.getenv("REVIEW_SIGNED"), "REVIEW_SIGNED is not set")
local public = os.getenv("REVIEW_PUBLIC")
local template = '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":' ..
    '{"uid":"%s","kind":{"group":"","version":"v1","kind":"Pod"},' ..
    '"resource":{"group":"","version":"v1","resource":"pods"},"name":"soak","namespace":"default",' ..
    '"operation":"CREATE","userInfo":{"username":"soak"},"object":{"apiVersion":"v1","kind":"Pod",' ..
    '"metadata":{"name":"soak","namespace":"default"},"spec":{"containers":[{"name":"c","image":"%s"}]}},' ..
    '"oldObject":null,"dryRun":false}}'
local threads = {}
local counter = 0

function setup(thread)
    thread:set("id", #threads)
    table.insert(threads, thread)
end

function init(args)
    wrong = 0
end

function request()
    counter = counter + 1
    local uid = string.format("review-%d-%d", id, counter)
    local image = signed
    if public and counter % 2 == 1 then
        image = string.format("%s/app-%d-%d:v1", public, id, counter)
    end
    return wrk.format(nil, nil, nil, string.format(template, uid, image))
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
