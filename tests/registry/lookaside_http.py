#!/usr/bin/env python3
"""A lookaside web server for signet's tests: serves the files of --root over HTTP (or HTTPS
with --cert/--key) on 127.0.0.1, as a web server in front of a lookaside directory would.
Paths under /fail500/ answer 500; /to-http/PATH redirects to --redirect-base + PATH. Prints
its port, then serves until killed; every request is logged to --log as "METHOD PATH STATUS".
Python 3 standard library only."""
import argparse
import os
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--root", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--redirect-base", default="")
    args = p.parse_args()
    root = os.path.realpath(args.root)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *a):
            pass

        def answer(self, status, body=b"", headers=()):
            with open(args.log, "a") as log:
                log.write("%s %s %d\n" % (self.command, self.path, status))
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path = unquote(self.path.split("?", 1)[0])
            if path.startswith("/fail500/"):
                return self.answer(500, b"internal error\n")
            if path.startswith("/to-http/"):
                return self.answer(302, headers=[("Location", args.redirect_base + path[8:])])
            full = os.path.realpath(os.path.join(root, path.lstrip("/")))
            if not full.startswith(root + "/") or not os.path.isfile(full):
                return self.answer(404, b"not found\n")
            with open(full, "rb") as f:
                self.answer(200, f.read(), [("Content-Type", "application/octet-stream")])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if args.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
