#!/bin/sh
# docs_options.sh - every long option the programs accept (the getopt
# tables in src/) is in their --help output and in their man page, and
# every option --help shows is in the man page: the documentation cannot
# fall behind the code unnoticed.  Exempt: --help and --version (every
# program), and long spellings of short options whose short form is what
# --help and the man page show (-iL, -F, -w).
. "${top_srcdir:-.}/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || mg_fail "python3 missing"
python3 - "$top_srcdir" "$MG_DETECT" "$MG_EMULATE" <<'PY' || exit 1
import re, subprocess, sys
top, detect, emulate = sys.argv[1:4]
EXEMPT = {"help", "version", "input-list", "fingerprints", "write"}

def table(f, name):
    s = open(top + "/src/" + f).read()
    i = s.index(name)
    return re.findall(r'\{ "([a-z0-9-]+)"', s[i:s.index("{ NULL", i)])

def longopts(text):
    return set(re.findall(r"--([a-z][a-z0-9-]*[a-z0-9])", text))

def man(f):
    return longopts(open(top + "/docs/" + f).read().replace("\\-", "-"))

def helptext(*argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if "usage" not in p.stdout + p.stderr:
        sys.exit("%s printed no usage" % " ".join(argv))
    return longopts(p.stdout + p.stderr)

probe = helptext(detect, "--help")
cap = helptext(detect, "-r", "x.pcap", "--help")
emu = helptext(emulate, "--help")
inl = helptext(emulate, "--inline", "--help")
mdet, memu = man("mailguard-detect.1"), man("mailguard-emulate.1")
bad = 0
for what, f, tab, h, m in (
        ("mailguard-detect", "cmd_probe.c", "cp_longopts[]", probe, mdet),
        ("mailguard-detect -r", "cmd_analyze.c", "longopts[]", cap, mdet),
        ("mailguard-emulate", "emu_cli.c", "emu_cli_longopts[]", emu, memu),
        ("mailguard-emulate --inline", "cmd_inline.c", "ci_longopts[]",
         inl | emu, memu)):
    opts = table(f, tab)
    if len(opts) < 5:
        sys.exit("src/%s: option table %s not found" % (f, tab))
    for o in opts:
        if o in EXEMPT:
            continue
        if o not in h:
            print("FAIL: %s accepts --%s, its --help does not show it"
                  % (what, o)); bad += 1
        if o not in m:
            print("FAIL: %s accepts --%s, its man page does not document it"
                  % (what, o)); bad += 1
    print("%s: %d options, help and man page checked" % (what, len(opts)))
# what --help shows must be documented (nftables' --queue-num is quoted
# from an iptables command line, not an option of ours)
for what, h, m in (("mailguard-detect", probe | cap, mdet),
                   ("mailguard-emulate", emu | inl, memu)):
    for o in sorted(h - m - EXEMPT - {"queue-num"}):
        print("FAIL: %s --help shows --%s, the man page does not" % (what, o))
        bad += 1
sys.exit(1 if bad else 0)
PY
echo "PASS: --help and man pages list every option"
