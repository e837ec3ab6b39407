#!/bin/sh
# detect_mx.sh - mail domains: MX lookup with res_query in preference
# order, the RFC 5321 5.1 fallback to the address records, and the RFC
# 7505 null MX, against a small DNS server of our own inside a network
# namespace (ip netns exec bind-mounts /etc/netns/NS/resolv.conf, so the
# resolver asks it and nothing leaves the namespace).
. "${top_srcdir:-.}/tests/lib.sh"
mg_require_netns
mg_tmpdir
mg_require_cmd smtp-sink postfix
[ -x "$MG_DETECT" ] || mg_fail "no $MG_DETECT"

ns=mgmx$$
ip netns add "$ns" || mg_fail "ip netns add"
mg_cleanup_add "ip netns delete $ns 2>/dev/null; rm -rf /etc/netns/$ns"
ip -n "$ns" link set lo up || mg_fail "lo up"
mkdir -p "/etc/netns/$ns"
echo "nameserver 127.0.0.1" >"/etc/netns/$ns/resolv.conf"
echo "options timeout:2 attempts:1" >>"/etc/netns/$ns/resolv.conf"

cat >"$MG_TMP/dns.py" <<'PY'
# A tiny authoritative DNS server for the test zone (RFC 1035 4.1).
import socket, struct
MX = {"example.test": [(20, "mx2.example.test"), (10, "mx1.example.test")],
      "nullmx.test": [(0, "")]}
A = {"mx1.example.test": "127.0.0.2", "mx2.example.test": "127.0.0.3",
     "nomx.test": "127.0.0.4"}
KNOWN = set(MX) | set(A)

def name(n):
    out = b""
    for label in [l for l in n.split(".") if l]:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"

def answer(q):
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    i, labels = 12, []
    while q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode().lower())
        i += 1 + q[i]
    qname = ".".join(labels)
    qtype, = struct.unpack("!H", q[i + 1:i + 3])
    question = q[12:i + 5]
    rrs = []
    if qtype == 15:
        for pref, host in MX.get(qname, []):
            rd = struct.pack("!H", pref) + name(host)
            rrs.append(struct.pack("!HHHIH", 0xc00c, 15, 1, 60, len(rd)) + rd)
    elif qtype == 1 and qname in A:
        rd = socket.inet_aton(A[qname])
        rrs.append(struct.pack("!HHHIH", 0xc00c, 1, 1, 60, 4) + rd)
    rcode = 0 if qname in KNOWN else 3
    hdr = struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, len(rrs), 0, 0)
    return hdr + question + b"".join(rrs)

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
while True:
    q, peer = s.recvfrom(512)
    try:
        s.sendto(answer(q), peer)
    except Exception:
        pass
PY
mg_start_bg dns ip netns exec "$ns" "$MG_PYTHON" "$MG_TMP/dns.py"
dnspid=$MG_BG_PID
for i in 2 3 4; do
	mg_start_bg "sink$i" ip netns exec "$ns" smtp-sink -u nobody 127.0.0.$i:25 20
	mg_wait_port 127.0.0.$i 25 20 "$MG_BG_PID" "$ns" || mg_fail "sink $i"
done
mg_alive "$dnspid" || mg_fail "DNS server died"

det()
{
	ip netns exec "$ns" "$MG_DETECT" --json --parallel 1 --timeout 3 \
	    --probes greeting,ehlo,invalid-verb "$@" >"$MG_TMP/out" 2>"$MG_TMP/err"
	rc=$?
}
addrs()
{
	"$MG_PYTHON" -c '
import json, sys
print(" ".join(json.loads(l)["address"] for l in open(sys.argv[1])))' "$MG_TMP/out"
}

# Two MX hosts, listed out of order: probed in preference order.
det example.test
mg_assert_eq "$rc" 0 "exit code for a clean mail domain"
mg_assert_eq "$(addrs)" "127.0.0.2 127.0.0.3" "MX hosts in preference order"
mg_pass "MX lookup: every MX host, in preference order"

# No MX: the domain is its own MX (RFC 5321 5.1).
det nomx.test
mg_assert_eq "$rc" 0 "exit code, implicit MX"
mg_assert_eq "$(addrs)" "127.0.0.4" "fallback to the A record"
mg_pass "no MX: fallback to the address record"

# A name with a port is a host: no MX lookup (its A record is used).
det nomx.test:25
mg_assert_eq "$(addrs)" "127.0.0.4" "host:port resolved directly"

# Null MX and an unknown domain: reported, exit 3, nothing probed.
det nullmx.test
mg_assert_eq "$rc" 3 "exit code for a null MX"
mg_assert_has "$MG_TMP/out" 'null MX' "null MX named in the JSON error"
det nosuch.test
mg_assert_eq "$rc" 3 "exit code for an unknown domain"
mg_pass "null MX (RFC 7505) and unknown domains"

# --dry-run says a lookup would happen but makes none.
ip netns exec "$ns" "$MG_DETECT" --dry-run --probes greeting example.test >"$MG_TMP/dry"
mg_assert_has "$MG_TMP/dry" 'target example.test: host example.test port 25 (MX lookup)' "dry-run target line"
mg_pass "dry run names the MX lookup"
