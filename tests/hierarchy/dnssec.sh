# shellcheck shell=bash
# DNSSEC signing of the fake hierarchy (issue 13); sourced by start.sh and
# rollroot.sh after lib.sh. Not executable on its own.
#
# Every zone listed in HIER_DNSSEC (lib.sh) is signed with Debian's tools
# (dnssec-keygen, dnssec-signzone, dnssec-dsfromkey from bind9-utils;
# ldns-signzone where dnssec-signzone refuses: NSEC3 over 150 iterations),
# children before parents so that each parent is signed with its children's
# DS records. The source zones in zones/ stay unsigned; everything made here
# lives under WORKDIR:
#   dnssec/keys/Z/K*.{key,private}  the keys of zone Z (the root: keys/root),
#                                   made once per WORKDIR and reused
#   dnssec/keys/Z/extra/            what is not published: the key of the
#                                   wrong DS (badds), the algorithm-253 DNSKEY
#                                   (dsalg253)
#   dnssec/ds/Z.ds                  the DS records Z's parent gets
#   dnssec/zones/Z.zone             the signed zone NSD serves
#   dnssec/stamp                    hash of the inputs of the last signing
#   root.key                        the trust anchor: the root KSK as DS and
#                                   as DNSKEY lines (format of Debian's
#                                   /usr/share/dns/root.key), written when the
#                                   root's keys are made (rollroot.sh leaves
#                                   it alone and writes root-new.key)

# Signatures are valid from 1 h ago for HIER_DNSSEC_VALID_DAYS; start.sh
# re-signs everything when the last signing is older than
# HIER_DNSSEC_RESIGN_DAYS (or any input changed), so a long-lived WORKDIR
# never serves expired signatures by accident.
HIER_DNSSEC_VALID_DAYS=30
HIER_DNSSEC_RESIGN_DAYS=7
# DNSKEY TTL: short at the root so that a resolver sees a rolled key
# (rollroot.sh) within a minute; one hour elsewhere.
HIER_DNSSEC_ROOT_KEY_TTL=60
HIER_DNSSEC_KEY_TTL=3600

# hier_dnssec_zdir ZONE — ZONE as a file name ("root" for ".")
hier_dnssec_zdir() { if [ "$1" = . ]; then echo root; else echo "$1"; fi; }

# hier_dnssec_spec ZONE — print "ALGORITHM KEYS DENIAL CASE" of a signed
# ZONE; fail if ZONE is served unsigned
hier_dnssec_spec() {
  local line z rest
  for line in "${HIER_DNSSEC[@]}"; do
    read -r z rest <<<"$line"
    [ "$z" = "$1" ] && { echo "$rest"; return 0; }
  done
  return 1
}

# hier_served_zone_file WORKDIR ZONE — the file NSD serves for ZONE: the
# signed copy under WORKDIR if ZONE is signed, else the source zone
hier_served_zone_file() {
  if hier_dnssec_spec "$2" >/dev/null; then
    echo "$1/dnssec/zones/$(hier_dnssec_zdir "$2").zone"
  else
    hier_zone_file "$2"
  fi
}

# hier_nsd_zones — every zone served by an NSD server (the root among them),
# on one line between spaces
hier_nsd_zones() {
  local line name addr kind zones all=" "
  for line in "${HIER_SERVERS[@]}"; do
    read -r name addr kind zones <<<"$line"
    [ "$kind" = nsd ] && all+="$zones "
  done
  echo "$all"
}
HIER_NSD_ZONES=$(hier_nsd_zones)

# hier_parent_zone ZONE — set HIER_PARENT to the nearest zone above ZONE
# that NSD serves (no subshell: called for every pair of zones)
hier_parent_zone() {
  local z=$1
  HIER_PARENT=
  [ "$z" = . ] && return 1
  while :; do
    case "$z" in *.*) z=${z#*.} ;; *) HIER_PARENT=.; return 0 ;; esac
    [[ "$HIER_NSD_ZONES" == *" $z "* ]] && { HIER_PARENT=$z; return 0; }
  done
}

