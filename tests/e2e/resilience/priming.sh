#!/usr/bin/env bash
# Resilience (issue 12, item 6): root priming (RFC 8109).
# Root hints of this test name two servers: x.hint.boltnet = 198.18.1.85
# (intercept: answers ". NS" without AA with the Internet's root names and
# NXDOMAIN without AA to everything else, as a network that intercepts port
# 53 does) and y.hint.boltnet = 198.18.1.84 (logroot: a logging copy of the
# root that drops the first ". NS" it gets, so that both are tried).
# - The first upstream query after start-up is ". NS" to a hint.
# - The interceptor's priming answer is rejected: names resolve through the
#   real root (the priming answer's a.root/b.root.boltnet), and the
#   interceptor is asked nothing but ". NS".
#
# Usage: priming.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init rs-prime "$1" "$2" "$3"
RS_HINTS="$E2E_DIR/priming.hints"
cat > "$RS_HINTS" <<'EOF'
.                        3600000      NS    X.HINT.BOLTNET.
X.HINT.BOLTNET.          3600000      A     198.18.1.85
.                        3600000      NS    Y.HINT.BOLTNET.
Y.HINT.BOLTNET.          3600000      A     198.18.1.84
EOF
rs_start_all
# Priming happens at start-up, before any client query.
sleep 2
all=$(cat "$(qlog logroot)" "$(qlog intercept)" | sort -n)
first=$(head -1 <<<"$all" | awk '{ print $3, $4 }')
[ "$first" = ". NS" ] && ok "first upstream query after start-up: . NS" ||
  bad "first upstream query after start-up: '${first:-none}' (want . NS, RFC 8109)"
echo "note: queries to the hints: $(awk '{ print $3 "/" $4 "/" $6 }' <<<"$all" | tr '\n' ' ')"

expect "resolves through the real root" NOERROR "198.19.1.80 " www.dom1.boltnet A
expect "and the other TLD" NOERROR "198.19.2.80 " www.dom2.boltorg A
expect "NXDOMAIN from the real root" NXDOMAIN "" nosuchtld A
n=$(awk '$3 == "." && $4 == "NS"' "$(qlog intercept)" | wc -l)
echo "note: the interceptor got $n '. NS' queries"
other=$(awk '!($3 == "." && $4 == "NS") { print $3 "/" $4 }' "$(qlog intercept)" | tr '\n' ' ')
[ -z "$other" ] && ok "the interceptor asked nothing but . NS" || bad "the interceptor was used as a root server: $other"
if [ "$n" -ge 1 ]; then
  grep -qiE 'prim.*198\.18\.1\.85|198\.18\.1\.85.*prim' "$E2E_DIR/cp.log" &&
    ok "the rejected priming answer is logged" || bad "no log line about the rejected priming answer of 198.18.1.85"
fi

e2e_finish
