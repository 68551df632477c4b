#!/usr/bin/python3
"""Run a command on a new pseudo-terminal and answer its prompts as a person would.

usage: pty_answer.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARG ...]

The command gets the terminal as stdin, stdout, stderr and controlling terminal (/dev/tty).
Each ANSWER (then Enter) is typed only after its PROMPT has appeared, so nothing depends on
timing. Prints everything the command wrote to the terminal ('\\r' removed) and exits with the
command's status (128+N when killed by signal N).
"""
import os
import pty
import sys


def main(argv):
    if "--" not in argv:
        sys.exit(__doc__)
    sep = argv.index("--")
    pairs, command = argv[:sep], argv[sep + 1:]
    if len(pairs) % 2 or not command:
        sys.exit(__doc__)
    script = [(pairs[i].encode(), pairs[i + 1].encode()) for i in range(0, len(pairs), 2)]

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)

    seen, searched = b"", 0
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the command has closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        while script:
            prompt, answer = script[0]
            at = seen.find(prompt, searched)
            if at < 0:
                break
            searched = at + len(prompt)
            os.write(fd, answer + b"\n")
            script.pop(0)

    _, status = os.waitpid(pid, 0)
    sys.stdout.buffer.write(seen.replace(b"\r", b""))
    for prompt, _ in script:
        print(f"pty_answer: prompt {prompt.decode()!r} never appeared", file=sys.stderr)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
