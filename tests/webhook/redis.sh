#!/usr/bin/env bash
# signet-webhook's Redis client and shared verdict cache against a real redis-server (plain, with
# a password and an ACL user, over TLS), through redis_probe (tests/webhook/redis_probe.c): the
# exact values and expiries in Redis, exact error messages, passwords never shown, a server that
# does not answer, Redis stopped mid-run while the cache keeps serving, values planted in Redis
# without the replicas' secret ignored, and signed values put back after they expired ignored.
#
# Environment (set by CTest): REDIS_PROBE, the probe binary.
set -u
# The checks, make_server_cert and the private HOME of the registry tests (no registry started).
# shellcheck source=SCRIPTDIR/../registry/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../registry/lib.sh"

[ -n "${REDIS_PROBE:-}" ] && [ -x "$REDIS_PROBE" ] ||
    die "REDIS_PROBE is not set to the redis_probe binary (run through ctest)"
for tool in redis-server redis-cli openssl; do
    command -v "$tool" >/dev/null ||
        die "$tool not found: these tests need redis-server, redis-cli and openssl; scripts/install-deps.sh installs them"
done
[ -x "$PY" ] || die "$PY not found"

DIGEST=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
EVIL_DIGEST=sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
HMAC_KEY='redis-probe-test-secret:0123456789abcdef' # what redis.hmacKeyFile would hold
HK=(--hmac-key "$HMAC_KEY")
PW='pw:s@cret-4417' # ':' and '@' must be percent-encoded in a URL
PW_URL='pw%3As%40cret-4417'
WRONG_PW='not-the-password-7731'
ALICE_PW='alice-pw-5521'

CERTS=$TEST_TMP/certs
mkdir -p "$CERTS/good" "$CERTS/other"
make_server_cert "$CERTS/good"  # CA and server certificate for IP 127.0.0.1
make_server_cert "$CERTS/other" # another CA

# --- servers ------------------------------------------------------------------------------------

_pids=()
stop_servers() {
    local pid
    for pid in "${_pids[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    _pids=()
}
at_exit stop_servers

# start_redis DIR PORT [--tls] [redis-server options...]: a redis-server on 127.0.0.1; PORT 0
# picks a free one. With --tls it speaks only TLS, with the "good" certificate. Sets RPORT, RPID.
start_redis() {
    local dir=$1 want=$2 tls=0 port deadline
    local -a listen
    shift 2
    if [ "${1:-}" = --tls ]; then
        tls=1
        shift
    fi
    mkdir -p "$dir"
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$want
        [ "$port" = 0 ] && port=$((20000 + RANDOM % 40000))
        listen=(--port "$port")
        [ $tls = 1 ] && listen=(--port 0 --tls-port "$port" --tls-auth-clients no
            --tls-cert-file "$CERTS/good/server.crt" --tls-key-file "$CERTS/good/server.key"
            --tls-ca-cert-file "$CERTS/good/ca.crt")
        : >"$dir/redis.log"
        $_pdeathsig redis-server --bind 127.0.0.1 "${listen[@]}" --dir "$dir" --save '' \
            --appendonly no --protected-mode no --logfile "$dir/redis.log" "$@" &
        RPID=$!
        RPORT=$port
        _pids+=("$RPID")
        deadline=$((SECONDS + 20))
        while [ "$SECONDS" -lt "$deadline" ]; do
            grep -q "Ready to accept connections" "$dir/redis.log" && return 0
            kill -0 "$RPID" 2>/dev/null || break
            sleep 0.05
        done
        kill "$RPID" 2>/dev/null
        wait "$RPID" 2>/dev/null
        [ "$want" = 0 ] && grep -q "Address already in use" "$dir/redis.log" && continue
        die "redis-server did not start on port $port: $(tail -5 "$dir/redis.log")"
    done
    die "redis-server found no free port in 10 tries"
}

stop_redis() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

