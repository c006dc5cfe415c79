# Shared set-up of boltdns-edge's end-to-end tests (sourced): the control
# plane's set-up (tests/e2e/control/lib.sh: fake hierarchy, boltdns-dp,
# boltdns-cp in a private namespace), a self-signed certificate made at test
# start with the openssl CLI, and boltdns-edge with [tls] on loopback ports.
#
# Usage from a test:  . lib.sh; edge_init NAME DP CP DPSTATS EDGE; edge_start_all
. "$(dirname "${BASH_SOURCE[0]}")/../control/lib.sh"

EDGE_DOT_PORT=8853
EDGE_DOH_PORT=8443

edge_init() {
  local name=$1
  E2E_EDGE=$5
  e2e_init "$name" "$2" "$3" "$4"
  for t in openssl kdig python3; do command -v $t >/dev/null 2>&1 || e2e_skip "$t not installed"; done
  trap edge_cleanup EXIT
}

edge_cleanup() {
  local rc=$?
  [ -n "${E2E_EDGE_PID:-}" ] && kill -9 "$E2E_EDGE_PID" 2>/dev/null
  if [ "$rc" -ne 0 ] && [ -d "$E2E_DIR" ]; then
    echo "--- boltdns-edge log (tail)"; tail -40 "$E2E_DIR/edge.log" 2>/dev/null
  fi
  (exit $rc)
  e2e_cleanup
}

# edge_cert NAME: a self-signed EC certificate for NAME and 127.0.0.1
edge_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1" -addext "subjectAltName=DNS:$1,IP:127.0.0.1" \
    -keyout "$E2E_DIR/${2:-edge}.key" -out "$E2E_DIR/${2:-edge}.crt" >/dev/null 2>&1 ||
    { echo "openssl could not make a certificate"; exit 1; }
}

edge_write_conf() {
  e2e_write_conf
  cat >> "$E2E_DIR/boltdns.conf" <<CONF
[tls]
certificate = $E2E_DIR/edge.crt
key = $E2E_DIR/edge.key
dot-listen = 127.0.0.1@$EDGE_DOT_PORT
doh-listen = 127.0.0.1@$EDGE_DOH_PORT
doh-path = /dns-query
resolver = 127.0.0.1@$E2E_PORT
idle-timeout = ${EDGE_IDLE:-3s}
max-connections-per-client = ${EDGE_PER_CLIENT:-16}
ddr-name = resolver.test
stats-file = $E2E_DIR/edge.stats
${EDGE_EXTRA_TLS:-}
CONF
  [ -n "${EDGE_EXTRA_ACL:-}" ] && printf '[acl]\n%s\n' "$EDGE_EXTRA_ACL" >> "$E2E_DIR/boltdns.conf"
  return 0
}

edge_start() {
  ip netns exec "$E2E_NS" "$E2E_EDGE" -c "$E2E_DIR/boltdns.conf" -v 2 >>"$E2E_DIR/edge.log" 2>&1 &
  E2E_EDGE_PID=$!
  for _ in $(seq 1 50); do
    grep -q '^attached 1' "$E2E_DIR/edge.stats" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "boltdns-edge did not start or attach"; exit 1
}

edge_start_all() {
  edge_cert resolver.test
  edge_write_conf
  e2e_start_hierarchy
  e2e_start_dp
  e2e_start_cp
  edge_start
}

# edge_stat NAME: one counter of boltdns-edge (rewritten every second)
edge_stat() { awk -v k="$1" '$1 == k { print $2 }' "$E2E_DIR/edge.stats"; }

edge_finish() {
  # A clean stop, so a sanitizer build reports leaks into the log too.
  if [ -n "${E2E_EDGE_PID:-}" ]; then
    kill -TERM "$E2E_EDGE_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$E2E_EDGE_PID" 2>/dev/null || break; sleep 0.1; done
    wait "$E2E_EDGE_PID"; local st=$?
    [ "$st" -eq 0 ] && ok "boltdns-edge stopped cleanly on SIGTERM" || bad "boltdns-edge exit status $st on SIGTERM"
    E2E_EDGE_PID=
  fi
  if grep -qE 'Sanitizer|runtime error:' "$E2E_DIR/edge.log" 2>/dev/null; then
    grep -E -A5 'Sanitizer|runtime error:' "$E2E_DIR/edge.log" | head -40
    bad "sanitizer reports in the edge log"
  fi
  e2e_finish
}
