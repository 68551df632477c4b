#!/bin/bash
# Nothing lost: 20 signers with 20 keys sign the same image at the same moment. Registries have
# no compare-and-swap on tags, so naive read-modify-write signers (cosign) overwrite each
# other's layers; afterwards every key must verify and the .sig manifest hold exactly 20 layers.
. "$(dirname "$0")/lib.sh"
require_env
start_registry

N=20
KEYS=$TEST_TMP/keys
mkdir "$KEYS" && cd "$KEYS" || die "cannot create $KEYS"
new_keys $(seq -f "k%g" 1 $N)

push_test_image race:v1
D=$(image_digest race:v1) || die "no digest"

new_test "$N signers, $N keys, one image, all released at once"
# Barrier: every signer holds the FIFO open for reading and blocks in read; when all have
# said so (ready.<i>), the test closes the only write end and every read returns at once.
mkfifo barrier || die "mkfifo"
exec 3<>barrier # the write end; O_RDWR so that opening it does not block
pids=()
for i in $(seq 1 $N); do
    (
        exec 3>&- # the signers must not hold a write end, or the barrier never opens
        exec 4<barrier
        : >"ready.$i"
        read -r _ <&4
        exec 4<&-
        COSIGN_PASSWORD=pw exec "$SIGNET" sign "${SIGNET_FLAGS[@]}" --key "$KEYS/k$i.key" \
            --tlog-upload=false "$REG/race@$D"
    ) >"sign$i.out" 2>"sign$i.err" &
    pids+=($!)
done
deadline=$((SECONDS + 120))
while [ "$(ls ready.* 2>/dev/null | wc -l)" -lt $N ]; do # readiness poll, not a timing guess
    [ "$SECONDS" -lt "$deadline" ] || die "the signers did not all reach the barrier"
    sleep 0.01
done
exec 3>&- # release all of them
failed=0
sign_rc=()
for i in $(seq 1 $N); do
    wait "${pids[$((i - 1))]}"
    rc=$?
    sign_rc[i]=$rc
    if [ "$rc" != 0 ]; then
        failed=$((failed + 1))
        echo "    signer $i exited $rc: $(cat "sign$i.err")"
    fi
done
LAST_CMD="$N x signet sign --key k<i>.key $REG/race@$D" STATUS=""
expect_eq "$failed" 0 "all $N signers exited 0"

new_test "every key verifies, and the .sig manifest holds exactly $N layers"
lost=
for i in $(seq 1 $N); do
    run sg verify --key "$KEYS/k$i.pub" "$REG/race:v1"
    expect_status 0
    [ "$STATUS" != 0 ] && [ "${sign_rc[i]}" = 0 ] && lost="$lost k$i"
done
# Kept apart from the exit statuses above: a signer that said it succeeded and whose
# signature is gone is the worse failure.
LAST_CMD="" STATUS=""
expect_eq "$lost" "" "no signer that exited 0 lost its signature"
get_manifest race "$(sig_tag "$D")" sig.json || die "no .sig manifest"
expect_eq "$(json_get sig.json 'len(j["layers"])')" $N "$N layers"
# Each layer is one key's signature (openssl, not signet): no duplicates, nobody missing.
get_blob race "$(json_get sig.json 'j["layers"][0]["digest"]')" payload.bin || die "no payload"
check "layer signatures are by k1..k$N, one each (openssl)" "$PY" - sig.json payload.bin "$KEYS" $N <<'EOF'
import base64, json, subprocess, sys, tempfile
m = json.load(open(sys.argv[1]))
payload, keys, n = sys.argv[2], sys.argv[3], int(sys.argv[4])
owners = []
for layer in m["layers"]:
    with tempfile.NamedTemporaryFile() as s:
        s.write(base64.b64decode(layer["annotations"]["dev.cosignproject.cosign/signature"]))
        s.flush()
        by = [i for i in range(1, n + 1)
              if subprocess.run(["openssl", "dgst", "-sha256", "-verify", "%s/k%d.pub" % (keys, i),
                                 "-signature", s.name, payload], capture_output=True).returncode == 0]
    owners.append(by[0] if len(by) == 1 else None)
assert sorted(o for o in owners if o) == list(range(1, n + 1)), "layer owners: %r" % owners
EOF
get_blob race "$(json_get sig.json 'j["config"]["digest"]')" config.json || die "no config"
check "the config has one history entry and diff_id per layer" "$PY" - sig.json config.json <<'EOF'
import json, sys
m, c = (json.load(open(p)) for p in sys.argv[1:])
assert c["rootfs"]["diff_ids"] == [l["digest"] for l in m["layers"]]
assert len(c["history"]) == len(m["layers"])
EOF

finish
