# shellcheck shell=bash
# Sourced by the demo, bench/webhook.sh and the webhook tests.

# webhook_port PID LOG: wait until signet-webhook (process PID, its stderr in LOG), started with
# --listen HOST:0, logs the port it listens on, and print that port. Status 1 when the process
# ends first or says nothing within 30 s.
webhook_port() {
    local pid=$1 log=$2 port deadline=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$deadline" ]; do
        port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$log" 2>/dev/null)
        if [ -n "$port" ]; then
            echo "$port"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
