#!/bin/sh
# capture_public.sh - every third-party capture in ../shared/captures-public
# (Zeek and nDPI test traces, none through an SMTP-inspecting box) is read
# by mailguard-detect -r without error (gzip ones through zcat and -r -),
# with sane session counts and no interference verdict.  Skips when the
# folder is absent (it is not part of the project).
. "${top_srcdir:-.}/tests/lib.sh"
mg_tmpdir
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"
pub="$top_srcdir/../shared/captures-public"
if [ ! -d "$pub" ]; then
	echo "SKIP: $pub absent (third-party captures are not shipped)"
	exit 0
fi

n=0
for f in "$pub"/*.pcap "$pub"/*.pcapng "$pub"/*.pcap.gz; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	case "$f" in
	*.gz) zcat "$f" | "$MG_DETECT" -r - --json >"$MG_TMP/$b.json" \
	    2>"$MG_TMP/$b.err" ;;
	*) "$MG_DETECT" -r "$f" --json >"$MG_TMP/$b.json" 2>"$MG_TMP/$b.err" ;;
	esac
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] ||
	    { cat "$MG_TMP/$b.err"; mg_fail "$b: exit $rc"; }
	[ ! -s "$MG_TMP/$b.err" ] || { cat "$MG_TMP/$b.err"; mg_fail "$b: stderr"; }
	"$MG_DETECT" -r "$f" --transcript -v >"$MG_TMP/$b.txt" 2>&1 ||
	    [ $? -eq 3 ] || [ $? -eq 0 ] || true
	case "$f" in *.gz) ;; *)
		grep -q '^Capture ' "$MG_TMP/$b.txt" ||
		    mg_fail "$b: text run printed no summary" ;;
	esac
	n=$((n + 1))
done
[ "$n" -gt 0 ] || mg_fail "no captures found in $pub"

"$MG_PYTHON" - "$MG_TMP" <<'PY' || mg_fail "JSON checks"
import glob, json, os, sys
# Known session counts (SMTP, implicit TLS) from the README of the folder
# and from reading the traces with tshark.
known = {
    "ndpi__smtp-starttls.pcap": (2, 0),      # 2nd: IPv6 in VLAN 125, gap
    "ndpi__smtps.pcapng": (0, 1),            # implicit TLS on 465
    "zeek__smtp__smtp-bdat-cmd-invalid.pcapng": (3, 0),
    "zeek__http__connect-with-smtp.pcap": (1, 0),  # through HTTP CONNECT
    "zeek__smtp-one-side-only.pcap": (1, 0),
    "zeek__smtp.pcap": (2, 0),
}
bad = 0
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    name = os.path.basename(path)[:-5]
    objs = [json.loads(l) for l in open(path) if l.strip()]
    summ = [o["capture_summary"] for o in objs if "capture_summary" in o]
    assert len(summ) == 1, name
    s = summ[0]
    sessions = [o for o in objs if "capture_summary" not in o]
    assert s["error"] is None, (name, s["error"])
    assert s["smtp_sessions"] + s["tls_sessions"] >= 1, name
    assert s["smtp_sessions"] + s["tls_sessions"] <= s["sessions"], name
    assert len(sessions) == s["smtp_sessions"] + s["tls_sessions"], name
    for o in sessions:
        fam = o.get("verdict", {}).get("family", "none")
        if fam in ("pix", "asa", "proxy"):
            print("%s: session %s judged %s" % (name, o.get("session"), fam))
            bad += 1
    if name in known:
        want = known[name]
        got = (s["smtp_sessions"], s["tls_sessions"])
        if got != want:
            print("%s: sessions %r, want %r" % (name, got, want))
            bad += 1
    print("ok %s: %d sessions, %d SMTP, %d TLS, verdicts %s" % (name,
          s["sessions"], s["smtp_sessions"], s["tls_sessions"],
          {k: v for k, v in s["verdicts"].items() if v}))
sys.exit(1 if bad else 0)
PY
mg_pass "$n public captures read: no error, sane counts, no interference"

# stdin of a plain pcap gives the same summary as the file.
f="$pub/zeek__smtp.pcap"
if [ -f "$f" ]; then
	"$MG_DETECT" -r - -q <"$f" | sed 's/^Capture -:/Capture X:/' >"$MG_TMP/stdin.txt"
	"$MG_DETECT" -r "$f" -q | sed "s|^Capture $f:|Capture X:|" >"$MG_TMP/file.txt"
	cmp -s "$MG_TMP/stdin.txt" "$MG_TMP/file.txt" ||
	    { diff "$MG_TMP/stdin.txt" "$MG_TMP/file.txt"; mg_fail "stdin differs"; }
	mg_pass "-r - reads stdin like a file"
fi
exit 0
