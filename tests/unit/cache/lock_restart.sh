#!/bin/sh
# A writer SIGKILLed inside a shard lock and restarted with the same pid (PID 1
# of a fresh PID namespace, as in a container) must recover the lock: the
# lock holds a token (pid + per-process nonce), not a bare pid. Before the
# token, the restarted writer took the lock for its own and spun forever.
# Needs root (unshare --pid); skipped (77) otherwise.
set -u
prog=$1
dir=$(mktemp -d /dev/shm/boltdns-lock-restart.XXXXXX) || exit 1
holder=
cleanup() {
	[ -n "$holder" ] && kill -KILL "$holder" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

if ! unshare --pid --fork true 2>/dev/null; then
	echo "unshare --pid not permitted: skipped"
	exit 77
fi

# writer 1: PID 1 of its namespace, dies holding the lock of the only shard
unshare --pid --fork --kill-child "$prog" hold "$dir/cache" >"$dir/hold.out" 2>&1 &
holder=$!
i=0
while [ "$(cat "$dir/hold.out" 2>/dev/null)" != "L" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$holder" 2>/dev/null; then
		echo "holder did not take the lock:"; cat "$dir/hold.out"; exit 1
	fi
	sleep 0.05
done
# killing unshare SIGKILLs its child (--kill-child): the writer dies in the lock
kill -KILL "$holder"
wait "$holder" 2>/dev/null
holder=

# writer 2: PID 1 of a new namespace, the same pid as the dead owner
out=$(timeout 30 unshare --pid --fork "$prog" insert "$dir/cache" 2>&1)
rc=$?
echo "$out"
case "$out" in
"pid 1"*) ;;
*) echo "restarted writer is not PID 1"; exit 1 ;;
esac
exit $rc
