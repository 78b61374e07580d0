#!/usr/bin/env python3
"""slow_clients.py — abusive HTTP clients for tests/e2e/t0690 and tests/bench/abuse_bench.sh.

  slowloris HOST PORT N SECONDS [SOURCE]
      opens N connections from SOURCE (default 127.0.0.2, another loopback address, so that a
      per-IP limit applies to it and not to the well-behaved client on 127.0.0.1) and trickles one
      header byte per connection every second for SECONDS, never finishing a request. Prints
      "opened A held H" on exit: A connections were accepted by the kernel, H were still open (not
      closed by the server) at the end.
  probe HOST PORT PATH SECONDS [INTERVAL]
      a well-behaved client: GET PATH on a new connection every INTERVAL (0.05) s for SECONDS and
      prints "n=… fail=… p50_ms=… p99_ms=… max_ms=…" (a failed or timed-out request counts its time).
"""
import socket
import sys
import time


def slowloris(host, port, n, secs, source):
    conns = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(True)
        s.settimeout(2)
        try:
            s.bind((source, 0))
            s.connect((host, port))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            conns.append(s)
        except OSError:
            s.close()
    opened = len(conns)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        alive = []
        for s in conns:
            try:
                s.sendall(b"X")
                alive.append(s)
            except OSError:
                s.close()
        conns = alive
        time.sleep(1)
    # A connection the server closed shows as EOF or a reset on a non-blocking read.
    held = 0
    for s in conns:
        s.setblocking(False)
        try:
            held += 1 if s.recv(1) != b"" else 0
        except BlockingIOError:
            held += 1
        except OSError:
            pass
        s.close()
    print(f"opened {opened} held {held}", flush=True)


def probe(host, port, path, secs, interval):
    lat, fail = [], 0
    end = time.monotonic() + secs
    req = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
    while time.monotonic() < end:
        t0 = time.monotonic()
        ok = False
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                s.sendall(req)
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                ok = data.startswith(b"HTTP/1.1 200")
        except OSError:
            ok = False
        lat.append(time.monotonic() - t0)
        fail += 0 if ok else 1
        time.sleep(interval)
    lat.sort()
    pick = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1000
    print(f"n={len(lat)} fail={fail} p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f} max_ms={lat[-1] * 1000:.1f}",
          flush=True)


if __name__ == "__main__":
    a = sys.argv
    if len(a) >= 6 and a[1] == "slowloris":
        slowloris(a[2], int(a[3]), int(a[4]), float(a[5]), a[6] if len(a) > 6 else "127.0.0.2")
    elif len(a) >= 6 and a[1] == "probe":
        probe(a[2], int(a[3]), a[4], float(a[5]), float(a[6]) if len(a) > 6 else 0.05)
    else:
        sys.exit(__doc__)
