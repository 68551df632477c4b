#!/usr/bin/env python3
"""Check an AdmissionReview response field by field, independently of signet.

    check_review.py RESPONSE REQUEST allowed|denied [--patch PATH=VALUE ...] [--no-patch]
                    [--message TEXT ...] [--warning TEXT ...] [--no-warnings]

Prints one line per problem and exits 1 if there is any. The contract (enforcement.md §3.0):
apiVersion/kind set, response.uid = request.uid, allowed, status {code 403, message} exactly
when denied, patchType "JSONPatch" exactly when patch is present, patch = base64 JSON Patch.
"""
import argparse
import base64
import json
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("response")
    p.add_argument("request")
    p.add_argument("verdict", choices=["allowed", "denied"])
    p.add_argument("--patch", nargs="*", default=None, help="PATH=VALUE, all of the patch, in order")
    p.add_argument("--no-patch", action="store_true")
    p.add_argument("--message", nargs="*", default=[])
    p.add_argument("--warning", nargs="*", default=[])
    p.add_argument("--no-warnings", action="store_true")
    a = p.parse_args()
    problems = []
    try:
        r = json.load(open(a.response, "rb"))
    except ValueError as e:
        print(f"response is not JSON: {e}")
        return 1
    req = json.load(open(a.request, "rb"))
    if r.get("apiVersion") != "admission.k8s.io/v1" or r.get("kind") != "AdmissionReview":
        problems.append(f"apiVersion/kind: {r.get('apiVersion')!r} {r.get('kind')!r}")
    resp = r.get("response")
    if not isinstance(resp, dict):
        print("no response object")
        return 1
    if resp.get("uid") != req["request"]["uid"]:
        problems.append(f"uid {resp.get('uid')!r} is not the request's {req['request']['uid']!r}")
    allowed = resp.get("allowed")
    if allowed is not (a.verdict == "allowed"):
        problems.append(f"allowed is {allowed!r}, want {a.verdict}"
                        f" (status: {resp.get('status')!r})")
    status = resp.get("status")
    if a.verdict == "denied":
        if not isinstance(status, dict) or status.get("code") != 403 or not status.get("message"):
            problems.append(f"denied without status {{code 403, message}}: {status!r}")
        else:
            for m in a.message:
                if m not in status["message"]:
                    problems.append(f"message {status['message']!r} lacks {m!r}")
    elif status is not None:
        problems.append(f"allowed with a status: {status!r}")
    if ("patch" in resp) != ("patchType" in resp):
        problems.append("patchType and patch must come together")
    if "patch" in resp:
        if resp["patchType"] != "JSONPatch":
            problems.append(f"patchType {resp['patchType']!r}")
        ops = json.loads(base64.b64decode(resp["patch"], validate=True))
        got = [f"{o['path']}={o['value']}" for o in ops if o.get("op") == "replace"]
        if len(got) != len(ops):
            problems.append(f"patch has operations other than replace: {ops!r}")
        if a.no_patch:
            problems.append(f"unexpected patch {got!r}")
        elif a.patch is not None and got != a.patch:
            problems.append(f"patch {got!r}, want {a.patch!r}")
    elif a.patch:
        problems.append(f"no patch, want {a.patch!r}")
    warnings = resp.get("warnings")
    if warnings is not None and (not isinstance(warnings, list) or not warnings):
        problems.append(f"warnings present but not a non-empty list: {warnings!r}")
    if a.no_warnings and warnings:
        problems.append(f"unexpected warnings {warnings!r}")
    for w in a.warning:
        if not any(w in x for x in warnings or []):
            problems.append(f"no warning containing {w!r} in {warnings!r}")
    for x in problems:
        print(x)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