# A TCP server that accepts connections (the kernel's backlog does) and never answers.
start_silent_server() {
    local portfile=$TEST_TMP/silent.port deadline=$((SECONDS + 20))
    $_pdeathsig "$PY" -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
time.sleep(3600)' >"$portfile" &
    _pids+=("$!")
    while [ ! -s "$portfile" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.05; done
    SILENT_PORT=$(cat "$portfile")
    [ -n "$SILENT_PORT" ] || die "the silent server did not start"
}

# --- checks -------------------------------------------------------------------------------------

probe() {
    run "$REDIS_PROBE" "$@"
}

# The probe failed with exactly MESSAGE (its stderr line) and printed nothing.
expect_error() {
    expect_status 1
    expect_stdout_empty
    expect_stderr_contains "redis_probe: $1"
}

expect_stdout_is() {
    expect_eq "$(cat "$RUN_OUT")" "$1" "stdout is '$1'"
}

# probe_script FILE ARGS...: the probe reading commands from FILE.
probe_script() {
    local file=$1
    shift
    run sh -c 'f=$1; shift; exec "$@" <"$f"' sh "$file" "$REDIS_PROBE" "$@"
}

# The probe in the background (a coprocess), asked one command at a time: for what must happen
# between two commands (a server stopped or started).
probe_start() {
    coproc PROBE { exec "$REDIS_PROBE" "$@" 2>"$TEST_DIR/probe.err"; }
    _pids+=("$PROBE_PID")
    PROBE_IN=${PROBE[1]}
    PROBE_OUT=${PROBE[0]}
}

ask() {
    LAST_CMD="(probe) $1"
    ANSWER=
    printf '%s\n' "$1" >&"$PROBE_IN" && IFS= read -r -t 30 ANSWER <&"$PROBE_OUT" ||
        ANSWER="(no answer)"
}

# ask_expect COMMAND EXPECTED: one check that the answer is exactly EXPECTED.
ask_expect() {
    ask "$1"
    expect_eq "$ANSWER" "$2" "$1 -> $2"
}

# The previous command took less than MS milliseconds.
expect_fast() {
    ask elapsed
    local ms=${ANSWER#ms=}
    if [ "$ANSWER" != "ms=$ms" ] || [ "$ms" -ge "$1" ]; then
        not_ok "answered within $1 ms" "got $ANSWER"
    else
        ok "answered within $1 ms ($ms ms)"
    fi
}

probe_stop() {
    exec {PROBE_IN}>&-
    wait "$PROBE_PID" 2>/dev/null
}

# signed KEY BODY [SECRET]: BODY as the verdict cache writes it under KEY, "BODY|<hex HMAC-SHA256
# of KEY, a NUL byte and BODY>", computed here with openssl. BODY is "v3|<expiry>|<kind>|...".
signed() {
    local mac
    mac=$(printf '%s\0%s' "$1" "$2" | openssl dgst -sha256 -hmac "${3:-$HMAC_KEY}" -r) ||
        die "openssl dgst -hmac failed"
    printf '%s|%s' "$2" "${mac%% *}"
}

# expect_stored KEY REST TTL SINCE: Redis holds, under KEY, the value a replica writes for REST
# ("<kind>|<digest>|<reason>") with TTL: signed, its expiry between SINCE + TTL and now + TTL
# (SINCE: the Unix time before the write).
expect_stored() {
    local got expiry now
    now=$(date +%s)
    got=$(redis-cli -p "$RPORT" GET "$1")
    expiry=${got#v3|}
    expiry=${expiry%%|*}
    check "'$1' is stored as v3|<expiry>|$2|<mac>" test "$got" = "$(signed "$1" "v3|$expiry|$2")"
    check "'$1' expires $3 s after it was written (got $expiry, written at $4..$now)" \
        test "$expiry" -ge $(($4 + $3)) -a "$expiry" -le $((now + $3))
}

no_secret_shown() {
    local s
    for s in "$@"; do
        check "'$s' appears in no output" bash -c '! grep -qF -- "$1" "$2" "$3"' sh "$s" \
            "$ALL_OUTPUT" "$TEST_DIR/probe.err"
    done
}

# --- tests --------------------------------------------------------------------------------------

new_test "invalid URLs are refused, without showing the password"
: >"$TEST_DIR/probe.err"
probe 'http://127.0.0.1' get k
expect_error "invalid redis URL 'http://127.0.0.1': the scheme must be redis:// or rediss://"
probe 'redis://user:sekrit-1905@127.0.0.1:99999' get k
expect_error "invalid redis URL 'redis://***@127.0.0.1:99999': bad port '99999'"
probe 'redis://user:sekrit/1905:99@127.0.0.1:99999' get k # a raw '/' and ':' in the password
expect_error "invalid redis URL 'redis://***@127.0.0.1:99999': bad port '99999'"
probe 'redis://127.0.0.1:' get k
expect_error "invalid redis URL 'redis://127.0.0.1:': bad port ''"
probe 'redis://[::1' get k
expect_error "invalid redis URL 'redis://[::1': no ']' after the IPv6 address"
probe 'redis://::1:6379' get k
expect_error "invalid redis URL 'redis://::1:6379': an IPv6 address must be in brackets"
probe 'redis://' get k
expect_error "invalid redis URL 'redis://': no host"
probe 'rediss://:sekrit-1905@127.0.0.1/x' get k
expect_error "invalid redis URL 'rediss://***@127.0.0.1/x': bad database number 'x'"
probe 'redis://127.0.0.1?db=2' get k
expect_error "invalid redis URL 'redis://127.0.0.1?db=2': unexpected '?db=2'"
probe 'redis://alice@127.0.0.1' get k
expect_error "invalid redis URL 'redis://***@127.0.0.1': a user name needs a password"
probe 'redis://:sekrit%zz@127.0.0.1' get k
expect_error "invalid redis URL 'redis://***@127.0.0.1': bad percent-encoding in the password"
probe --ca-file "$CERTS/good/ca.crt" 'redis://127.0.0.1:6379' get k
expect_error "redis URL 'redis://127.0.0.1:6379': a CA file and insecure_skip_verify apply to rediss:// only"
probe --ca-file "$TEST_DIR/missing.crt" 'rediss://127.0.0.1:6379' get k
expect_error "redis '127.0.0.1:6379': cannot load the CA file '$TEST_DIR/missing.crt': No such file or directory"
probe --ca-file "$CERTS/good/server.key" 'rediss://127.0.0.1:6379' get k
expect_error "redis '127.0.0.1:6379': cannot load the CA file '$CERTS/good/server.key': no certificate or crl found"
probe --ca-file "$TEST_DIR/missing.crt" 'rediss://[::1]:6379/1' get k # host and port parsed
expect_error "redis '[::1]:6379': cannot load the CA file '$TEST_DIR/missing.crt': No such file or directory"
no_secret_shown sekrit

new_test "GET and SET: round trip, expiry, database, limits"
start_redis "$TEST_DIR/redis" 0
URL=redis://127.0.0.1:$RPORT
probe "$URL" set greeting hello 60
expect_status 0
expect_stdout_is ok
probe "$URL" get greeting
expect_stdout_is "found hello"
check "redis has the value" test "$(redis-cli -p "$RPORT" GET greeting)" = hello
check "with its expiry" test "$(redis-cli -p "$RPORT" TTL greeting)" = 60
probe "$URL" get absent
expect_status 0
expect_stdout_is missing
probe "$URL" set brief x 1
expect_stdout_is ok
pttl=$(redis-cli -p "$RPORT" PTTL brief)
check "SET with a 1 s TTL: 0 < PTTL <= 1000 (got $pttl)" test "$pttl" -gt 0 -a "$pttl" -le 1000
# Redis's own expiry, observed by polling (not a sleep that hopes).
gone=0
for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$RPORT" EXISTS brief)" = 0 ] && gone=1 && break
    sleep 0.05
done
check "the key expired within 5 s" test "$gone" = 1
probe "$URL" get brief
expect_stdout_is missing
probe "$URL" set k v 0
expect_error "redis SET needs an expiry"
probe "$URL/2" set indb v2 60
expect_stdout_is ok
check "/2 selected database 2" test "$(redis-cli -p "$RPORT" -n 2 GET indb)" = v2
check "and not database 0" test "$(redis-cli -p "$RPORT" -n 0 EXISTS indb)" = 0
probe "$URL/99" get k
expect_error "redis '127.0.0.1:$RPORT' refused SELECT: 'ERR DB index is out of range'"
head -c 20000 /dev/zero | tr '\0' x | redis-cli -p "$RPORT" -x SET big >/dev/null
probe "$URL" get big
expect_error "reply to GET from redis '127.0.0.1:$RPORT' over 16416 bytes"
conns() { redis-cli -p "$RPORT" INFO stats | sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p'; }
before=$(conns)
probe "$URL" hammer 16 300 # 16 threads share the pool's 8 connections
expect_stdout_is ok
opened=$(($(conns) - before - 1)) # not counting the second redis-cli
check "the threads used several connections, at most 8 (got $opened)" test "$opened" -ge 2 -a "$opened" -le 8
check "every thread's keys are there" test "$(redis-cli -p "$RPORT" EVAL "return #redis.call('KEYS', 'hammer-*')" 0)" = 4800
redis-cli -p "$RPORT" RPUSH alist a >/dev/null
probe "$URL" get alist
expect_error "redis '127.0.0.1:$RPORT' refused GET: 'WRONGTYPE Operation against a key holding the wrong kind of value'"
stop_redis "$RPID"

new_test "a server that never answers: timeouts, then backoff"
start_silent_server
printf '%s\n' "get k" "get k" >cmds
probe_script cmds --timeout 300 --backoff 60000 "redis://127.0.0.1:$SILENT_PORT"
expect_status 0
printf '%s\n' "error no reply to GET from redis '127.0.0.1:$SILENT_PORT' within 300 ms" \
    "error redis unavailable (backing off after: no reply to GET from redis '127.0.0.1:$SILENT_PORT' within 300 ms)" \
    >expected
expect_stdout_equals_file expected
expect_stderr_contains "signet-webhook: warning: redis unavailable, not tried again for 60000 ms: no reply to GET from redis '127.0.0.1:$SILENT_PORT' within 300 ms"
probe --timeout 300 "rediss://127.0.0.1:$SILENT_PORT" get k
expect_error "cannot connect to redis '127.0.0.1:$SILENT_PORT': TLS handshake timed out after 300 ms"

new_test "AUTH: password, ACL user, wrong and missing password"
: >"$TEST_DIR/probe.err"
start_redis "$TEST_DIR/redis" 0 --requirepass "$PW"
redis-cli -p "$RPORT" --no-auth-warning -a "$PW" ACL SETUSER alice on ">$ALICE_PW" '~*' '+@all' >/dev/null ||
    die "cannot add the ACL user"
probe "redis://:$PW_URL@127.0.0.1:$RPORT" set greeting hello 60
expect_stdout_is ok
probe --password "$PW" "redis://127.0.0.1:$RPORT" get greeting
expect_stdout_is "found hello"
probe "redis://alice:$ALICE_PW@127.0.0.1:$RPORT" get greeting
expect_stdout_is "found hello"
probe --password "$WRONG_PW" "redis://127.0.0.1:$RPORT" get greeting
expect_error "redis '127.0.0.1:$RPORT' refused AUTH: 'WRONGPASS invalid username-password pair or user is disabled.'"
expect_stderr_not_contains "$WRONG_PW"
probe "redis://alice:$WRONG_PW@127.0.0.1:$RPORT" get greeting
expect_error "redis '127.0.0.1:$RPORT' refused AUTH: 'WRONGPASS invalid username-password pair or user is disabled.'"
probe "redis://127.0.0.1:$RPORT" get greeting
expect_error "redis '127.0.0.1:$RPORT' refused GET: 'NOAUTH Authentication required.'"
no_secret_shown "$PW" "$PW_URL" "$WRONG_PW" "$ALICE_PW"
stop_redis "$RPID"

new_test "rediss://: verified TLS, wrong CA, host name, insecure"
: >"$TEST_DIR/probe.err"
start_redis "$TEST_DIR/redis" 0 --tls --requirepass "$PW"
TURL=rediss://127.0.0.1:$RPORT
probe --ca-file "$CERTS/good/ca.crt" --password "$PW" "$TURL" set sealed v 60
expect_stdout_is ok
probe --ca-file "$CERTS/good/ca.crt" "rediss://:$PW_URL@127.0.0.1:$RPORT" get sealed
expect_stdout_is "found v"
check "redis-cli over TLS sees it" test "$(redis-cli --tls --cacert "$CERTS/good/ca.crt" -p "$RPORT" \
    --no-auth-warning -a "$PW" GET sealed)" = v
probe --ca-file "$CERTS/other/ca.crt" --password "$PW" "$TURL" get sealed
expect_error "cannot connect to redis '127.0.0.1:$RPORT': TLS certificate verification failed: self-signed certificate in certificate chain"
probe --password "$PW" "$TURL" get sealed # the system CAs do not know the test CA
expect_error "cannot connect to redis '127.0.0.1:$RPORT': TLS certificate verification failed: self-signed certificate in certificate chain"
probe --ca-file "$CERTS/good/ca.crt" --password "$PW" "rediss://localhost:$RPORT" get sealed
expect_error "cannot connect to redis 'localhost:$RPORT': TLS certificate verification failed: hostname mismatch"
probe --insecure --ca-file "$CERTS/other/ca.crt" --password "$PW" "$TURL" get sealed
expect_stdout_is "found v"
expect_stderr_contains "signet-webhook: warning: redis '127.0.0.1:$RPORT': TLS certificate not verified (insecure_skip_verify)"
no_secret_shown "$PW" "$PW_URL"
stop_redis "$RPID"

new_test "the verdict cache shares ALLOWED and REJECTED through Redis, signed, never ERROR"
start_redis "$TEST_DIR/redis" 0
URL=redis://127.0.0.1:$RPORT
rget() { redis-cli -p "$RPORT" GET "$1"; }
probe "$URL" resolve img-a allowed
expect_error "no verdict cache without --hmac-key"
probe --hmac-key 0123456789abcdef0123456789abcde "$URL" resolve img-a allowed # 31 bytes
expect_status 2
expect_stderr_contains "redis_probe: cannot make the verdict cache (out of memory, or a secret under 32 bytes)"
t0=$(date +%s)
probe "${HK[@]}" "$URL" resolve img-a allowed
expect_stdout_is "allowed hit=0 verifications=1 digest=$DIGEST reason="
expect_stored img-a "allowed|$DIGEST|" 300 "$t0"
check "for the TTL (300 s)" test "$(redis-cli -p "$RPORT" TTL img-a)" = 300
# Another replica: the answer comes from Redis (its own verification would have said rejected).
probe "${HK[@]}" "$URL" resolve img-a rejected
expect_stdout_is "allowed hit=1 verifications=0 digest=$DIGEST reason="
t0=$(date +%s)
probe "${HK[@]}" "$URL" resolve img-r rejected
expect_stdout_is "rejected hit=0 verifications=1 digest= reason=no signature for img-r"
expect_stored img-r "rejected||no signature for img-r" 10 "$t0"
check "for the negative TTL (10 s)" test "$(redis-cli -p "$RPORT" TTL img-r)" = 10
probe "${HK[@]}" "$URL" resolve img-r allowed
expect_stdout_is "rejected hit=1 verifications=0 digest= reason=no signature for img-r"
probe "${HK[@]}" "$URL" resolve img-e error
expect_stdout_is "error hit=0 verifications=1 digest= reason=registry down for img-e"
check "an ERROR verdict is not stored in Redis" test "$(redis-cli -p "$RPORT" EXISTS img-e)" = 0
probe "${HK[@]}" --ttl 0 "$URL" resolve img-z allowed
check "ttl 0: not stored in Redis either" test "$(redis-cli -p "$RPORT" EXISTS img-z)" = 0
probe "${HK[@]}" --negative-ttl 0 "$URL" resolve img-n rejected
check "negative ttl 0: not stored in Redis either" test "$(redis-cli -p "$RPORT" EXISTS img-n)" = 0
printf '%s\n' "resolve img-s allowed no-store" "resolve img-s allowed no-store" stats >cmds
printf '%s\n' "allowed hit=0 verifications=1 digest=$DIGEST reason=" \
    "allowed hit=0 verifications=2 digest=$DIGEST reason=" \
    "hits=0 misses=2 redis_hits=0 redis_errors=0 coalesced=0 evictions=0 entries=0" >expected
probe_script cmds "${HK[@]}" "$URL"
expect_stdout_equals_file expected
check "a verdict with no_store set is not stored in Redis" test "$(redis-cli -p "$RPORT" EXISTS img-s)" = 0
# Values this client would not write are ignored, even with a MAC that verifies: verified
# again, and replaced.
: >cmds
: >expected
n=0
exp=$(($(date +%s) + 300))
for bad in "$(signed bad-1 "v3|$exp|error||registry down")" "$(signed bad-2 "v3|$exp|allowed|sha256:XYZ|")" \
    "$(signed bad-3 "v3|$exp|allowed|$DIGEST")" "$(signed bad-4 "v3|$exp|allowed||two"$'\n'"lines")" \
    "$(signed bad-5 "v3|$exp|allowed|sha256|")" "v1|allowed|$DIGEST|" "allowed" \
    "$(signed bad-8 "v2|allowed|$DIGEST|")" "$(signed bad-9 "v3|0$exp|allowed|$DIGEST|")" \
    "$(signed bad-10 "v3|+$exp|allowed|$DIGEST|")" "$(signed bad-11 "v3||allowed|$DIGEST|")" \
    "$(signed bad-12 "v3|${exp}0000000000|allowed|$DIGEST|")"; do
    n=$((n + 1))
    redis-cli -p "$RPORT" SET "bad-$n" "$bad" >/dev/null
    echo "resolve bad-$n rejected" >>cmds
    echo "rejected hit=0 verifications=$n digest= reason=no signature for bad-$n" >>expected
done
echo stats >>cmds
echo "hits=0 misses=$n redis_hits=0 redis_errors=$n coalesced=0 evictions=0 entries=$n" >>expected
probe_script cmds "${HK[@]}" "$URL"
expect_stdout_equals_file expected
expect_stderr_contains "signet-webhook: warning: verdict cache: ignoring an unusable value for 'bad-1' in redis"
expect_stderr_contains "signet-webhook: warning: verdict cache: ignoring an unusable value for 'bad-6' in redis"
for key in bad-8 bad-9 bad-10 bad-11 bad-12; do
    expect_stderr_contains "signet-webhook: warning: verdict cache: ignoring an unusable value for '$key' in redis"
done
expect_stored bad-1 "rejected||no signature for bad-1" 10 "$((exp - 300))"
stop_redis "$RPID"

new_test "values planted in Redis without the secret are ignored: the image is verified"
: >"$TEST_DIR/probe.err"
start_redis "$TEST_DIR/redis" 0
URL=redis://127.0.0.1:$RPORT
rget() { redis-cli -p "$RPORT" GET "$1"; }
plant() { redis-cli -p "$RPORT" SET "$1" "$2" >/dev/null; }
probe "${HK[@]}" "$URL" resolve real-allowed allowed
expect_stdout_is "allowed hit=0 verifications=1 digest=$DIGEST reason="
probe "${HK[@]}" "$URL" resolve real-rejected rejected
expect_stdout_is "rejected hit=0 verifications=1 digest= reason=no signature for real-rejected"
# What someone who can write to Redis, but has no secret, can do: no MAC, a MAC with another
# secret, a value signed for another key, valid values copied to other keys.
exp=$(($(date +%s) + 300))
t0=$((exp - 300))
plant no-mac "v3|$exp|allowed|$EVIL_DIGEST|"
plant empty-mac "v3|$exp|allowed|$EVIL_DIGEST||"
plant other-secret "$(signed other-secret "v3|$exp|allowed|$EVIL_DIGEST|" 'another-secret-0123456789abcdef')"
plant moved "$(signed other-key "v3|$exp|allowed|$EVIL_DIGEST|")"
plant copied-allowed "$(rget real-allowed)"
plant copied-rejected "$(rget real-rejected)"
plant prefix:real-allowed "$(rget real-allowed)"
printf '%s\n' "resolve no-mac rejected" "resolve empty-mac rejected" "resolve other-secret rejected" \
    "resolve moved rejected" "resolve copied-allowed rejected" "resolve copied-rejected allowed" \
    "resolve prefix:real-allowed rejected" stats >cmds
printf '%s\n' "rejected hit=0 verifications=1 digest= reason=no signature for no-mac" \
    "rejected hit=0 verifications=2 digest= reason=no signature for empty-mac" \
    "rejected hit=0 verifications=3 digest= reason=no signature for other-secret" \
    "rejected hit=0 verifications=4 digest= reason=no signature for moved" \
    "rejected hit=0 verifications=5 digest= reason=no signature for copied-allowed" \
    "allowed hit=0 verifications=6 digest=$DIGEST reason=" \
    "rejected hit=0 verifications=7 digest= reason=no signature for prefix:real-allowed" \
    "hits=0 misses=7 redis_hits=0 redis_errors=7 coalesced=0 evictions=0 entries=7" >expected
probe_script cmds "${HK[@]}" "$URL"
expect_stdout_equals_file expected
for key in no-mac empty-mac other-secret moved copied-allowed copied-rejected prefix:real-allowed; do
    expect_stderr_contains "signet-webhook: warning: verdict cache: ignoring a value for '$key' in redis whose MAC does not verify (not written by a replica with this redis.hmacKeyFile)"
done
expect_stored no-mac "rejected||no signature for no-mac" 10 "$t0" # replaced by a signed verdict
# The control: the same planted value signed with the secret, as documented, is believed.
plant signed "$(signed signed "v3|$exp|allowed|$EVIL_DIGEST|")"
probe "${HK[@]}" "$URL" resolve signed rejected
expect_stdout_is "allowed hit=1 verifications=0 digest=$EVIL_DIGEST reason="
# A key whose value keeps failing is logged once, however often it is read.
plant again "v3|$exp|allowed|$EVIL_DIGEST|"
printf '%s\n' "resolve again allowed" "resolve again allowed" stats >cmds
printf '%s\n' "allowed hit=0 verifications=1 digest=$DIGEST reason=" \
    "allowed hit=0 verifications=2 digest=$DIGEST reason=" \
    "hits=0 misses=2 redis_hits=0 redis_errors=2 coalesced=0 evictions=0 entries=0" >expected
probe_script cmds "${HK[@]}" --ttl 0 "$URL" # nothing stored: Redis is read each time
expect_stdout_equals_file expected
check "logged once" test "$(grep -c "ignoring a value for 'again'" "$RUN_ERR")" = 1
no_secret_shown "$HMAC_KEY"
stop_redis "$RPID"

new_test "signed values put back after they expired, or expiring too late, are ignored"
: >"$TEST_DIR/probe.err"
start_redis "$TEST_DIR/redis" 0
URL=redis://127.0.0.1:$RPORT
now=$(date +%s)
# What a replica wrote an hour ago, written back by whoever can write to Redis (no EX: Redis
# would keep it forever); what expires just now; a replica with a longer TTL (or a clock far
# ahead); the same for a denial (negative TTL 10 s).
plant replayed "$(signed replayed "v3|$((now - 3300))|allowed|$EVIL_DIGEST|")"
plant just-expired "$(signed just-expired "v3|$now|allowed|$EVIL_DIGEST|")"
plant too-late "$(signed too-late "v3|$((now + 300 + 60 + 30))|allowed|$EVIL_DIGEST|")"
plant too-late-denial "$(signed too-late-denial "v3|$((now + 10 + 60 + 30))|rejected||planted")"
# Within the 60 s a replica's clock may be ahead: believed.
plant skewed "$(signed skewed "v3|$((now + 300 + 30))|allowed|$EVIL_DIGEST|")"
printf '%s\n' "resolve replayed rejected" "resolve just-expired rejected" "resolve too-late rejected" \
    "resolve too-late-denial allowed" "resolve skewed rejected" "resolve replayed rejected" stats >cmds
printf '%s\n' "rejected hit=0 verifications=1 digest= reason=no signature for replayed" \
    "rejected hit=0 verifications=2 digest= reason=no signature for just-expired" \
    "rejected hit=0 verifications=3 digest= reason=no signature for too-late" \
    "allowed hit=0 verifications=4 digest=$DIGEST reason=" \
    "allowed hit=1 verifications=4 digest=$EVIL_DIGEST reason=" \
    "rejected hit=1 verifications=4 digest= reason=no signature for replayed" \
    "hits=1 misses=5 redis_hits=1 redis_errors=4 coalesced=0 evictions=0 entries=5" >expected
probe_script cmds "${HK[@]}" "$URL"
expect_stdout_equals_file expected
for key in replayed just-expired; do
    expect_stderr_contains "signet-webhook: warning: verdict cache: ignoring an expired value for '$key' in redis (replayed, or the clocks of the replicas disagree)"
done
for key in too-late too-late-denial; do
    expect_stderr_contains "signet-webhook: warning: verdict cache: ignoring a value for '$key' in redis that expires later than this replica's TTL allows (written by a replica with a longer TTL, or the clocks of the replicas disagree)"
done
expect_stored replayed "rejected||no signature for replayed" 10 "$now"
# A verdict from Redis is kept locally only until its expiry, even if Redis keeps it longer.
exp=$(($(date +%s) + 3))
plant brief "$(signed brief "v3|$exp|allowed|$EVIL_DIGEST|")"
probe_start "${HK[@]}" "$URL"
ask_expect "resolve brief rejected" "allowed hit=1 verifications=0 digest=$EVIL_DIGEST reason="
ask_expect "resolve brief rejected" "allowed hit=1 verifications=0 digest=$EVIL_DIGEST reason="
ask_expect stats "hits=1 misses=1 redis_hits=1 redis_errors=0 coalesced=0 evictions=0 entries=1"
while [ "$(date +%s)" -lt "$exp" ]; do sleep 0.1; done
ask_expect "resolve brief rejected" "rejected hit=0 verifications=1 digest= reason=no signature for brief"
ask_expect stats "hits=1 misses=2 redis_hits=1 redis_errors=1 coalesced=0 evictions=0 entries=1"
probe_stop
check "logged as expired" grep -qF "ignoring an expired value for 'brief' in redis" "$TEST_DIR/probe.err"
stop_redis "$RPID"

new_test "Redis stopped mid-run: calls fail fast, the cache serves local entries, then recovers"
start_redis "$TEST_DIR/redis" 0
URL=redis://127.0.0.1:$RPORT
# The backoff outlasts the commands below, so the outage is one failure and one log line.
probe_start "${HK[@]}" --backoff 2000 "$URL"
t0=$(date +%s)
ask_expect "resolve img allowed" "allowed hit=0 verifications=1 digest=$DIGEST reason="
expect_stored img "allowed|$DIGEST|" 300 "$t0"
ask_expect "get img" "found $(redis-cli -p "$RPORT" GET img)"
stop_redis "$RPID"
ask_expect "get img" "error cannot connect to redis '127.0.0.1:$RPORT': Connection refused"
expect_fast 100
ask_expect "get img" "error redis unavailable (backing off after: cannot connect to redis '127.0.0.1:$RPORT': Connection refused)"
expect_fast 20
ask_expect "set img x 60" "error redis unavailable (backing off after: cannot connect to redis '127.0.0.1:$RPORT': Connection refused)"
ask_expect "resolve img allowed" "allowed hit=1 verifications=1 digest=$DIGEST reason="
ask_expect "resolve img2 rejected" "rejected hit=0 verifications=2 digest= reason=no signature for img2"
expect_fast 20
ask_expect stats "hits=1 misses=2 redis_hits=0 redis_errors=2 coalesced=0 evictions=0 entries=2"
# Back on the same port: once the backoff is over, the client connects again.
start_redis "$TEST_DIR/redis" "$RPORT"
deadline=$((SECONDS + 10))
ask "get img"
while [ "$ANSWER" != missing ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.1
    ask "get img"
done
expect_eq "$ANSWER" missing "Redis is used again after a restart (an empty one)"
t0=$(date +%s)
ask_expect "resolve img3 allowed" "allowed hit=0 verifications=3 digest=$DIGEST reason="
expect_stored img3 "allowed|$DIGEST|" 300 "$t0" # and written to
probe_stop
check "the outage was logged once, with the first error" test "$(grep -c 'redis unavailable' "$TEST_DIR/probe.err")" = 1
check "in these words" grep -qxF "signet-webhook: warning: redis unavailable, not tried again for 2000 ms: cannot connect to redis '127.0.0.1:$RPORT': Connection refused" "$TEST_DIR/probe.err"
stop_redis "$RPID"

finish
