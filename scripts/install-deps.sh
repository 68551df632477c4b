#!/usr/bin/env bash
# Installs what signet needs to build, test and benchmark, from Debian's packages.
# Safe to run again; asks apt only for what is missing.
set -euo pipefail

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 2; }
    SUDO=sudo
fi

packages=(
    # build
    build-essential cmake pkg-config git
    libssl-dev libsodium-dev libcurl4-openssl-dev libjansson-dev libgpgme-dev libyaml-dev gnupg
    libhiredis-dev libmicrohttpd-dev libgnutls28-dev
    # man pages from Markdown
    go-md2man
    # tests: independent implementations and tools, real registry and peers
    openssl python3 python3-cryptography python3-nacl python3-yaml clang-format clang
    docker-registry skopeo apache2-utils curl ca-certificates redis-server redis-tools
    # benchmarks
    hyperfine time wrk
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
