#!/usr/bin/python3
"""A real webhook receiver on loopback (http.server, standard library only) for the notification tests.

It checks the Standard Webhooks signature exactly as a receiver would: webhook-id, webhook-timestamp
(within --tolerance seconds of now) and webhook-signature "v1,<base64 HMAC-SHA256(id.timestamp.body)>"
keyed with the base64 part of a "whsec_" secret (or the secret's bytes). A request that fails the check
gets 401. Verified requests get the next status of --statuses (a comma list; "429:7" also sends
"Retry-After: 7", "301" sends a Location); after the list, 200. Every request is stored as
DIR/req-NNNN.json: {"status", "verified", "path", "headers", "body"}. The port is printed on stdout.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def secret_key(secret):
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):])
    return secret.encode()


def verify(key, headers, body, tolerance):
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        return False, "missing webhook headers"
    try:
        tsv = int(ts)
    except ValueError:
        return False, "bad timestamp"
    if abs(time.time() - tsv) > tolerance:
        return False, "timestamp outside tolerance"
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in sigs.split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True, "ok"
    return False, "no matching signature"


class State:
    def __init__(self, args):
        self.dir = args.dir
        self.key = secret_key(args.secret) if args.secret else None
        self.tolerance = args.tolerance
        self.statuses = [s for s in args.statuses.split(",") if s] if args.statuses else []
        self.count = 0
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if st.key is not None:
            ok, why = verify(st.key, headers, body, st.tolerance)
        else:
            ok, why = True, "unsigned"
        extra = {}
        with st.lock:
            st.count += 1
            num = st.count
            if not ok:
                status = 401
            elif st.statuses:
                spec = st.statuses.pop(0)
                code, _, arg = spec.partition(":")
                status = int(code)
                if arg:
                    extra["Retry-After"] = arg
                if 300 <= status < 400:
                    extra["Location"] = "http://127.0.0.1:1/elsewhere"
            else:
                status = 200
        rec = {"status": status, "verified": ok, "why": why, "path": self.path, "headers": headers,
               "body": body.decode("utf-8", "replace")}
        tmp = os.path.join(st.dir, "req-%04d.tmp" % num)
        with open(tmp, "w") as f:
            json.dump(rec, f, indent=1)
        os.rename(tmp, os.path.join(st.dir, "req-%04d.json" % num))
        reply = json.dumps({"status": status, "why": why}).encode()
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--secret", default=None)
    ap.add_argument("--statuses", default="")
    ap.add_argument("--tolerance", type=int, default=300)
    ap.add_argument("--tls", default=None, help="CERT:KEY: serve https")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    httpd = HTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls:
        import ssl
        cert, key = args.tls.split(":", 1)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    httpd.state = State(args)
    print(httpd.server_address[1], flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