# hier_dnssec_ksks KEYDIR — the .key files of the zone's active KSKs (flags
# 257: not revoked)
hier_dnssec_ksks() {
  local f
  for f in "$1"/K*.key; do
    [ -e "$f" ] || continue
    awk 'BEGIN { r = 1 }
         !/^;/ { for (i = 1; i <= NF; i++) if ($i == "DNSKEY") { r = ($(i + 1) == 257) ? 0 : 1; exit } }
         END { exit r }' "$f" && echo "$f"
  done
  return 0
}

# hier_dnssec_keygen KEYDIR ZONE ALGORITHM ksk|zsk — make one key, print its
# .key file
hier_dnssec_keygen() {
  local dir=$1 zone=$2 alg=$3 role=$4 ttl=$HIER_DNSSEC_KEY_TTL base
  local -a opts=(-q -K "$dir" -a "$alg" -n ZONE)
  [ "$zone" = . ] && ttl=$HIER_DNSSEC_ROOT_KEY_TTL
  opts+=(-L "$ttl")
  case "$alg" in 8|10) opts+=(-b 2048) ;; esac
  [ "$role" = ksk ] && opts+=(-f KSK)
  base=$(dnssec-keygen "${opts[@]}" "$zone") || hier_die "dnssec-keygen failed for $zone (algorithm $alg)"
  echo "$dir/$base.key"
}

# hier_dnssec_write_anchor WORKDIR FILE KEYFILE... — the KSKs as trust
# anchor lines: ". IN DS ..." then ". IN DNSKEY ..."
hier_dnssec_write_anchor() {
  local out=$2 k; shift 2
  {
    for k in "$@"; do dnssec-dsfromkey -2 "$k" | awk '{ print $1, "IN", "DS", $4, $5, $6, $7 }'; done
    for k in "$@"; do
      awk '!/^;/ { for (i = 1; i <= NF; i++) if ($i == "DNSKEY") {
                     s = ". IN DNSKEY " $(i + 1) " " $(i + 2) " " $(i + 3) " "
                     for (j = i + 4; j <= NF; j++) s = s $j      # base64 in one piece
                     print s } }' "$k"
    done
  } > "$out.tmp" || return 1
  mv "$out.tmp" "$out"
}

