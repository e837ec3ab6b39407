#!/bin/sh
# detect_emulate.sh - the confusion matrix: every mailguard-emulate profile
# in front of every built-in server personality -> expected family and
# generation.  All emulators (32) run at once and ONE mailguard-detect run
# probes them all (--parallel), with --send-test-message so that the
# end-of-data probe can tell pix-5.1 from pix-6.3.  Profile "off" (a pure
# relay) must give none.  Prints the matrix; every cell must be right, and
# the exit code must be 1 (interference found) as soon as one cell is not
# none.
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"

# pix-5.1 twice: its default eod_split_bug=late (the cut CRLF held until
# the client's next segment or EOF) and swallow (cut for ever).
profiles="off pix-4.1 pix-4.4 pix-5.1 pix-5.1-swallow pix-6.3 asa
asa-allow-tls"
ncells=$(($(echo $profiles | wc -w) * 4))

# emuargs PROFILE: the emulator's options for that row
emuargs()
{
	case $1 in
	pix-5.1-swallow) echo "--profile pix-5.1 --set eod_split_bug=swallow" ;;
	*)		echo "--profile $1" ;;
	esac
}
servers="exchange2003 exchange2007 postfix sendmail"

expect()
{
	case $1 in
	off) echo none ;;
	asa*) echo "asa/$1" ;;
	pix-5.1-*) echo pix/pix-5.1 ;;
	pix*) echo "pix/$1" ;;
	esac
}

: >"$MG_TMP/targets"
: >"$MG_TMP/cells"
pids=
# Start all at once on port 0; each prints the port it bound.
for p in $profiles; do
	for s in $servers; do
		# shellcheck disable=SC2046
		mg_start_bg "emu-$p-$s" "$MG_EMULATE" $(emuargs "$p") \
		    --upstream "builtin:$s" --listen 127.0.0.1:0
		pids="$pids $MG_BG_PID"
	done
done
for p in $profiles; do
	for s in $servers; do
		log=$MG_TMP/emu-$p-$s.log
		mg_wait_has "$log" 'listening on 127.0.0.1:' 30 ||
		    mg_fail "emulator $p/$s did not listen"
		port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$log")
		[ -n "$port" ] || mg_fail "no port in $log"
		echo "127.0.0.1:$port" >>"$MG_TMP/targets"
		echo "127.0.0.1:$port $p $s $(expect "$p")" >>"$MG_TMP/cells"
	done
done
# stop them all together at exit (mg_kill then finds them gone)
mg_cleanup_add "for q in $pids; do kill -TERM -\$q 2>/dev/null; done; sleep 0.3"

t0=$(date +%s%N)
"$MG_DETECT" --json --parallel "$ncells" --timeout 4 --seed 1 \
    --send-test-message postmaster@example.test \
    -iL "$MG_TMP/targets" >"$MG_TMP/all.json" 2>"$MG_TMP/all.err"
rc=$?
t1=$(date +%s%N)
mg_log "$ncells targets probed in $(( (t1 - t0) / 1000000 )) ms, exit $rc"
mg_assert_eq "$rc" 1 "exit code with interference in the set"

"$MG_PYTHON" - "$MG_TMP/cells" "$MG_TMP/all.json" <<'PY' || mg_fail "confusion matrix"
import json, sys
cells = [l.split() for l in open(sys.argv[1])]
got = {}
for line in open(sys.argv[2]):
    o = json.loads(line)
    v = o["verdict"]
    got[o["target"]] = (v["family"] if v["family"] == "none"
                        else v["family"] + "/" + v["generation"])
profiles, servers = [], []
for t, p, s, want in cells:
    if p not in profiles: profiles.append(p)
    if s not in servers: servers.append(s)
table = {(p, s): (t, want) for t, p, s, want in cells}
bad = 0
print("%-16s" % "profile" + "".join(" %-24s" % s for s in servers))
for p in profiles:
    row = "%-16s" % p
    for s in servers:
        t, want = table[(p, s)]
        g = got.get(t, "(no report)")
        mark = "ok" if g == want else "WRONG"
        bad += g != want
        row += " %-24s" % ("%s %s" % (g, mark))
    print(row)
