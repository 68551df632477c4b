#!/usr/bin/env bash
# The webhook's documentation keeps up with the code: every option of signet-webhook --help has
# an entry in the man page's OPTIONS, and docs/webhook.md names every configuration key of
# config.c, every metric of metrics.c and every route.
#
# Environment (set by CTest): SIGNET_WEBHOOK, the signet-webhook binary.
# shellcheck source=SCRIPTDIR/../lib/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/checks.sh"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAN=$ROOT/docs/man/signet-webhook.1.md
DOC=$ROOT/docs/webhook.md
SRC=$ROOT/src/server/webhook
[ -x "${SIGNET_WEBHOOK:-}" ] ||
    die "SIGNET_WEBHOOK is not set to the signet-webhook binary"

new_test "every option of --help has its entry in the man page"
run "$SIGNET_WEBHOOK" --help
expect_status 0
# "  -c, --config FILE   ..." or "      --tls-cert FILE  ...": "-c, --config" or "--tls-cert".
specs=$(awk '/^options:/ { on = 1; next } on && match($0, /^ +(-[A-Za-z], )?--[a-z-]+/) {
    s = substr($0, RSTART, RLENGTH); sub(/^ +/, "", s); print s }' "$RUN_OUT")
check "the help lists options" test -n "$specs"
# The page's entries: "**-c**, **--config**" or "**--tls-cert**" at the start of a line.
entries=$(awk '/^# / { on = ($0 == "# OPTIONS"); next } on' "$MAN" |
    grep -oE '^\*\*(-[A-Za-z]\*\*, \*\*)?--[a-z-]+\*\*' | tr -d '*')
while IFS= read -r spec; do
    check "man page OPTIONS has '$spec'" grep -qxF -- "$spec" <<<"$entries"
done <<<"$specs"
while IFS= read -r entry; do
    check "man page entry '$entry' is an option of --help" grep -qxF -- "$entry" <<<"$specs"
done <<<"$entries"

new_test "docs/webhook.md names every configuration key, metric and route"
keys=$(grep -oE '\bF\("[A-Za-z]+"\)' "$SRC/config.c" | sed 's/F("\(.*\)")/\1/' | sort -u)
check "config.c has keys" test -n "$keys"
for key in $keys; do
    check "config key $key" grep -qE "\\b$key\\b" "$DOC"
done
metrics=$(grep -oE 'signet_webhook_[a-z_]+' "$SRC/metrics.c" | sed -E 's/_(bucket|sum|count)$//' |
    sort -u)
check "metrics.c has metrics" test -n "$metrics"
for metric in $metrics; do
    check "metric $metric" grep -qF "\`$metric" "$DOC"
done
for route in /validate /mutate /healthz /readyz /metrics; do
    check "route $route in docs/webhook.md" grep -qF "$route" "$DOC"
    check "route $route in the man page" grep -qF "$route" "$MAN"
done

finish
