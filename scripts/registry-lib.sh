# Sourced: start a throw-away docker-registry (distribution 2.8, Debian's docker-registry) on
# 127.0.0.1 at a free high port, storing into a directory the caller removes. Plain HTTP.
#   start_registry DIR     sets REGISTRY (127.0.0.1:PORT) and REGISTRY_PID; waits until ready
#   stop_registry          kills it (call it from the caller's EXIT trap)

start_registry() {
    local dir=$1 port tries
    mkdir -p "$dir"
    for tries in 1 2 3 4 5 6 7 8 9 10; do
        port=$(( 20000 + RANDOM % 40000 ))
        cat > "$dir/config.yml" <<EOF_CONFIG
version: 0.1
log:
  level: error
storage:
  cache:
    blobdescriptor: inmemory   # as in Debian's default /etc/docker/registry/config.yml
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF_CONFIG
        docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
        REGISTRY_PID=$!
        REGISTRY=127.0.0.1:$port
        for _ in $(seq 1 100); do
            if curl -fsS "http://$REGISTRY/v2/" >/dev/null 2>&1; then
                return 0
            fi
            kill -0 "$REGISTRY_PID" 2>/dev/null || break   # port taken: try another
            sleep 0.05
        done
        kill "$REGISTRY_PID" 2>/dev/null || true
        wait "$REGISTRY_PID" 2>/dev/null || true
    done
    echo "start_registry: docker-registry did not start (see $dir/registry.log)" >&2
    return 1
}

stop_registry() {
    # Under the caller's `set -e`: the killed registry's exit status must not end the caller.
    if [ -n "${REGISTRY_PID:-}" ]; then
        kill "$REGISTRY_PID" 2>/dev/null || true
        wait "$REGISTRY_PID" 2>/dev/null || true
        REGISTRY_PID=
    fi
    return 0
}
