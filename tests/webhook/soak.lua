-- wrk script for soak.sh: every request a new AdmissionReview (its own uid); even requests
-- admit the signed image in $SOAK_SIGNED (a cache hit after the first), odd ones an image never
-- seen before under $SOAK_PUBLIC (a static validator: a cache miss, a new entry, evictions
-- past maxEntries). Every answer must be 200 with "allowed":true; the wrong ones are counted.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local signed = os.getenv("SOAK_SIGNED")
local public = os.getenv("SOAK_PUBLIC")
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
    local uid = string.format("soak-%d-%d", id, counter)
    local image = signed
    if counter % 2 == 1 then
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
end
