#!/usr/bin/env bash
# Run every integration test (as root): BUILD=dir tests/integration/run.sh
# Prints PASS/FAIL per test and a final "N passed, N failed" line.
HERE=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:?set BUILD to the build directory}
pass=0 failed=0
for t in "$HERE"/test_*.sh; do
	name=$(basename "$t" .sh)
	# A test may ask for more than 300 s with a line "# run.sh timeout: N s".
	limit=$(sed -n 's/^# run.sh timeout: \([0-9]*\) s$/\1/p' "$t")
	echo "== integration/$name"
	if timeout "${limit:-300}" bash "$t"; then
		pass=$((pass + 1))
	else
		echo "!! integration/$name failed"
		failed=$((failed + 1))
	fi
done
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
