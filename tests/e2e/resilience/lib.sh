# Helpers of the resilience tests (issue 12), sourced after nothing else:
# brings in tests/e2e/control/lib.sh (namespace, hierarchy, boltdns-dp/-cp,
# q, rcode_of, short_of, ok, bad, e2e_finish) and adds what these tests need
# to read the scriptable servers' query logs (tests/hierarchy/scriptauth.py).
#
# Query log line: EPOCH TRANSPORT QNAME QTYPE edns|noedns ACTION
. "$(dirname "${BASH_SOURCE[0]}")/../control/lib.sh"

# qlog SERVER: the query log of scriptable server SERVER (name in lib.sh)
qlog() { echo "$E2E_DIR/hier/$1/queries.log"; }

# qmark SERVER: lines in its query log now (pass to qsince / qcount)
qmark() { local n; n=$(wc -l < "$(qlog "$1")" 2>/dev/null) || n=0; echo "${n// /}"; }

# qsince SERVER MARK: the queries it got after MARK, one "QNAME QTYPE EDNS
# TRANSPORT ACTION" line each, in arrival order
qsince() { tail -n +"$(( $2 + 1 ))" "$(qlog "$1")" 2>/dev/null | awk '{ print $3, $4, $5, $2, $6 }'; }

# qcount SERVER MARK QNAME [QTYPE]: how many queries for QNAME (of QTYPE)
# it got after MARK; QNAME with the final dot, '*' for any name
qcount() {
  qsince "$1" "$2" | awk -v n="$3" -v t="${4:-*}" \
    '(n == "*" || $1 == n) && (t == "*" || $2 == t) { c++ } END { print c + 0 }'
}

# qtypes SERVER MARK: the query types it got after MARK, sorted, unique
qtypes() { qsince "$1" "$2" | awk '{ print $2 }' | sort -u | tr '\n' ' '; }

# expect DESC RCODE SHORT QUERY...: the client's rcode and sorted +short answer
expect() {
  local d=$1 wr=$2 ws=$3; shift 3
  local out r s
  out=$(q +noall +comments +answer "$@")
  r=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
  s=$(answer_data <<<"$out")
  if [ "$r" = "$wr" ] && [ "$s" = "$ws" ]; then ok "$d: $r $s"; else bad "$d: got $r '$s', want $wr '$ws'"; fi
}

# answer_data: from dig output on stdin, the data of the answer section's
# records (like +short), sorted, one line with a space after each
answer_data() {
  awk '/^;; ANSWER SECTION:/ { a = 1; next } /^$/ || /^;; [A-Z]+ SECTION:/ { a = 0 }
       a && !/^;/ && NF >= 5 { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' | sort | tr '\n' ' '
}

# section_rrs SECTION: from dig output on stdin, the records of SECTION
# (ANSWER, AUTHORITY, ADDITIONAL) as "owner TYPE data" without TTL and class,
# owners lower-cased, sorted, joined by ';'
section_rrs() {
  awk -v sec="$1" '$0 ~ "^;; " sec " SECTION:" { a = 1; next } /^$/ || /^;; [A-Z]+ SECTION:/ { a = 0 }
       a && !/^;/ && NF >= 5 { o = tolower($1); t = $4; $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print o, t, $0 }' |
    sort | tr '\n' ';'
}

# rrs_of QUERY...: "RCODE|answer records" (section_rrs format) of one query
rrs_of() {
  local out
  out=$(q +noall +comments +answer "$@")
  echo "$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")|$(section_rrs ANSWER <<<"$out")"
}

# expect_rrs DESC WANT QUERY...: rrs_of QUERY is WANT
expect_rrs() {
  local d=$1 want=$2; shift 2
  local got
  got=$(rrs_of "$@")
  if [ "$got" = "$want" ]; then ok "$d: $got"; else bad "$d: got '$got', want '$want'"; fi
}

# ttl_of QUERY...: the TTL of the first answer record
ttl_of() { q +noall +answer "$@" | awk '!/^;/ && NF >= 5 { print $2; exit }'; }

# answer_of QUERY...: "RCODE|sorted answer lines without TTL" of one query
answer_of() {
  local out
  out=$(q "$@")
  echo "$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")|$(
    awk '/^;; ANSWER SECTION:/ { a = 1; next } /^$/ { a = 0 } a && !/^;/ { $2 = ""; print }' <<<"$out" |
    sort | tr '\n' '/')"
}

