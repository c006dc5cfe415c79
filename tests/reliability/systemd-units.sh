#!/usr/bin/env bash
# The systemd units of deploy/systemd under a real systemd: a container
# (systemd-nspawn, private network) boots systemd as its PID 1 with the unit
# files copied unchanged, the built binaries at the paths the units name
# (/usr/sbin/boltdns-dp, /usr/sbin/boltdns-cp, /usr/bin/boltctl,
# /usr/lib/boltdns/hugepages.sh) and a configuration with io = socket on
# 127.0.0.1 (the container's own loopback). It checks what the units promise:
#
#   - boltdns-hugepages, boltdns-dp and boltdns-cp start (Requires=/Wants=/
#     After= order); the control plane attaches; the dataplane answers.
#   - `systemctl reload boltdns-cp` runs ExecReload (boltctl reload): a record
#     added to the configuration is answered afterwards.
#   - boltdns-cp killed with SIGKILL is restarted by Restart=on-failure (new
#     main PID, NRestarts=1), re-attaches, and the dataplane answers every
#     query sent meanwhile; the dataplane's main PID is unchanged.
#   - `systemctl stop boltdns-dp` leaves boltdns-cp running (no BindsTo=);
#     starting the dataplane again, the control plane sees it.
#   - `systemctl stop` of both ends them cleanly (inactive, not failed).
#   - [resolver] workers = 2 with the template unit boltdns-cp@.service:
#     boltdns-cp@0 and @1 start and both resolve workers (boltctl status);
#     @1 killed with SIGKILL is restarted alone (@0 keeps its PID); @1
#     stopped leaves @0 running and worker 0's control socket in place
#     (RuntimeDirectoryPreserve=yes).
#
#   systemd-units.sh BOLTDNS_DP BOLTDNS_CP BOLTCTL
#
# The host stays untouched: the container's root is a temporary directory
# with a copy of /etc; /usr is the host's, overlaid (nspawn --overlay) with a
# temporary upper directory that holds the binaries; the container has its
# own network, /dev/shm and /run; nspawn runs in a cgroup of the test's own,
# removed at the end. hugepages.sh runs with BOLTDNS_HUGEPAGES_MB=0 (from
# /etc/default/boltdns, as the unit reads it): a container cannot reserve
# pages, and io = socket does not use them.
set -uo pipefail
DP=$1 CP=$2 CTL=$3
SRC=$(cd "$(dirname "$0")/../.." && pwd)
UNITS=${BOLTDNS_UNIT_DIR:-$SRC/deploy/systemd}   # another directory: check edited units

skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root"
command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (Debian: systemd-container)"
[ -x /usr/lib/systemd/systemd ] || skip "no systemd binary"
command -v dig >/dev/null || skip "dig not installed"

FAILS=0 PASSES=0
ok() { PASSES=$((PASSES + 1)); echo "ok   $*"; }
bad() { FAILS=$((FAILS + 1)); echo "FAIL $*"; }

T=$(mktemp -d /tmp/boltdns-units.XXXXXX)
MACHINE=bunits$$
CG=boltdns-units-$$
NSPAWN_PID="" INIT=""

