#!/bin/sh
# lab_capture.sh - capture pairs made by the lab (tests/lab/capture.sh:
# swaks -> mailguard-emulate -> real Exim, tcpdump on both sides) feed the
# capture analyzer: the outside capture alone is judged like the profile
# (off -> none, asa -> asa, pix-6.3 -> pix), and the outside/inside pair
# shows the rewritten byte ranges (greeting masked with the greeting Exim
# really sent as "before"; STARTTLS masked under asa; EHLO turned into NOOP
# under pix-6.3) and nothing under off.  Proves the lab's captures and the
# analyzer against real traffic rather than generated packets.
. "${top_srcdir:-.}/tests/lib.sh"

mg_require_root
mg_require_cmd tcpdump tcpdump
mg_require_cmd swaks swaks
[ -x "$MG_EMULATE" ] || mg_fail "no $MG_EMULATE"
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
mg_tmpdir

for prof in off asa pix-6.3; do
	sh "$top_srcdir/tests/lab/capture.sh" "$prof" exim "$MG_TMP/caps" \
	    >"$MG_TMP/$prof.prov" 2>"$MG_TMP/$prof.err" ||
	    { cat "$MG_TMP/$prof.err" >&2; mg_fail "capture.sh $prof exim"; }
	out=$MG_TMP/caps/$prof-exim-outside.pcap
	in=$MG_TMP/caps/$prof-exim-inside.pcap
	"$MG_DETECT" -F "$MG_FP_FILE" --json -r "$out" >"$MG_TMP/$prof.one" \
	    2>"$MG_TMP/$prof.one.err"
	"$MG_DETECT" -F "$MG_FP_FILE" --json -r "$out" -r "$in" \
	    >"$MG_TMP/$prof.diff" 2>"$MG_TMP/$prof.diff.err"
	"$MG_PYTHON" - "$prof" "$MG_TMP/$prof.one" "$MG_TMP/$prof.diff" \
	    >"$MG_TMP/$prof.check" 2>&1 <<'EOF'
import json, sys
prof, one, diff = sys.argv[1], sys.argv[2], sys.argv[3]
bad = []
v = json.loads(open(one).readline())["verdict"]
want = {"off": "none", "asa": "asa", "pix-6.3": "pix"}[prof]
print("outside alone: %s/%s" % (v["family"], v["generation"]))
if v["family"] != want:
    bad.append("family %s, want %s" % (v["family"], want))
d = json.loads(open(diff).readline())["capture_diff"]
m = d["matched"]
print("pair: %d matched, %d/%d unmatched, differs=%s" % (
    len(m), len(d["unmatched_outside"]), len(d["unmatched_inside"]),
    d["differs"]))
if len(m) != 1 or d["unmatched_outside"] or d["unmatched_inside"]:
    bad.append("the session pair was not matched one to one")
ranges = m[0]["ranges"] if m else []
for r in ranges:
    print("  %s +%d %s: %r -> %r" % (r["dir"], r["offset"], r["what"],
                                     r["before"], r["after"]))
greet = [r for r in ranges if r["dir"] == "S>C" and r["offset"] == 4]
if prof == "off":
    if d["differs"] or ranges:
        bad.append("off: differences reported")
else:
    ok = bool(greet) and \
        greet[0]["before"].startswith("exim.lab.test ESMTP Exim")
    if ok and prof == "asa":
        ok = set(greet[0]["after"]) == {"*"}
    if not ok:
        bad.append("greeting range missing or wrong")
    if not d["differs"]:
        bad.append("no differences reported")
if prof == "asa" and not any(r["before"] == "STARTTLS" and
                             r["after"].startswith("XXXXXXX")
                             for r in ranges):
    bad.append("asa: STARTTLS -> XXXXXXX? not reported")
if prof == "pix-6.3" and not any(r["dir"] == "C>S" and
                                 r["before"].startswith("EHLO") and
                                 r["after"].startswith("NOOP")
                                 for r in ranges):
    bad.append("pix-6.3: EHLO -> NOOP not reported")
for b in bad:
    print("BAD: " + b)
sys.exit(1 if bad else 0)
EOF
	rc=$?
	cat "$MG_TMP/$prof.check"
	[ "$rc" -eq 0 ] || {
		cat "$MG_TMP/$prof.one.err" "$MG_TMP/$prof.diff.err" >&2
		mg_fail "$prof: the analyzer's view of the lab capture is wrong"
	}
	mg_pass "$prof in front of Exim: capture pair judged and diffed"
done
