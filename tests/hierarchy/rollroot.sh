#!/usr/bin/env bash
# Roll the fake root's KSK the RFC 5011 way, for tests of automated trust
# anchor updates (issue 13). The hierarchy of WORKDIR must have been started
# by start.sh (its root keys are in WORKDIR/dnssec/keys/root). After each
# step the root is re-signed and both root servers reload it (SIGHUP; NSD
# re-reads the changed zone file); the script returns once they serve the new
# DNSKEY RRset.
#
# Usage: rollroot.sh WORKDIR STEP
#   publish  add a new KSK (algorithm 13, DNSKEY TTL 60 s); the DNSKEY RRset
#            is signed by the old and the new KSK. Writes the new key as a
#            trust anchor to WORKDIR/root-new.key (same format as root.key).
#            A no-op if a second KSK is already published.
#   revoke   set the REVOKE bit (flags 385, RFC 5011 §2.1) on the KSKs of
#            WORKDIR/root.key; each revoked key still signs the DNSKEY RRset
#            (self-signed), the new KSK too. Needs a published new KSK.
#   remove   drop the revoked KSKs from the DNSKEY RRset.
#   status   print the root's keys: TAG FLAGS ROLE (ksk, zsk, revoked)
# WORKDIR/root.key (the anchor a resolver starts with) is never changed.
# Typical test: start.sh; resolver with root.key; publish; wait the add
# hold-down (shortened in the resolver); revoke; the resolver now trusts only
# root-new.key's key, across a restart; remove.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dnssec.sh"

usage() { echo "usage: $0 WORKDIR publish|revoke|remove|status" >&2; exit 2; }
[ $# -eq 2 ] || usage
WORKDIR=$1 step=$2
case "$WORKDIR" in /*) ;; *) WORKDIR="$PWD/$WORKDIR" ;; esac
KD="$WORKDIR/dnssec/keys/root"
[ -s "$WORKDIR/root.key" ] && [ -d "$KD" ] || hier_die "no signed hierarchy in $WORKDIR (run start.sh first)"

# keys: one "TAG FLAGS FILE" line per key file of the root
keys() {
  local f
  for f in "$KD"/K*.key; do
    [ -e "$f" ] || continue
    awk -v f="$f" '!/^;/ { for (i = 1; i <= NF; i++) if ($i == "DNSKEY") { print "", $(i + 1), f; exit } }' "$f" |
      while read -r flags file; do
        local tag=${file##*+}
        echo "${tag%.key} $flags $file"
      done
  done
}

# anchored_tags: key tags of the KSKs in root.key (its DS lines)
anchored_tags() { awk '$3 == "DS" { print $4 }' "$WORKDIR/root.key"; }

# reload: re-sign the root, SIGHUP both root servers, wait until they serve
# the DNSKEY RRset of the key files
reload() {
  local want line name addr kind zones pid i got
  hier_dnssec_sign_zone "$WORKDIR" .
  want=$(keys | awk '{ print $2 }' | sort | tr '\n' ' ')
  for line in "${HIER_SERVERS[@]}"; do
    read -r name addr kind zones <<<"$line"
    [ "$kind" = nsd ] && [ "$zones" = . ] || continue
    pid=$(hier_pid_alive "$WORKDIR/$name/nsd.pid" "$(hier_mark "$name" nsd "$WORKDIR")") ||
      { hier_log "$name is not running: the re-signed root is served at its next start"; continue; }
    kill -HUP "$pid"
    for i in $(seq 100); do
      got=$(dig +norec +time=1 +tries=1 +short @"$addr" . DNSKEY 2>/dev/null | awk '{ print $1 }' | sort | tr '\n' ' ')
      [ "$got" = "$want" ] && break
      [ "$i" -eq 100 ] && hier_die "$name ($addr) serves DNSKEY flags '$got', not '$want' (see $WORKDIR/$name/nsd.log)"
      sleep 0.1
    done
    hier_log "$name ($addr) serves the root's DNSKEY flags $want"
  done
}

exec 9>"$WORKDIR/.lock"
flock -w 60 9 || hier_die "$WORKDIR is locked by another start.sh or stop.sh"

case "$step" in
publish)
  if [ "$(keys | awk '$2 == 257' | wc -l)" -ge 2 ]; then
    hier_log "a second KSK is already published"
  else
    new=$(hier_dnssec_keygen "$KD" . 13 ksk)
    hier_dnssec_write_anchor "$WORKDIR" "$WORKDIR/root-new.key" "$new" || hier_die "cannot write root-new.key"
    hier_log "new root KSK $(basename "$new" .key); anchor $WORKDIR/root-new.key"
  fi
  reload
  ;;
revoke)
  anchored=" $(anchored_tags | tr '\n' ' ') "
  [ "$(keys | awk -v a="$anchored" '$2 == 257 && index(a, " " ($1 + 0) " ") == 0' | wc -l)" -ge 1 ] ||
    hier_die "no new KSK to keep the root signed: run '$0 $WORKDIR publish' first"
  n=0
  while read -r tag flags file; do
    [ "$flags" = 257 ] && [[ "$anchored" == *" $((10#$tag)) "* ]] || continue
    # dnssec-revoke writes the key with flags 385 (its tag changes by 128)
    # and, with -r, removes the old files.
    dnssec-revoke -r -K "$KD" "$file" >/dev/null || hier_die "dnssec-revoke failed for $file"
    n=$((n + 1))
  done < <(keys)
  [ "$n" -gt 0 ] || hier_log "the anchored KSKs are already revoked"
  reload
  ;;
remove)
  while read -r tag flags file; do
    [ "$flags" = 385 ] || continue
    rm -f "$file" "${file%.key}.private"
    hier_log "removed revoked key $tag"
  done < <(keys)
  reload
  ;;
status)
  keys | while read -r tag flags file; do
    case "$flags" in 257) role=ksk ;; 256) role=zsk ;; 385) role=revoked ;; *) role=other ;; esac
    echo "$((10#$tag)) $flags $role"
  done
  ;;
*)
  usage
  ;;
esac
