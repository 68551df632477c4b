#!/usr/bin/env bash
# Checks that the tool's --help, its usage errors and the man page sources agree.
#
# Usage: check-cli.sh SIGNET_BINARY MAN_DIR
#
# The command list comes from `signet --help` (the lines under "Commands:"). For each command:
# `signet CMD --help` exits 0 with output on stdout only; `signet CMD --bogus-option` exits 129
# with nothing on stdout and "unknown option" on stderr; MAN_DIR/signet-CMD.1.md exists, and its
# OPTIONS section has an entry (a line starting **--name**, or **-x**, **--name** when there is
# a short form) for every option of the help's "Options:" table, and none for an option the
# help does not have; any other
# --name the help mentions appears somewhere in the page. Also: `signet` alone and
# `signet no-such-command` exit 129, `signet --help` exits 0, a `cosign` link beside the binary
# calls itself cosign, every man page belongs to a command, and the version in each page's title
# line is the one `signet version` prints.
# Prints one line per failure and exits 1 when there is any; exits 2 when it cannot run.
set -u

prog=check-cli
if [ $# -ne 2 ]; then
    echo "usage: $0 SIGNET_BINARY MAN_DIR" >&2
    exit 2
fi
bin=$1
man_dir=$2
if [ ! -x "$bin" ]; then
    echo "$prog: '$bin' is not an executable file" >&2
    exit 2
fi
if [ ! -d "$man_dir" ]; then
    echo "$prog: '$man_dir' is not a directory" >&2
    exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-cli.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() {
    echo "$prog: FAIL: $*"
    failures=$((failures + 1))
}

# run ARGS...: runs the tool with stdin from /dev/null (so nothing waits for a terminal) and no
# password in the environment; sets $rc, $out, $err.
run() {
    env -u COSIGN_PASSWORD "$bin" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    err=$(cat "$tmp/err")
}

# brief TEXT: TEXT on one line, cut to 200 characters, for a failure message.
brief() {
    local s=${1//$'\n'/ | }
    printf '%s' "${s:0:200}"
}

# expect_rc WANT DESCRIPTION: checks $rc after run.
expect_rc() {
    if [ "$rc" -ne "$1" ]; then
        fail "$2: exit status $rc, expected $1 (stderr: $(brief "$err"))"
        return 1
    fi
    return 0
}

# Top level.
run
expect_rc 129 "'signet' with no arguments"

run no-such-command
expect_rc 129 "'signet no-such-command'"
case $err in
*"unknown command"*) ;;
*) fail "'signet no-such-command': stderr lacks \"unknown command\" (stderr: $(brief "$err"))" ;;
esac

run --help
expect_rc 0 "'signet --help'"
[ -n "$err" ] && fail "'signet --help': unexpected stderr: $(brief "$err")"
top_help=$out

# The cosign link, when the build made one beside the binary, runs the same tool under that name.
cosign=$(dirname "$bin")/cosign
if [ -L "$cosign" ]; then
    "$cosign" --help </dev/null >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" -eq 0 ] || fail "'cosign --help' (link beside the binary): exit status $rc, expected 0"
    head -n 1 "$tmp/out" | grep -q '^usage: cosign ' ||
        fail "'cosign --help': first line does not start with 'usage: cosign '"
fi

# The command names: the first word of each line under "Commands:", up to the first blank line.
commands=$(printf '%s\n' "$top_help" |
    awk '/^Commands:/ { on = 1; next } on && /^[[:space:]]*$/ { exit } on { print $1 }')
if [ -z "$commands" ]; then
    fail "'signet --help': no \"Commands:\" list found"
    echo "$prog: cannot check the commands without their list"
    exit 1
fi

# The version every page's title line must carry.
run version
version=$(printf '%s\n' "$out" | awk 'NR == 1 && $1 == "signet" { print $2 }')
[ -n "$version" ] || fail "'signet version': first line is not \"signet VERSION\": $(brief "$out")"

# The OPTIONS section of a man page source: from "# OPTIONS" to the next "# " heading.
options_section() {
    awk '/^# / { on = ($0 ~ /^# OPTIONS[[:space:]]*$/); next } on' "$1"
}

page_check() { # page
    local page=$1 title
    title=$(head -n 1 "$page")
    case $title in
    "% "*) ;;
    *) fail "$page: first line is not a title line (% NAME 1 ...)" ;;
    esac
    if [ -n "$version" ] && [[ $title != *"\"signet $version\""* ]]; then
        fail "$page: title line does not name \"signet $version\": $title"
    fi
    for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" "SEE ALSO"; do
        grep -qx "# $section" "$page" || fail "$page: no '# $section' section"
    done
}

