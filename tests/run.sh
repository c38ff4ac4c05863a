#!/bin/sh
# Runs every test suite against one build directory (default build/san, the
# ASan+UBSan build that `make test` makes): the cmocka unit tests, the
# black-box protocol tests and the browser tests. Ends with one line
# "N passed, N failed" and exits non-zero if anything failed.
set -u
BUILD=${1:-build/san}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export RT_BIN="$ROOT/$BUILD/roundtable"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
LOG=$(mktemp -d)
pass=0
fail=0

count() { # adds the pass/fail counts found in a log
	p=$(sed -n "$2" "$1" | tail -n 1)
	f=$(sed -n "$3" "$1" | tail -n 1)
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
}

echo "== unit tests ($BUILD)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if "$t" > "$LOG/$name.log" 2>&1; then
		echo "  ok    $name"
	else
		echo "  FAIL  $name"
		grep -E "FAILED|ERROR|error|Sanitizer" "$LOG/$name.log" | head -n 20 | sed 's/^/        /'
		# a crash before cmocka's summary still counts as a failure
		grep -q "FAILED  \]" "$LOG/$name.log" || fail=$((fail + 1))
	fi
	count "$LOG/$name.log" 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p'
done

# The fuzz targets replay their seed corpus and every crash ever found
# (deterministic: no fuzzing here; `make fuzz` fuzzes).
if ls build/fuzz/fuzz_* > /dev/null 2>&1; then
	echo "== fuzz regressions and seeds (build/fuzz)"
	for bin in build/fuzz/fuzz_*; do
		case "$bin" in *.log|*.reg) continue ;; esac
		[ -x "$bin" ] || continue
		t=${bin##*/fuzz_}
		inputs=$(ls -d "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t" 2>/dev/null)
		timeout=10 # seconds an input may take; markdown must never hold the loop: 1
		[ "$t" = render ] && timeout=1
		if ASAN_OPTIONS=detect_leaks=1 "$bin" -runs=0 -timeout=$timeout $inputs > "$LOG/fuzz_$t.log" 2>&1; then
			echo "  ok    fuzz_$t"
			pass=$((pass + 1))
		else
			echo "  FAIL  fuzz_$t"
			grep -E "ERROR|SUMMARY" "$LOG/fuzz_$t.log" | head -n 10 | sed 's/^/        /'
			fail=$((fail + 1))
		fi
	done
fi

run_node() { # suite name, files...
	suite=$1
	shift
	[ "$#" -gt 0 ] && [ -e "$1" ] || return 0
	echo "== $suite tests"
	node --test --test-reporter=tap "$@" > "$LOG/$suite.log" 2>&1
	grep -E "^not ok|^# (pass|fail)" "$LOG/$suite.log" | sed 's/^/  /'
	if grep -q "^not ok" "$LOG/$suite.log"; then
		echo "  --- failures (see the log for all):"
		grep -B2 -A25 "^ *not ok" "$LOG/$suite.log" | head -n 120 | sed 's/^/  /'
	fi
	count "$LOG/$suite.log" 's/^# pass \([0-9]*\)$/\1/p' 's/^# fail \([0-9]*\)$/\1/p'
	# a runner that died without a summary is a failure
	grep -q "^# pass" "$LOG/$suite.log" || fail=$((fail + 1))
}

run_node protocol tests/protocol/*.test.mjs
run_node browser tests/browser/*.test.mjs

echo
echo "logs: $LOG"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