# hier_dnssec_sign_zone WORKDIR ZONE — (re)sign ZONE with its keys (made if
# missing) and the DS files of its signed children; writes its own DS file
hier_dnssec_sign_zone() {
  local workdir=$1 zone=$2 spec alg keys denial case zd kd out tmp iter k c line
  local d="$workdir/dnssec"
  spec=$(hier_dnssec_spec "$zone") || hier_die "zone $zone is not signed"
  read -r alg keys denial case <<<"$spec"
  zd=$(hier_dnssec_zdir "$zone")
  kd="$d/keys/$zd"
  out="$d/zones/$zd.zone"
  tmp="$d/tmp"
  mkdir -p "$kd" "$d/zones" "$d/ds" "$tmp"

  # Keys: once per WORKDIR.
  if [ -z "$(hier_dnssec_ksks "$kd")" ]; then
    rm -f "$kd"/K*
    hier_dnssec_keygen "$kd" "$zone" "$alg" ksk >/dev/null
    [ "$keys" = split ] && hier_dnssec_keygen "$kd" "$zone" "$alg" zsk >/dev/null
    if [ "$zone" = . ]; then
      # shellcheck disable=SC2046  # a list of files
      hier_dnssec_write_anchor "$workdir" "$workdir/root.key" $(hier_dnssec_ksks "$kd") ||
        hier_die "cannot write $workdir/root.key"
    fi
  fi
  case "$case" in
    badds)
      if [ -z "$(ls "$kd/extra"/K*.key 2>/dev/null)" ]; then
        mkdir -p "$kd/extra"
        hier_dnssec_keygen "$kd/extra" "$zone" "$alg" ksk >/dev/null
      fi ;;
    dsalg253)
      # A PRIVATEDNS key (RFC 4034 A.1.1): its data starts with a domain name.
      if [ ! -s "$kd/extra/alg253.dnskey" ]; then
        mkdir -p "$kd/extra"
        printf '%s. %s IN DNSKEY 257 3 253 %s\n' "$zone" "$HIER_DNSSEC_KEY_TTL" \
          "$( { printf '\007boltdns\004test\000'; head -c 64 /dev/urandom; } | base64 -w0)" > "$kd/extra/alg253.dnskey"
      fi ;;
  esac

  # Input: the source zone, the DS of the signed children, the DNSKEYs.
  {
    cat "$(hier_zone_file "$zone")"
    echo
    for line in "${HIER_DNSSEC[@]}"; do
      read -r c _ <<<"$line"
      [ "$c" = "$zone" ] && continue
      hier_parent_zone "$c" && [ "$HIER_PARENT" = "$zone" ] || continue
      [ -s "$d/ds/$(hier_dnssec_zdir "$c").ds" ] || hier_die "no DS of $c to sign $zone with (sign children first)"
      cat "$d/ds/$(hier_dnssec_zdir "$c").ds"
    done
    [ "$case" = dsalg253 ] && cat "$kd/extra/alg253.dnskey"
  } > "$tmp/$zd.in"

  # Validity: from 1 h ago for HIER_DNSSEC_VALID_DAYS; expired: from 60 to
  # 30 days ago; future: from 30 to 60 days ahead (far outside any skew).
  local now start end day=86400
  local -x TZ=UTC0
  printf -v now '%(%s)T' -1
  start=$((now - 3600)) end=$((now + HIER_DNSSEC_VALID_DAYS * day))
  case "$case" in
    expired) start=$((now - 60 * day)) end=$((now - 30 * day)) ;;
    future)  start=$((now + 30 * day)) end=$((now + 60 * day)) ;;
  esac
  printf -v start '%(%Y%m%d%H%M%S)T' "$start"
  printf -v end '%(%Y%m%d%H%M%S)T' "$end"
  iter=0
  case "$denial" in nsec3-iter*) iter=${denial#nsec3-iter} ;; esac

  if [ "$iter" -gt 150 ]; then
    # dnssec-signzone refuses more than 150 iterations; ldns-signzone adds
    # the DNSKEYs of the keys it is given itself.
    local -a bases=()
    for k in "$kd"/K*.key; do bases+=("${k%.key}"); done
    ldns-signzone -n -t "$iter" -i "$start" -e "$end" -f "$tmp/$zd.signed" "$tmp/$zd.in" "${bases[@]}" \
      2>"$tmp/$zd.err" || { cat "$tmp/$zd.err" >&2; hier_die "ldns-signzone failed for $zone"; }
  else
    # -d: the dsset- files it writes go to the scratch directory, not $PWD
    local -a opts=(-q -P -N keep -O full -K "$kd" -d "$tmp" -o "$zone" -s "$start" -e "$end" -f "$tmp/$zd.signed")
    if [ "$keys" = split ]; then opts+=(-x); else opts+=(-z); fi
    case "$denial" in
      nsec) ;;
      nsec3) opts+=(-3 - -H 0) ;;
      nsec3-optout) opts+=(-3 - -H 0 -A) ;;
      nsec3-iter*) opts+=(-3 - -H "$iter") ;;
      *) hier_die "$zone: unknown denial '$denial'" ;;
    esac
    cat "$kd"/K*.key >> "$tmp/$zd.in"
    dnssec-signzone "${opts[@]}" "$tmp/$zd.in" >/dev/null 2>"$tmp/$zd.err" ||
      { cat "$tmp/$zd.err" >&2; hier_die "dnssec-signzone failed for $zone"; }
  fi

  # Break it on purpose. Both signers write one record per line:
  # OWNER TTL CLASS TYPE RDATA... (an RRSIG's signature from field 13 on).
  local owner type
  case "$case" in
    badsig:*|nosig:*)
      IFS=: read -r _ owner type <<<"$case"
      owner="$owner.$zone."
      awk -v o="$owner" -v t="$type" -v mode="${case%%:*}" '
        !/^;/ && tolower($1) == o && $4 == "RRSIG" && $5 == t {
          if (mode == "nosig") next
          # flip one base64 character of the signature: still well formed
          c = substr($13, 10, 1); $13 = substr($13, 1, 9) (c == "A" ? "B" : "A") substr($13, 11)
          hit = 1
        }
        { print }
        END { if (mode == "badsig" && !hit) exit 1 }' "$tmp/$zd.signed" > "$tmp/$zd.broken" ||
        hier_die "$zone: no RRSIG $type at $owner to break"
      mv "$tmp/$zd.broken" "$tmp/$zd.signed" ;;
    nodnskey)
      awk -v o="$zone." '!/^;/ && tolower($1) == o && ($4 == "DNSKEY" || ($4 == "RRSIG" && $5 == "DNSKEY")) { next } { print }' \
        "$tmp/$zd.signed" > "$tmp/$zd.broken"
      mv "$tmp/$zd.broken" "$tmp/$zd.signed" ;;
  esac
  mv "$tmp/$zd.signed" "$out"

  # The DS records for the parent.
  [ "$zone" = . ] && return 0
  {
    case "$case" in
      badds)       for k in "$kd/extra"/K*.key; do dnssec-dsfromkey -2 "$k"; done ;;
      dsalg253)    dnssec-dsfromkey -2 -f "$kd/extra/alg253.dnskey" "$zone" ;;
      dsdigest253) for k in $(hier_dnssec_ksks "$kd"); do dnssec-dsfromkey -2 "$k"; done | awk '{ $6 = 253; print }' ;;
      *)           for k in $(hier_dnssec_ksks "$kd"); do dnssec-dsfromkey -2 "$k"; done ;;
    esac
  } > "$d/ds/$zd.ds.tmp" || hier_die "dnssec-dsfromkey failed for $zone"
  mv "$d/ds/$zd.ds.tmp" "$d/ds/$zd.ds"
}

