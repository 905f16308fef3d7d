#!/usr/bin/env bash
# Run every integration test (as root): BUILD=dir tests/integration/run.sh
# Prints PASS/FAIL per test and a final "N passed, N failed" line.
HERE=$(cd "$(dirname "$0")" && pwd)
export BUILD=${BUILD:?set BUILD to the build directory}
pass=0 failed=0
for t in "$HERE"/test_*.sh; do
	name=$(basename "$t" .sh)
	echo "== integration/$name"
	if timeout 300 bash "$t"; then
		pass=$((pass + 1))
	else
		echo "!! integration/$name failed"
		failed=$((failed + 1))
	fi
done
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
