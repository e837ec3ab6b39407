#!/usr/bin/env python3
"""smtpchat.py - a scripted SMTP client for mailguard's e2e tests.

It controls TCP segmentation (TCP_NODELAY, one send() per step, pauses),
records exactly what the server sent, and never retries by itself.

usage: smtpchat.py [--raw FILE] [--timeout SECS] HOST PORT STEP...

Steps (TEXT takes python escapes: \\r \\n \\t \\xNN):
  greet           read the greeting (one full reply)
  cmd:TEXT        send TEXT + CRLF in one segment, read one full reply
  send:TEXT       send TEXT as one segment, read nothing
  bytewise:TEXT   send TEXT one byte per segment (10 ms apart)
  reply           read one full reply
  pause:MS        sleep MS milliseconds
  starttls        start TLS on the socket (no certificate check)
  expect-silence:SECS
                  succeed if no byte arrives for SECS, print SILENT;
                  else read the reply and print GOT
  close           close the connection

A full reply ends with a line whose fourth byte is a space (RFC 5321
section 4.2.1: "DDD text" ends a multi-line reply).  Each reply is printed
as "S: <escaped line>"; each send as "C: <escaped bytes>"; a timeout as
"TIMEOUT", a closed connection as "EOF".  --raw FILE gets every byte the
server sent, unchanged (after STARTTLS: the decrypted bytes).
Exit status: 0 when every step ran, 1 when a step timed out or the
connection closed early (the transcript still says how far it got), 2 on
usage or connect errors.
"""

import socket
import ssl
import sys
import time


def unescape(text):
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def show(data):
    return repr(bytes(data))[2:-1]


class Chat:
    def __init__(self, host, port, timeout, raw):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(fam, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.timeout = timeout
        self.raw = raw
        self.pending = b""
        self.ok = True

    def record(self, data):
        if self.raw is not None:
            self.raw.write(data)
            self.raw.flush()

    def fill(self):
        """Read more bytes into pending; False on EOF or timeout."""
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            print("TIMEOUT")
            self.ok = False
            return False
        except (ConnectionError, ssl.SSLError) as err:
            print("EOF (%s)" % err)
            self.ok = False
            return False
        if not data:
            print("EOF")
            self.ok = False
            return False
        self.record(data)
        self.pending += data
        return True

    def reply(self):
        """Read one full reply; returns its lines (bytes, without CRLF)."""
        lines = []
        deadline = time.monotonic() + self.timeout
        while True:
            while b"\n" not in self.pending:
                if time.monotonic() > deadline or not self.fill():
                    if self.pending:
                        print("S: %s (partial)" % show(self.pending))
                    return lines
            line, self.pending = self.pending.split(b"\n", 1)
            line = line.rstrip(b"\r")
            print("S: %s" % show(line))
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return lines

    def send(self, data):
        print("C: %s" % show(data))
        self.sock.sendall(data)

    def silence(self, secs):
        self.sock.settimeout(secs)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            print("SILENT")
            return
        finally:
            self.sock.settimeout(self.timeout)
        if data:
            self.record(data)
            self.pending += data
            print("GOT")
            self.reply()
        else:
            print("EOF")

    def starttls(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.sock = ctx.wrap_socket(self.sock)
        print("TLS %s %s" % (self.sock.version(), self.sock.cipher()[0]))


def run(chat, step):
    kind, _, arg = step.partition(":")
    if kind == "greet" or kind == "reply":
        if not chat.reply():
            chat.ok = False
    elif kind == "cmd":
        chat.send(unescape(arg) + b"\r\n")
        if not chat.reply():
            chat.ok = False
    elif kind == "send":
        chat.send(unescape(arg))
    elif kind == "bytewise":
        for b in unescape(arg):
            chat.send(bytes([b]))
            time.sleep(0.01)
    elif kind == "pause":
        time.sleep(int(arg) / 1000.0)
    elif kind == "starttls":
        chat.starttls()
    elif kind == "expect-silence":
        chat.silence(float(arg))
    elif kind == "close":
        chat.sock.close()
    else:
        raise ValueError("unknown step %r" % step)


def main(argv):
    raw_path = None
    timeout = 20.0
    args = list(argv[1:])
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--raw" and args:
            raw_path = args.pop(0)
        elif opt == "--timeout" and args:
            timeout = float(args.pop(0))
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, steps = args[0], int(args[1]), args[2:]
    raw = open(raw_path, "ab") if raw_path else None
    try:
        chat = Chat(host, port, timeout, raw)
    except OSError as err:
        print("CONNECT FAILED: %s" % err)
        return 2
    for step in steps:
        if not chat.ok:
            break
        try:
            run(chat, step)
        except (OSError, ssl.SSLError) as err:
            print("ERROR in %s: %s" % (step, err))
            chat.ok = False
    sys.stdout.flush()
    return 0 if chat.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