print("%d of %d cells right" % (len(cells) - bad, len(cells)))
sys.exit(1 if bad else 0)
PY
mg_pass "confusion matrix: $ncells cells right"

# Every report classifies each probe by its subject: mail-8bitmime by the
# MAIL FROM ... BODY=8BITMIME reply, segmented by the NOOP sent one byte
# per segment, eod-split by the body's fate: under pix-5.1 "no reply",
# elsewhere "answered".
"$MG_PYTHON" - "$MG_TMP/cells" "$MG_TMP/all.json" <<'PY' ||
import json, sys
prof = {l.split()[0]: l.split()[1] for l in open(sys.argv[1])}
bad = 0
for line in open(sys.argv[2]):
    o = json.loads(line)
    p = {x["name"]: x["classification"] for x in o["probes"]}
    c = p.get("mail-8bitmime", "(missing)")
    if not c.startswith("MAIL -> "):
        print("%s %s: mail-8bitmime classified %r" % (
            o["target"], prof[o["target"]], c))
        bad += 1
    c = p.get("segmented", "(missing)")
    if not c.startswith("NOOP -> ") or "sent in 6 segments" not in c:
        print("%s %s: segmented classified %r" % (
            o["target"], prof[o["target"]], c))
        bad += 1
    e = p.get("eod-split", "(missing)")
    want = ("no reply" if prof[o["target"]].startswith("pix-5.1")
            else "answered")
    if "body" not in e or want not in e.split("body", 1)[1]:
        print("%s %s: eod-split classified %r, want %r" % (
            o["target"], prof[o["target"]], e, want))
        bad += 1
sys.exit(1 if bad else 0)
PY
    mg_fail "probe classifications"
mg_pass "probes classified by their subject (MAIL, NOOP, end of data)"

# One cell's evidence in text: ASA masks STARTTLS as XXXXXXXA, decoded.
t=$(awk '$2 == "asa" && $3 == "postfix" { print $1 }' "$MG_TMP/cells")
"$MG_DETECT" --no-color "$t" >"$MG_TMP/asa.txt"
mg_assert_eq "$?" 1 "exit code under asa"
mg_assert_has "$MG_TMP/asa.txt" 'XXXXXXXA' "masked STARTTLS keyword shown"
mg_assert_has "$MG_TMP/asa.txt" 'STARTTLS' "decoded to STARTTLS"
mg_pass "asa evidence: masked keyword decoded"

# Exchange 2003 ends its EHLO reply with "250 OK": masked "X<letter>", it
# decodes to OK, not "?".
t=$(awk '$2 == "asa" && $3 == "exchange2003" { print $1 }' "$MG_TMP/cells")
"$MG_DETECT" --no-color --probes ehlo "$t" >"$MG_TMP/asa-ex.txt"
grep -Eq '^  X[A-Z] +2 bytes +-> OK$' "$MG_TMP/asa-ex.txt" || {
	mg_show "$MG_TMP/asa-ex.txt" | head -n 40 >&2
	mg_fail "masked OK not decoded"
}
mg_pass "asa evidence: Exchange's masked '250 OK' decoded to OK"

# asa-allow-tls: the real TLS handshake completes through the emulator and
# the EHLO inside TLS is in its own transcript.
t=$(awk '$2 == "asa-allow-tls" && $3 == "exchange2003" { print $1 }' "$MG_TMP/cells")
"$MG_DETECT" --json --probes starttls "$t" >"$MG_TMP/tls.json"
"$MG_PYTHON" - "$MG_TMP/tls.json" <<'PY' || mg_fail "TLS through asa-allow-tls"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
names = {p["name"]: p for p in o["probes"]}
assert "TLS started" in names["starttls"]["classification"], names["starttls"]
inner = names["starttls-inner"]
assert inner["classification"].startswith("EHLO -> 250"), inner
assert "250-STARTTLS" not in inner["reply"]        # RFC 3207: not again
PY
mg_pass "STARTTLS handshake through asa-allow-tls, EHLO inside TLS"
