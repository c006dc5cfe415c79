# Sourced by the shell tests that drive boltctl (ctl/boltctl-test.sh,
# anchor/dnssec-ctl-test.sh): pass/fail counters and a check of a boltctl
# command's exit status and output. The test sets boltctl=(COMMAND ARGS...),
# the command line that expect adds its arguments to, and ends with
#   echo "$passes passed, $fails failed"; [ "$fails" = 0 ]
passes=0
fails=0
ok()  { passes=$((passes + 1)); }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC PATTERN -- ARGS: boltctl exits with RC and its output matches
# PATTERN (grep -E; empty: anything)
expect() {
	local rc=$1 pat=$2; shift 3
	local out got
	out=$("${boltctl[@]}" "$@" 2>&1)
	got=$?
	if [ "$got" != "$rc" ]; then
		bad "boltctl $* exited $got, not $rc: $out"
	elif [ -n "$pat" ] && ! grep -qE -- "$pat" <<<"$out"; then
		bad "boltctl $* output does not match '$pat': $out"
	else
		ok
	fi
}