# hier_dnssec_inputs_hash — hash of everything the signed zones depend on
hier_dnssec_inputs_hash() {
  cat "$HIER_ZONES"/*.zone "$HIER_DIR/lib.sh" "$HIER_DIR/dnssec.sh" | sha256sum | cut -d' ' -f1
}

# hier_dnssec_sign_all WORKDIR — sign every zone of HIER_DNSSEC, deepest
# first, unless the last signing is younger than HIER_DNSSEC_RESIGN_DAYS
# and its inputs are unchanged. Sets HIER_DNSSEC_RESIGNED=1 if it signed.
hier_dnssec_sign_all() {
  local workdir=$1 d="$1/dnssec" hash line z n t0 t1 count=0
  HIER_DNSSEC_RESIGNED=0
  for tool in dnssec-keygen dnssec-signzone dnssec-dsfromkey ldns-signzone sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || hier_die "'$tool' not found (see deploy/install-deps.sh)"
  done
  hash=$(hier_dnssec_inputs_hash)
  if [ -f "$d/stamp" ] && [ "$(cat "$d/stamp")" = "$hash" ] && [ -s "$workdir/root.key" ] &&
     [ -n "$(find "$d/stamp" -mmin -$((HIER_DNSSEC_RESIGN_DAYS * 1440)))" ]; then
    return 0
  fi
  t0=$(date +%s.%N)
  mkdir -p "$d"
  rm -f "$d/stamp"
  # Deepest first: every child's DS file exists when its parent is signed.
  for line in "${HIER_DNSSEC[@]}"; do
    read -r z _ <<<"$line"
    if [ "$z" = . ]; then n=0; else n=$(( $(tr -cd . <<<"$z" | wc -c) + 1 )); fi
    echo "$n $z"
  done | sort -k1,1nr -k2 > "$d/order"
  # The zones of one depth are signed in parallel, one job per core (most
  # of the time goes to starting the tools, not to cryptography).
  local prev="" running=0 failed=0 max
  max=$(nproc 2>/dev/null) || max=2
  [ "$max" -gt 4 ] && max=4
  while read -r n z; do
    if [ "$n" != "$prev" ]; then
      while [ "$running" -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
      [ "$failed" -eq 0 ] || hier_die "signing failed (see above)"
      prev=$n
    fi
    if [ "$running" -ge "$max" ]; then wait -n || failed=1; running=$((running - 1)); fi
    hier_dnssec_sign_zone "$workdir" "$z" </dev/null &
    running=$((running + 1))
    count=$((count + 1))
  done < "$d/order"
  while [ "$running" -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
  [ "$failed" -eq 0 ] || hier_die "signing failed (see above)"
  echo "$hash" > "$d/stamp"
  HIER_DNSSEC_RESIGNED=1
  t1=$(date +%s.%N)
  hier_log "signed $count zones in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')s; trust anchor $workdir/root.key"
}
