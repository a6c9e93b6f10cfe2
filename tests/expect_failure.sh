#!/usr/bin/env bash
# usage: expect_failure.sh PATTERN COMMAND [ARGS...]
# Passes when COMMAND exits non-zero without a signal or sanitizer report, and its stderr is one line that
# matches the extended regular expression PATTERN.
pattern=$1
shift
err=$(mktemp)
"$@" >/dev/null 2>"$err"
code=$?
lines=$(wc -l <"$err")
message=$(cat "$err")
rm -f "$err"
echo "exit code: $code"
echo "stderr: $message"
if [ "$code" -eq 0 ]; then echo "FAIL: expected a non-zero exit"; exit 1; fi
if [ "$code" -ge 128 ]; then echo "FAIL: killed by a signal"; exit 1; fi
if grep -q -E "Sanitizer|runtime error:" <<<"$message"; then echo "FAIL: sanitizer report"; exit 1; fi
if [ "$lines" -ne 1 ]; then echo "FAIL: expected exactly one line on stderr, got $lines"; exit 1; fi
if ! grep -q -E -- "$pattern" <<<"$message"; then echo "FAIL: stderr does not match /$pattern/"; exit 1; fi
echo "ok"
