#!/usr/bin/python3
"""A real SMTP server on loopback (aiosmtpd) for the notification tests.

Each accepted message is stored as DIR/msg-NNNN.eml (the bytes received) with DIR/msg-NNNN.env
(MAIL FROM and RCPT TO, one per line). Each EHLO/HELO appends a line to DIR/connections.log, so a test
can count connections. The port is printed on stdout, alone on a line, once the server listens.

TLS and authentication, for the transport's security tests:
  --starttls CERT:KEY   offer STARTTLS and refuse mail until it was used (require_starttls)
  --smtps CERT:KEY      implicit TLS on the whole connection (smtps://)
  --auth USER:PASS      require AUTH PLAIN/LOGIN (only after TLS) with these credentials
Each stored message's .env file ends with "tls=yes|no" and "auth=USER|-".

Failures on demand, read on every command so a running server can be switched:
  --rcpt-reply / DIR/reply-rcpt   e.g. "550 5.1.1 No such user"   (answer to RCPT TO)
  --data-reply / DIR/reply-data   e.g. "451 4.3.0 Try again later" (answer to the end of DATA)
Slow on demand: --delay SECONDS / DIR/delay waits that long after storing a message before answering
the end of DATA (a client killed meanwhile leaves a message the server has, but the client never saw
accepted: the at-least-once case). Many connections are served at once; each waits on its own.
  DIR/delay-data                  seconds (e.g. "0.2") to wait before answering the end of DATA: a
                                  slow server, so that a test can act while a pass is sending
Run with Debian's /usr/bin/python3 (python3-aiosmtpd).
"""
import argparse
import asyncio
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def tls_context(spec):
    cert, key = spec.split(":", 1)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


class Authenticator:
    def __init__(self, spec):
        user, password = spec.split(":", 1)
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


class Handler:
    def __init__(self, directory, rcpt_reply, data_reply, delay=0.0):
        self.dir = directory
        self.delay = delay
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        # numbering goes on after the messages a previous run left in DIR (a server restarted on the
        # same directory never overwrites one)
        self.count = max([int(f[4:8]) for f in os.listdir(directory)
                          if f.startswith("msg-") and f.endswith(".eml") and f[4:8].isdigit()] or [0])

    def reply(self, what, default):
        path = os.path.join(self.dir, "reply-" + what)
        try:
            with open(path) as f:
                text = f.read().strip()
            if text:
                return text
        except FileNotFoundError:
            pass
        return default

    def log_connection(self, hostname):
        with open(os.path.join(self.dir, "connections.log"), "a") as f:
            f.write(hostname + "\n")

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.log_connection(hostname)
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.log_connection(hostname)
        session.host_name = hostname
        return "250 {}".format(server.hostname)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        r = self.reply("rcpt", self.rcpt_reply)
        if r:
            return r
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        try:
            with open(os.path.join(self.dir, "delay-data")) as f:
                delay = float(f.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            delay = None
        if delay:
            await asyncio.sleep(delay)
        r = self.reply("data", self.data_reply)
        if r:
            return r
        self.count += 1
        base = os.path.join(self.dir, "msg-%04d" % self.count)
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n")
            for r in envelope.rcpt_tos:
                f.write(r + "\n")
            f.write("tls=%s\n" % ("yes" if session.ssl else "no"))
            user = session.auth_data if session.authenticated else None
            f.write("auth=%s\n" % (user.decode() if isinstance(user, bytes) else (user or "-")))
        os.rename(base + ".tmp", base + ".eml")
        delay = float(self.reply("delay", str(self.delay)) or 0)
        if delay > 0:
            await asyncio.sleep(delay)
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rcpt-reply", default=None)
    ap.add_argument("--data-reply", default=None)
    ap.add_argument("--starttls", default=None)
    ap.add_argument("--smtps", default=None)
    ap.add_argument("--auth", default=None)
    ap.add_argument("--delay", type=float, default=0.0)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Handler(args.dir, args.rcpt_reply, args.data_reply, args.delay)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    opts = dict(hostname="smtp.test", decode_data=False, enable_SMTPUTF8=True)
    if args.starttls:
        opts.update(tls_context=tls_context(args.starttls), require_starttls=True)
    if args.auth:
        opts.update(authenticator=Authenticator(args.auth), auth_required=True, auth_require_tls=True)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: SMTP(handler, **opts),
            "127.0.0.1",
            args.port,
            ssl=tls_context(args.smtps) if args.smtps else None,
        )
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