ncommands=0
for cmd in $commands; do
    ncommands=$((ncommands + 1))
    page=$man_dir/signet-$cmd.1.md

    run "$cmd" --help
    if expect_rc 0 "'signet $cmd --help'"; then
        case $out in
        "usage: "*" $cmd "*) ;;
        "") fail "'signet $cmd --help': nothing on stdout" ;;
        *) fail "'signet $cmd --help': stdout does not start with 'usage: ... $cmd ...'" ;;
        esac
        [ -z "$err" ] || fail "'signet $cmd --help': unexpected stderr: $(brief "$err")"
    fi
    help=$out

    run "$cmd" --bogus-option
    expect_rc 129 "'signet $cmd --bogus-option'"
    [ -z "$out" ] || fail "'signet $cmd --bogus-option': unexpected stdout: $(brief "$out")"
    case $err in
    *"unknown option"*) ;;
    *) fail "'signet $cmd --bogus-option': stderr lacks \"unknown option\" (stderr: $(brief "$err"))" ;;
    esac

    if [ ! -f "$page" ]; then
        fail "no man page for '$cmd': $page is missing"
        continue
    fi
    page_check "$page"
    if ! grep -q "^signet-$cmd - " "$page"; then
        fail "$page: NAME section does not start with 'signet-$cmd - '"
    fi
    options_section "$page" >"$tmp/options"
    if [ ! -s "$tmp/options" ]; then
        fail "$page: no '# OPTIONS' section"
    fi

    # The option table of the help: "  -x, --name VALUE  text" or "      --name VALUE  text".
    table=$(printf '%s\n' "$help" | awk '
        /^Options:/ { on = 1; next }
        on && /^[[:space:]]*$/ { exit }
        on && match($0, /^ +(-[A-Za-z0-9], )?--[A-Za-z0-9][A-Za-z0-9.-]*/) {
            spec = substr($0, RSTART, RLENGTH); sub(/^ +/, "", spec); print spec
        }')
    if [ -z "$table" ]; then
        fail "'signet $cmd --help': no \"Options:\" table found"
    fi
    # The page's option entries: lines of OPTIONS that start with **--name** or
    # **-x**, **--name** (the term of a definition), as "--name" or "-x, --name".
    entries=$(grep -oE '^\*\*(-[A-Za-z0-9]\*\*, \*\*)?--[A-Za-z0-9][A-Za-z0-9.-]*\*\*' \
        "$tmp/options" | tr -d '*')
    while IFS= read -r spec; do
        [ -n "$spec" ] || continue
        long=--${spec##*--}
        if ! printf '%s\n' "$entries" | grep -qE -- "(^|, )$long\$"; then
            fail "$page: OPTIONS has no entry for $spec (a line starting **$long** or **-x**, **$long**)"
        elif ! printf '%s\n' "$entries" | grep -qxF -- "$spec"; then
            fail "$page: OPTIONS entry for $long does not read '$spec' as the help has it"
        fi
    done <<<"$table"
    # Entries for options the help does not have, or with a short form the help does not give.
    while IFS= read -r entry; do
        [ -n "$entry" ] || continue
        printf '%s\n' "$table" | grep -qxF -- "$entry" ||
            fail "$page: OPTIONS has an entry '$entry', which 'signet $cmd --help' does not list"
    done <<<"$entries"

    # Any other --name the help text mentions (e.g. "--b64=false") must be in the page too.
    for long in $(printf '%s\n' "$help" | grep -oE -- '--[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]' | sort -u); do
        printf '%s\n' "$table" | grep -qE -- "(^|, )$long\$" && continue
        grep -qF -- "$long" "$page" || fail "$page: does not mention $long, which the help uses"
    done
done

# The overview page, and no page for a command that does not exist.
if [ -f "$man_dir/signet.1.md" ]; then
    page_check "$man_dir/signet.1.md"
    for cmd in $commands; do
        grep -qF -- "**$cmd**" "$man_dir/signet.1.md" ||
            fail "$man_dir/signet.1.md: does not list the command $cmd (as **$cmd**)"
    done
else
    fail "$man_dir/signet.1.md is missing"
fi
for page in "$man_dir"/signet-*.1.md; do
    [ -e "$page" ] || continue
    name=${page##*/signet-}
    name=${name%.1.md}
    [ "$name" = webhook ] && continue # signet-webhook(1): a program of its own, not a command
    printf '%s\n' "$commands" | grep -qx -- "$name" ||
        fail "$page: 'signet --help' has no command '$name'"
done

if [ "$failures" -ne 0 ]; then
    [ "$failures" -eq 1 ] && noun=failure || noun=failures
    echo "$prog: $failures $noun ($ncommands commands checked)"
    exit 1
fi
echo "$prog: $ncommands commands checked"
exit 0