cleanup() {
  local rc=$? h
  set +e
  if [ -n "$INIT" ] && kill -0 "$INIT" 2>/dev/null; then
    nsenter -t "$INIT" -a systemctl poweroff >/dev/null 2>&1
    for _ in $(seq 50); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  [ -n "$NSPAWN_PID" ] && kill -9 "$NSPAWN_PID" 2>/dev/null && sleep 0.5
  # nspawn leaves its (empty) payload/supervisor cgroups below ours
  for h in systemd unified; do
    [ -d "/sys/fs/cgroup/$h/$CG" ] && find "/sys/fs/cgroup/$h/$CG" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  if [ "$rc" -ne 0 ]; then echo "--- container console (tail)"; tail -40 "$T/console.log"; fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

# ---- the container's root ---------------------------------------------------
R=$T/root U=$T/usr-upper
mkdir -p "$R"/{usr,var,run,tmp,proc,sys,dev,root} "$U"/sbin "$U"/bin "$U"/lib/boltdns
for l in bin lib lib64 sbin; do ln -s "usr/$l" "$R/$l"; done
cp -a /etc "$R/etc"
# a fresh machine id and the os-release file nspawn looks for (a symlink
# into /usr on Debian, which is not there before the overlay is mounted)
: > "$R/etc/machine-id"
rm -f "$R/etc/os-release"; cp /usr/lib/os-release "$R/etc/os-release"
# no unit of the host may start in the container: only ours are enabled
rm -rf "$R/etc/systemd/system/"*.wants
cp "$DP" "$CP" "$U/sbin/" && cp "$CTL" "$U/bin/" && cp "$SRC/deploy/hugepages.sh" "$U/lib/boltdns/" ||
  { echo "cannot stage the binaries"; exit 1; }
for u in boltdns-hugepages boltdns-dp boltdns-cp boltdns-cp@; do
  cp "$UNITS/$u.service" "$R/etc/systemd/system/" || exit 1
done
cat > "$R/etc/systemd/system/boltdns-check.target" <<'EOF'
[Unit]
Description=boltdns unit check (what multi-user.target would pull in)
Wants=boltdns-hugepages.service boltdns-dp.service boltdns-cp.service
EOF
mkdir -p "$R/etc/boltdns" "$R/etc/default"
cp "$SRC/tests/hierarchy/root.hints" "$R/etc/boltdns/root.hints"
printf 'BOLTDNS_HUGEPAGES_MB=0\n' > "$R/etc/default/boltdns"
conf() { # conf EXTRA_LOCAL_LINE [RESOLVER_WORKERS]
  cat > "$R/etc/boltdns/boltdns.conf" <<CONF
[dataplane]
io = socket
listen = 127.0.0.1@53
workers = 1
[cache]
path = /dev/shm/boltdns
size = 64M
ring-slots = 256
wipe = no
[control]
socket = /run/boltdns/control.sock
verbosity = 2
[resolver]
root-hints = /etc/boltdns/root.hints
workers = ${2:-1}
[local]
data = unit.boltdns.test. 60 A 192.0.2.53
$1
[acl]
allow = 127.0.0.0/8
CONF
}
conf ""

# ---- boot ------------------------------------------------------------------
for h in systemd unified; do mkdir -p "/sys/fs/cgroup/$h/$CG" 2>/dev/null; done
(
  for h in systemd unified; do echo $BASHPID > "/sys/fs/cgroup/$h/$CG/cgroup.procs" 2>/dev/null; done
  exec systemd-nspawn -q -D "$R" --register=no --keep-unit --private-network -M "$MACHINE" \
    --overlay="/usr:$U:/usr" -b systemd.unit=boltdns-check.target
) > "$T/console.log" 2>&1 < /dev/null &
NSPAWN_PID=$!
for _ in $(seq 100); do
  INIT=$(pgrep -P "$NSPAWN_PID" -x systemd | head -n1)
  [ -n "$INIT" ] && break
  kill -0 "$NSPAWN_PID" 2>/dev/null || { cat "$T/console.log"; echo "systemd-nspawn exited"; exit 1; }
  sleep 0.1
done
[ -n "$INIT" ] || { echo "no systemd in the container"; exit 1; }
inside() { nsenter -t "$INIT" -a "$@"; }
sc() { inside systemctl --no-pager "$@"; }
prop() { sc show -p "$2" --value "$1"; }
ctl() { inside boltctl -c /etc/boltdns/boltdns.conf "$@"; }
dig1() { inside dig @127.0.0.1 +time=1 +tries=1 +short "$@"; }

# wait for the boot to settle (the target reached)
for _ in $(seq 150); do
  [ "$(sc is-active boltdns-check.target 2>/dev/null)" = active ] && break
  sleep 0.2
done
for u in boltdns-hugepages boltdns-dp boltdns-cp; do
  s=$(sc is-active $u)
  [ "$s" = active ] && ok "$u active after boot" || { bad "$u is $s after boot"; sc status $u | tail -15; }
done
attached() {
  for _ in $(seq 50); do
    grep -q '^region.attached: yes' <<<"$(ctl status 2>/dev/null)" && return 0
    sleep 0.2
  done
  return 1
}
attached && ok "boltdns-cp attached to the region the dataplane created" || bad "boltdns-cp did not attach"
grep -q '^dataplane.running: yes' <<<"$(ctl status)" && ok "boltctl status: dataplane running" || bad "dataplane not running"
a=$(dig1 unit.boltdns.test A)
[ "$a" = 192.0.2.53 ] && ok "dataplane answers local data" || bad "local data: '$a'"

# ---- ExecReload --------------------------------------------------------------
conf "data = reload.boltdns.test. 60 A 192.0.2.54"
sc reload boltdns-cp && ok "systemctl reload boltdns-cp" || bad "systemctl reload boltdns-cp failed"
a=$(dig1 reload.boltdns.test A)
[ "$a" = 192.0.2.54 ] && ok "reload: the added record is answered" || bad "after reload: '$a'"

# ---- Restart=on-failure of the control plane -----------------------------------
dp0=$(prop boltdns-dp MainPID) cp0=$(prop boltdns-cp MainPID)
sc kill --signal=SIGKILL boltdns-cp
sent=0 answered=0
# RestartSec=1s: ask the dataplane all through the gap and after it
for i in $(seq 30); do
  sent=$((sent + 1))
  [ "$(dig1 unit.boltdns.test A)" = 192.0.2.53 ] && answered=$((answered + 1))
  sleep 0.1
done
[ "$answered" = "$sent" ] && ok "dataplane answered $answered of $sent while boltdns-cp was down and restarting" ||
  bad "dataplane answered $answered of $sent while boltdns-cp restarted"
for _ in $(seq 50); do [ "$(sc is-active boltdns-cp)" = active ] && break; sleep 0.2; done
cp1=$(prop boltdns-cp MainPID) nr=$(prop boltdns-cp NRestarts)
[ "$(sc is-active boltdns-cp)" = active ] && [ "$cp1" != "$cp0" ] && [ "$cp1" != 0 ] &&
  ok "boltdns-cp restarted by systemd (main PID $cp0 -> $cp1, NRestarts=$nr)" ||
  bad "boltdns-cp not restarted (state $(sc is-active boltdns-cp), PID $cp0 -> $cp1, NRestarts=$nr)"
[ "$nr" = 1 ] && ok "NRestarts=1" || bad "NRestarts=$nr"
[ "$(prop boltdns-dp MainPID)" = "$dp0" ] && ok "boltdns-dp untouched by the restart (PID $dp0)" ||
  bad "boltdns-dp PID changed $dp0 -> $(prop boltdns-dp MainPID)"
attached && ok "restarted boltdns-cp re-attached" || bad "restarted boltdns-cp did not attach"
a=$(dig1 reload.boltdns.test A)
[ "$a" = 192.0.2.54 ] && ok "restarted boltdns-cp serves the current configuration" || bad "after restart: '$a'"

# ---- the dataplane stopped and started: the control plane stays ---------------
sc stop boltdns-dp
[ "$(sc is-active boltdns-cp)" = active ] && ok "boltdns-cp keeps running while boltdns-dp is stopped" ||
  bad "boltdns-cp is $(sc is-active boltdns-cp) after stopping boltdns-dp"
[ "$(sc is-active boltdns-dp)" = inactive ] && ok "boltdns-dp stopped cleanly (inactive)" ||
  bad "boltdns-dp is $(sc is-active boltdns-dp) after stop"
sc start boltdns-dp
dp1=$(prop boltdns-dp MainPID)
seen=no
for _ in $(seq 50); do
  grep -q "^dataplane.pid: $dp1\$" <<<"$(ctl status 2>/dev/null)" && { seen=yes; break; }
  sleep 0.2
done
[ "$seen" = yes ] && ok "boltdns-cp sees the new dataplane (pid $dp1)" || bad "boltdns-cp does not see dataplane pid $dp1"
a=$(dig1 unit.boltdns.test A)
[ "$a" = 192.0.2.53 ] && ok "new dataplane answers from the region (wipe = no)" || bad "after dataplane restart: '$a'"

# ---- stop ----------------------------------------------------------------------
sc stop boltdns-cp boltdns-dp boltdns-hugepages
for u in boltdns-cp boltdns-dp boltdns-hugepages; do
  s=$(sc is-active $u)
  [ "$s" = inactive ] && ok "$u stopped (inactive)" || bad "$u is $s after stop"
done
# ---- two resolver workers with the template unit ----------------------------------
conf "" 2
sc start boltdns-dp boltdns-cp@0 boltdns-cp@1
both() { # both: boltctl status shows workers 0 and 1 running
  for _ in $(seq 50); do
    st=$(ctl status 2>/dev/null)
    grep -q '^workers.count: 2$' <<<"$st" && grep -q '^workers.0.running: yes$' <<<"$st" &&
      grep -q '^workers.1.running: yes$' <<<"$st" && return 0
    sleep 0.2
  done
  return 1
}
for u in boltdns-cp@0 boltdns-cp@1; do
  [ "$(sc is-active $u)" = active ] && ok "$u active" || bad "$u is $(sc is-active $u)"
done
both && ok "boltctl status: workers 0 and 1 running (workers = 2)" ||
  bad "workers not both running: $(ctl status 2>&1 | grep '^workers' | tr '\n' ' ')"
w0=$(prop boltdns-cp@0 MainPID) w1=$(prop boltdns-cp@1 MainPID)
sc kill --signal=SIGKILL boltdns-cp@1
for _ in $(seq 50); do
  [ "$(sc is-active boltdns-cp@1)" = active ] && [ "$(prop boltdns-cp@1 MainPID)" != "$w1" ] && break
  sleep 0.2
done
w1b=$(prop boltdns-cp@1 MainPID)
[ "$w1b" != "$w1" ] && [ "$w1b" != 0 ] && [ "$(prop boltdns-cp@0 MainPID)" = "$w0" ] &&
  ok "boltdns-cp@1 restarted alone (PID $w1 -> $w1b), boltdns-cp@0 kept PID $w0" ||
  bad "after SIGKILL of @1: @1 PID $w1 -> $w1b, @0 $w0 -> $(prop boltdns-cp@0 MainPID)"
both && ok "the restarted worker 1 runs its rings again" || bad "worker 1 not back"
sc stop boltdns-cp@1
[ "$(sc is-active boltdns-cp@0)" = active ] && ctl status >/dev/null 2>&1 &&
  ok "boltdns-cp@1 stopped: boltdns-cp@0 runs and its control socket answers" ||
  bad "after stopping @1: @0 $(sc is-active boltdns-cp@0), boltctl: $(ctl status 2>&1 | head -1)"
sc stop boltdns-cp@0 boltdns-dp
for u in boltdns-cp@0 boltdns-cp@1; do
  s=$(sc is-active $u)
  [ "$s" = inactive ] && ok "$u stopped (inactive)" || bad "$u is $s after stop"
done

if grep -qE 'Sanitizer|runtime error:' <<<"$(inside journalctl --no-pager -q -u boltdns-cp -u boltdns-dp -u 'boltdns-cp@*')"; then
  bad "sanitizer reports in the journal"
fi
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
