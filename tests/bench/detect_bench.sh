#!/bin/sh
# detect_bench.sh - mailguard-detect figures (a benchmark, not a test).
#
#   A. One host, the full default probe table, against a built-in
#      personality behind the emulated ASA, with hyperfine, next to
#      nmap -sV --script smtp-commands on the same target.
#   B. 1,000 targets (10 emulators x 100 loopback addresses) with
#      --parallel 100: wall time, peak RSS, verdict counts; the same at 100
#      targets to show memory does not grow with the number of targets;
#      nmap -sV --script smtp-commands on the same 1,000 host:port pairs.
#
# Everything runs in a private network namespace (root needed), where the
# emulators can listen on 0.0.0.0 without being reachable from anywhere.
# Usage: tests/bench/detect_bench.sh [BUILDDIR]   (default: .)
# Env: MG_BENCH_COUNTS (target counts for B, default "100 1000"),
#      MG_BENCH_NMAP=0 skips the nmap runs, MG_BENCH_A=0 skips part A.
set -u
build=$(cd "${1:-.}" && pwd)
DETECT=$build/mailguard-detect
EMULATE=$build/mailguard-emulate
top=$(cd "$(dirname "$0")/../.." && pwd)
export MG_FP_FILE=${MG_FP_FILE:-$top/src/mailguard.fp}
[ "$(id -u)" -eq 0 ] || { echo "detect_bench: needs root (netns)"; exit 77; }
for c in hyperfine nmap /usr/bin/time; do
	command -v "$c" >/dev/null || { echo "detect_bench: $c missing"; exit 1; }
done

ns=mgbench$$
tmp=$(mktemp -d /tmp/mg-bench.XXXXXX)
pids=
cleanup()
{
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.3
	ip netns delete "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns add "$ns" && ip -n "$ns" link set lo up || exit 1
nsx() { ip netns exec "$ns" "$@"; }

# start_emu PROFILE UPSTREAM LISTEN TAG: sets EMU_PORT (no $(...) here:
# a background child would keep the substitution's pipe open).
start_emu()
{
	ip netns exec "$ns" "$EMULATE" --profile "$1" --upstream "builtin:$2" \
	    --listen "$3" </dev/null >"$tmp/emu.$4" 2>/dev/null &
	pids="$pids $!"
	n=0
	until grep -q '^listening on' "$tmp/emu.$4" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 300 ] || { echo "emulator did not start"; exit 1; }
		sleep 0.05
	done
	EMU_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/emu.$4")
}

echo "== machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
counts=${MG_BENCH_COUNTS:-100 1000}
if [ "${MG_BENCH_A:-1}" != 0 ]; then
echo "== A. one host, full default table, asa in front of builtin:exchange2003"
start_emu asa exchange2003 127.0.0.1:0 a
p=$EMU_PORT
nsx "$DETECT" --no-color 127.0.0.1:"$p" | head -n 1
nsx nmap -Pn -sV --script smtp-commands -p "$p" 127.0.0.1 2>/dev/null |
    grep -E '^[0-9]+/tcp|smtp-commands' | head -n 3
nsx hyperfine -N -i --warmup 2 --runs 20 --export-markdown "$tmp/a.md" \
    "$DETECT --no-color 127.0.0.1:$p" \
    "nmap -Pn -sV --script smtp-commands -p $p 127.0.0.1" >/dev/null 2>&1
cat "$tmp/a.md"
fi

echo "== B. many targets, --parallel 100"
profiles="off asa pix-6.3 asa-allow-tls pix-4.4 off asa pix-6.3 pix-4.1 asa"
servers="exchange2003 postfix sendmail exchange2007 postfix exchange2003 sendmail postfix exchange2007 postfix"
ports=
i=0
set -- $servers
for prof in $profiles; do
	i=$((i + 1))
	start_emu "$prof" "$1" 0.0.0.0:0 "b$i"
	shift
	ports="$ports $EMU_PORT"
done
max=0
for c in $counts; do [ "$c" -gt "$max" ] && max=$c; done
hosts=$(( (max + 9) / 10 ))
[ "$hosts" -le 250 ] || { echo "at most 2500 targets"; exit 1; }
for h in $(seq 1 "$hosts"); do
	for port in $ports; do echo "127.0.0.$h:$port"; done
done >"$tmp/listall"

run_many()	# list label
{
	nsx /usr/bin/time -f '%e %M' -o "$tmp/time" "$DETECT" --json \
	    --parallel 100 --timeout 10 -iL "$1" >"$tmp/out.json" 2>"$tmp/err"
	read -r wall rss <<EOT
$(tail -n 1 "$tmp/time")
EOT
	n=$(wc -l <"$tmp/out.json")
	verdicts=$(python3 -c '
import json, sys, collections
c = collections.Counter()
for l in open(sys.argv[1]):
    v = json.loads(l)["verdict"]
    c[v["family"] + "/" + v["generation"]] += 1
print(", ".join("%s %d" % kv for kv in sorted(c.items())))' "$tmp/out.json")
	echo "$2 targets: wall ${wall} s, peak RSS ${rss} KiB, $n reports: $verdicts"
}
for c in $counts; do
	head -n "$c" "$tmp/listall" >"$tmp/list$c"
	run_many "$tmp/list$c" "$c"
done

[ "${MG_BENCH_NMAP:-1}" != 0 ] || exit 0
plist=$(echo $ports | tr ' ' ',')
nsx /usr/bin/time -f '%e %M' -o "$tmp/ntime" nmap -Pn -sV \
    --script smtp-commands -p "$plist" 127.0.0.1-100 -oN "$tmp/nmap.txt" >/dev/null 2>&1
read -r nwall nrss <<EOT
$(tail -n 1 "$tmp/ntime")
EOT
nopen=$(grep -c '^[0-9]*/tcp *open' "$tmp/nmap.txt")
echo "nmap -sV --script smtp-commands, same 1000 host:port pairs: wall ${nwall} s, peak RSS ${nrss} KiB, $nopen open ports reported"
