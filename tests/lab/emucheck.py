#!/usr/bin/env python3
"""emucheck.py - an independent oracle for mailguard-emulate in front of a
real MTA: what the MTA sent (its own log) against what the client saw.

usage: emucheck.py BANNER EHLO MTA_REPLIES CLIENT_CHAT MTA_COMMANDS

  BANNER   off | asa | zero-two | after4   greeting rule
  EHLO     off | asa | asa-tls             EHLO-reply keyword rule
  MTA_REPLIES   `mta.sh replies DIR OFFSET` (lines the MTA sent)
  MTA_COMMANDS  `mta.sh commands DIR OFFSET` (lines the MTA received)
  CLIENT_CHAT   smtpchat.py's transcript of the same single connection

The rules are written from shared/docs/middlebox-behaviour.md, not from
mailguard's code, so the test can disagree with the emulator:
  asa      banner: every byte after "DDD " / "DDD-" becomes '*', on every
           greeting line (OBS, four samples).
  zero-two banner (PIX 5.1-6.3, DOC): every byte becomes '*' except '2',
           '0' and a space that directly follows a '0'.
  after4   banner (PIX 4.4 default): the first four bytes kept, the rest of
           the greeting masked.
  asa EHLO: first line passes; a keyword outside 8BITMIME AUTH AUTH=
           BINARYMIME CHECKPOINT DSN ENHANCEDSTATUSCODES ETRN PIPELINING
           SIZE VRFY (asa-tls: also STARTTLS) becomes (length-1) 'X' and a
           capital letter counting A, B, C ... in the reply; parameters
           kept (default).
Every other reply must reach the client unchanged (the box never invents
a reply after PIX 4.2).  Replies are paired with commands in order: reply
0 is the greeting, then one reply per command (no pipelining in the chat),
except the reply after a 354, which answers the message data.
Prints one line per reply, "ok" or "MISMATCH"; exit 0 when all match,
1 otherwise, 2 on usage errors.  After a 220 reply to STARTTLS the
session is TLS, out of the box's reach: the replies inside it (the MTA
logs them, the client decrypts them) must match unchanged.
"""

import codecs
import sys

ASA_KEYWORDS = {"8BITMIME", "AUTH", "AUTH=", "BINARYMIME", "CHECKPOINT",
                "DSN", "ENHANCEDSTATUSCODES", "ETRN", "PIPELINING", "SIZE",
                "VRFY"}


def group(lines):
    """Lines into replies: a reply ends with a line whose 4th byte is not
    '-' (RFC 5321 section 4.2.1)."""
    replies, cur = [], []
    for line in lines:
        cur.append(line)
        if len(line) < 4 or line[3] != "-":
            replies.append(cur)
            cur = []
    if cur:
        replies.append(cur)
    return replies


def read_lines(path):
    with open(path, "rb") as f:
        return [l.rstrip(b"\r\n").decode("latin-1") for l in f]


def read_chat(path):
    out = []
    for line in read_lines(path):
        if line.startswith("S: "):
            text = line[3:]
            if text.endswith(" (partial)"):
                text = text[:-10]
            out.append(codecs.escape_decode(text)[0].decode("latin-1"))
    return out


def banner_asa(lines):
    return [l[:4] + "*" * (len(l) - 4) for l in lines]


def banner_zero_two(lines):
    out = []
    for l in lines:
        res = []
        for i, ch in enumerate(l):
            if ch in "20" or (ch == " " and i > 0 and l[i - 1] == "0"):
                res.append(ch)
            else:
                res.append("*")
        out.append("".join(res))
    return out


def banner_after4(lines):
    out = []
    for n, l in enumerate(lines):
        out.append(l[:4] + "*" * (len(l) - 4) if n == 0 else "*" * len(l))
    return out


BANNERS = {"off": lambda x: x, "asa": banner_asa,
           "zero-two": banner_zero_two, "after4": banner_after4}


def ehlo_asa(lines, allowed):
    out, letter = [lines[0]], 0
    for l in lines[1:]:
        head, text = l[:4], l[4:]
        word, sep, rest = text.partition(" ")
        key = word.upper()
        if key in allowed or (key.startswith("AUTH=") and "AUTH=" in allowed):
            out.append(l)
            continue
        masked = "X" * (len(word) - 1) + chr(ord("A") + letter % 26)
        letter += 1
        out.append(head + masked + sep + rest)
    return out


def main(argv):
    if len(argv) != 6 or argv[1] not in BANNERS or \
            argv[2] not in ("off", "asa", "asa-tls"):
        print(__doc__, file=sys.stderr)
        return 2
    banner, ehlo = BANNERS[argv[1]], argv[2]
    mta = group(read_lines(argv[3]))
    client = group(read_chat(argv[4]))
    cmds = read_lines(argv[5])
    allowed = set(ASA_KEYWORDS)
    if ehlo == "asa-tls":
        allowed.add("STARTTLS")
    bad, tls = 0, False
    if len(client) != len(mta):
        print("MISMATCH count: the MTA sent %d replies, the client saw %d"
              % (len(mta), len(client)))
        bad += 1
    ci, after_354 = 0, False
    for i, (m, c) in enumerate(zip(mta, client)):
        if i == 0:
            cmd = ""
        elif after_354:
            cmd = "<message data>"  # the reply to the data, not a command
        else:
            cmd = cmds[ci] if ci < len(cmds) else ""
            ci += 1
        after_354 = m[-1].startswith("354")
        verb = cmd.split(" ", 1)[0].upper()
        if i == 0:
            want, what = banner(m), "greeting"
        elif verb == "EHLO" and ehlo != "off" and len(m) > 1 and not tls:
            want, what = ehlo_asa(m, allowed), "EHLO reply"
        else:
            want, what = m, "reply to %r" % cmd
        if verb == "STARTTLS" and m[-1].startswith("220"):
            tls = True      # inspection ends (allow-tls); TLS from here
        if want == c:
            print("ok %s: %s" % (what, " | ".join(c)))
        else:
            bad += 1
            print("MISMATCH %s:\n  MTA sent:    %s\n  expected:    %s\n"
                  "  client saw:  %s" % (what, " | ".join(m),
                                         " | ".join(want), " | ".join(c)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
