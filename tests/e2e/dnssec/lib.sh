# Checks of the DNSSEC cases of the signed fake hierarchy (issue 13), for
# any resolver: sourced after tests/e2e/control/lib.sh (ok, bad, ns).
#
# The cases are tests/hierarchy/dnssec-cases.txt (format at its top; the
# table in tests/hierarchy/README.md, "DNSSEC cases"). A test points
# DNSSEC_SERVER / DNSSEC_PORT at the resolver (default 127.0.0.1 and
# $E2E_PORT, inside the test's namespace) and calls dnssec_check_cases once
# for answers resolved now and once more for the same answers from the
# cache:
#   dnssec_check_cases first     # every case, in file order
#   dnssec_check_cases cached    # again: same verdicts; EDE 6 allowed
DNSSEC_CASES="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../hierarchy" && pwd)/dnssec-cases.txt"
DNSSEC_SERVER=${DNSSEC_SERVER:-127.0.0.1}

# dnssec_dig NAME TYPE do|cd|plain: dig's answer from the resolver
dnssec_dig() {
  local -a opts=(+time=10 +tries=1 +ignore)
  case "$3" in
    do) opts+=(+dnssec) ;;
    cd) opts+=(+dnssec +cd) ;;
    plain) ;;
  esac
  ns dig @"$DNSSEC_SERVER" -p "${DNSSEC_PORT:-$E2E_PORT}" "${opts[@]}" "$1" "$2"
}

# dnssec_facts: from dig output on stdin, one line
#   RCODE AD EDE RECORDS DATA
# in the format of dnssec-cases.txt (RECORDS: the strongest of ans, auth,
# none that holds, or "other")
dnssec_facts() {
  awk '
    /^;; ->>HEADER<<-/ { for (i = 1; i <= NF; i++) if ($i == "status:") { rc = $(i + 1); sub(",", "", rc) } }
    /^;; flags:/       { f = $0; sub(/^;; flags: */, "", f); sub(/;.*/, "", f); ad = (" " f " " ~ / ad /) ? "ad" : "-" }
    /^; EDE: /         { e = $3; ede = (ede == "") ? e : ede "," e }
    /^;; ANSWER SECTION:/     { sec = "ans"; next }
    /^;; AUTHORITY SECTION:/  { sec = "auth"; next }
    /^;; ADDITIONAL SECTION:/ { sec = "add"; next }
    /^;; / || /^$/     { sec = ""; next }
    /^;/               { next }
    sec != "" && NF >= 4 {
      t = $4
      if (t == "RRSIG" || t == "NSEC" || t == "NSEC3") dnssec = 1
      if (sec == "ans" && t == "RRSIG") anssig = 1
      if (sec == "auth" && t == "RRSIG") authsig = 1
      if (sec == "auth" && (t == "NSEC" || t == "NSEC3")) authnsec = 1
      if (sec == "ans" && t != "RRSIG") { d = $5; for (i = 6; i <= NF; i++) d = d " " $i; data[n++] = d }
    }
    END {
      recs = anssig ? "ans" : (authsig && authnsec) ? "auth" : dnssec ? "other" : "none"
      # sort the data (insertion sort: a handful of records)
      for (i = 1; i < n; i++) { v = data[i]; for (j = i - 1; j >= 0 && data[j] > v; j--) data[j + 1] = data[j]; data[j + 1] = v }
      s = ""; for (i = 0; i < n; i++) s = (i ? s "," : "") data[i]
      print (rc == "" ? "none" : rc), (ad == "" ? "-" : ad), (ede == "" ? "-" : ede), recs, (s == "" ? "-" : s)
    }'
}

# dnssec_check_case first|cached NAME TYPE QUERY RCODE AD EDE RECORDS DATA
dnssec_check_case() {
  local pass=$1 name=$2 type=$3 query=$4 wrc=$5 wad=$6 wede=$7 wrecs=$8 wdata=$9
  local out got rc ad ede recs data why=""
  out=$(dnssec_dig "$name" "$type" "$query" </dev/null)
  got=$(dnssec_facts <<<"$out")
  read -r rc ad ede recs data <<<"$got"
  [ "$rc" = "$wrc" ] || why+=" rcode $rc"
  [ "$ad" = "$wad" ] || why+=" AD '$ad'"
  if [ "$ede" != "$wede" ]; then
    # From the cache, Unbound says only "DNSSEC Bogus" (6).
    [ "$pass" = cached ] && [ "$wede" != - ] && [ "$ede" = 6 ] || why+=" EDE $ede"
  fi
  [ "$wrecs" = - ] || [ "$recs" = "$wrecs" ] || why+=" records $recs"
  [ "$wdata" = "*" ] || [ "$data" = "$wdata" ] || why+=" data $data"
  if [ -z "$why" ]; then
    ok "$pass $name $type $query: $got"
  else
    bad "$pass $name $type $query: want $wrc $wad $wede $wrecs $wdata; got$why"
    sed 's/^/     | /' <<<"$out"
  fi
}

# dnssec_check_cases first|cached: every case of dnssec-cases.txt
dnssec_check_cases() {
  local name type query rc ad ede recs data
  while read -r name type query rc ad ede recs data; do
    case "$name" in ''|'#'*) continue ;; esac
    dnssec_check_case "$1" "$name" "$type" "$query" "$rc" "$ad" "$ede" "$recs" "$data"
  done < "$DNSSEC_CASES"
}