# ede_of QUERY...: the EDE info codes of the response, space separated
ede_of() { q "$@" | sed -n 's/^; EDE: \([0-9]*\).*/\1/p' | sort -n | tr '\n' ' '; }

# rawq TRANSPORT QNAME QTYPE [norec]: one query over udp|tcp with EDNS, any
# type number or mnemonic dig would not send as asked (AXFR over UDP);
# prints "RCODE-NUMBER ANCOUNT ede=CODE[,CODE]|-" or "timeout"
rawq() {
  ns env PYTHONPATH="$E2E_PYLIB" python3 - "$E2E_PORT" "$@" <<'PY'
import random, socket, struct, sys
from dnsmsg import frame, name, read_msg
port, transport, qname, qtype = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
types = {"A": 1, "AXFR": 252, "IXFR": 251, "ANY": 255, "HTTPS": 65}
qt = types.get(qtype.upper()) or int(qtype)
flags = 0 if len(sys.argv) > 5 and sys.argv[5] == "norec" else 0x0100
qid = random.randrange(65536)
msg = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1) + name(qname) + struct.pack("!HH", qt, 1)
msg += b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)
try:
    if transport == "tcp":
        s = socket.create_connection(("127.0.0.1", port), timeout=6)
        s.sendall(frame(msg))
        resp = read_msg(s)
        if resp is None:
            raise socket.timeout
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(6)
        s.sendto(msg, ("127.0.0.1", port))
        resp, _ = s.recvfrom(65535)
    rid, rflags, qd, an, au, ad = struct.unpack("!HHHHHH", resp[:12])

    def skip_name(off):
        while resp[off] != 0:
            if resp[off] & 0xC0 == 0xC0:
                return off + 2
            off += resp[off] + 1
        return off + 1
    off = 12
    for _ in range(qd):
        off = skip_name(off) + 4
    ede = []
    for i in range(an + au + ad):
        off = skip_name(off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", resp[off:off + 10])
        off += 10
        if rtype == 41 and i >= an + au:
            o = off
            while o + 4 <= off + rdlen:
                code, olen = struct.unpack("!HH", resp[o:o + 4])
                if code == 15 and olen >= 2:
                    ede.append(str(struct.unpack("!H", resp[o + 4:o + 6])[0]))
                o += 4 + olen
        off += rdlen
    if rid != qid:
        print("badid")
    else:
        print("%d %d ede=%s" % (rflags & 0xF, an, ",".join(ede) or "-"))
except (socket.timeout, OSError):
    print("timeout")
PY
}

# rs_start_all: like e2e_start_all, with an optional root hints file
# (RS_HINTS) replacing the hierarchy's
rs_start_all() {
  e2e_write_conf
  if [ -n "${RS_HINTS:-}" ]; then
    sed -i "s|^root-hints = .*|root-hints = $RS_HINTS|" "$E2E_DIR/boltdns.conf"
  fi
  e2e_start_hierarchy
  e2e_start_dp
  e2e_start_cp
}

# rs_restart_cp KEY VALUE: restart boltdns-cp with [resolver] KEY = VALUE
# (replacing the line lib.sh wrote, e.g. timeout); the dataplane and its
# cache stay
rs_restart_cp() {
  kill "$E2E_CP_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$E2E_CP_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$E2E_CP_PID" 2>/dev/null
  wait "$E2E_CP_PID" 2>/dev/null
  if grep -q "^$1 = " "$E2E_DIR/boltdns.conf"; then
    sed -i "s|^$1 = .*|$1 = $2|" "$E2E_DIR/boltdns.conf"
  else
    sed -i "s|^\[resolver\]\$|[resolver]\n$1 = $2|" "$E2E_DIR/boltdns.conf"
  fi
  rm -f "$E2E_DIR/cp.stats"
  e2e_start_cp
}


# rs_rules SERVER TEXT...: append rule lines to a scriptable server's rules
# (it re-reads the file when it changes); the file is replaced atomically
rs_rules() {
  local f="$E2E_DIR/hier/$1/rules"; shift
  { cat "$f"; printf '%s\n' "$@"; } > "$f.new"
  mv "$f.new" "$f"
}

# now_ms: wall clock in milliseconds
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
