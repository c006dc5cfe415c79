#!/usr/bin/env bash
# The dataplane (io = socket) wakes the control plane for a miss before it
# sends the answers of the hits that came in the same burst (dataplane/
# sock.c serve_socket): over loopback sendmmsg delivers each answer in the
# sender's context, so under a flood of hits a miss among them waited for a
# whole burst's answers before its resolver was woken (issue 14 item 6:
# ordinary misses during a flood).
#
# How: seven names cached, the dataplane stopped (SIGSTOP) while one burst
# of seven hits and one miss is queued on its socket, then continued under
# strace; its worker's system calls must be recvmmsg (8), then the miss
# doorbell's futex wake, then sendmmsg (7). Before the fix the futex wake
# came after the sendmmsg. All eight answered.
#
# Usage: misskick.sh BOLTDNS_DP BOLTDNS_CP DP_STATS   (root; 77 = skipped)
. "$(dirname "$0")/lib.sh"

e2e_need strace python3
e2e_init misskick "$1" "$2" "$3"
e2e_start_all
echo "(started in ${SECONDS} s)"

names=""
for i in 1 2 3 4 5 6 7; do
  n="h000$i.bulk.boltnet"
  [ "$(rcode_of "$n" A)" = NOERROR ] || bad "$n not resolved"
  names="$names $n"
done
# cached: the dataplane answers them (the hit counter moves)
h0=$(dp_stat hits)
for n in $names; do q +short "$n" A >/dev/null; done
h1=$(dp_stat hits)
[ $((h1 - h0)) -ge 7 ] && ok "seven names cached (hits +$((h1 - h0)))" || bad "hits $h0 -> $h1 (want +7)"
miss="m$$-$RANDOM.wild.dom2.boltorg"
sleep 0.5   # the control plane asleep on its doorbell

st="$E2E_DIR/strace.txt"
strace -f -qq -e trace=recvmmsg,sendmmsg,futex -e signal=none -o "$st" -p "$E2E_DP_PID" 2>"$E2E_DIR/strace.err" &
spid=$!
for _ in $(seq 50); do grep -q . "$st" 2>/dev/null && break; [ -s "$E2E_DIR/strace.err" ] && break; sleep 0.1; done
sleep 0.3
kill -STOP "$E2E_DP_PID"
out=$(ns python3 - "$E2E_PORT" "$E2E_DP_PID" "$miss" $names <<'EOF'
import os, signal, socket, struct, sys, time
port, dp, miss, hits = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for l in name.rstrip(".").split("."):
        q += bytes([len(l)]) + l.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.0.0.1", port))
for i, n in enumerate(hits + [miss]):
    s.send(query(i + 1, n))
time.sleep(0.2)               # all eight queued on the stopped dataplane's socket
os.kill(dp, signal.SIGCONT)
s.settimeout(5)
got = set()
try:
    while len(got) < 8:
        a = s.recv(4096)
        if a[3] & 0xF == 0 and struct.unpack(">H", a[6:8])[0] > 0:
            got.add(struct.unpack(">H", a[:2])[0])
except socket.timeout:
    pass
print(len(got))
EOF
)
kill -CONT "$E2E_DP_PID" 2>/dev/null
sleep 0.3
kill "$spid" 2>/dev/null
wait "$spid" 2>/dev/null
[ "$out" = 8 ] && ok "all eight answered with records" || bad "$out of 8 answered with records"

# The worker's calls from its burst of eight on: recvmmsg = 8, then the
# first futex wake and the first sendmmsg of 7, in that order.
order=$(awk '
  !t && /recvmmsg.*= 8$/ { t = $1; next }
  t && $1 == t && /futex\(.*FUTEX_WAKE/ && !w { w = 1; print "wake" }
  t && $1 == t && /sendmmsg.*= 7$/ && !s { s = 1; print "send7" }
  ' "$st" | tr '\n' ' ')
echo "worker after its burst of 8: $order"
case "$order" in
"wake send7 "*) ok "the miss's doorbell rung before the seven hits' answers were sent" ;;
"") bad "no burst of 8 seen by strace ($(wc -l < "$st") lines; $(head -c 300 "$E2E_DIR/strace.err"))"
    grep -E 'recvmmsg|sendmmsg|WAKE' "$st" | head -20 ;;
*) bad "the worker's order after the burst: $order (want: wake send7)"
   grep -E 'recvmmsg|sendmmsg|WAKE' "$st" | head -20 ;;
esac
e2e_finish
