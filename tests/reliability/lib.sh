# Shared set-up of the reliability tests (sourced). Builds on the control
# plane's end-to-end library (namespace, hierarchy, dp+cp, counters, cleanup
# on every exit path) and adds what the reliability tests need.
#
# Usage from a test:  . lib.sh; e2e_init NAME DP CP DPSTATS; REL_CTL=BOLTCTL
REL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$REL_DIR/../e2e/control/lib.sh"
REL_CLIENT="$REL_DIR/dnsclient.py"
REL_CTL=${REL_CTL:-}

# ctl ARGS...: boltctl against the test's control socket
ctl() { "$REL_CTL" -s "$E2E_DIR/control.sock" "$@"; }

# proc_kb PID FIELD: a /proc/PID/status field in kB (VmRSS, VmHWM)
proc_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null; }

# alive PID: the process still runs (and is no zombie)
alive() {
  [ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
    ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# bulk_list FIRST LAST TYPE: "hNNNN.bulk.boltnet TYPE" lines
bulk_list() { local i; for i in $(seq "$1" "$2"); do printf 'h%04d.bulk.boltnet %s\n' "$i" "$3"; done; }

# bulk_addr N: the true address of hNNNN.bulk.boltnet (198.19.128.0 + N)
bulk_addr() { local v=$((128 * 256 + $1)); echo "198.19.$((v / 256)).$((v % 256))"; }

# client SERVER PORT FILE [OPTIONS]: the parallel stub client, in the namespace
client() { local s=$1 p=$2 f=$3; shift 3; ns python3 "$REL_CLIENT" "$s" "$p" "$f" "$@"; }
