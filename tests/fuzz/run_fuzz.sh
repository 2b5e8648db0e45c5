#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fuzz one libFuzzer target for a bounded time from the checked-in seed
# corpus, without changing it: new inputs go to a scratch corpus (kept in
# $SAKSI_FUZZ_CORPUS_DIR/<target> when that is set, so that long runs build
# on each other; else a temporary directory), crashes to ARTIFACTS/. Exit 0
# when nothing was found; otherwise libFuzzer's status, after printing how
# to turn the crash into a regression input.
#   run_fuzz.sh FUZZER CORPUS_DIR SECONDS ARTIFACT_DIR [extra libFuzzer flags]
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3 artifacts=$4
shift 4
if [ -n "${SAKSI_FUZZ_CORPUS_DIR:-}" ]; then
  scratch=$SAKSI_FUZZ_CORPUS_DIR/$(basename "$corpus")
  mkdir -p "$scratch"
else
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/saksi-fuzz-corpus-XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
fi
mkdir -p "$artifacts"
# -max_len: inputs up to 8 KiB cover every parser state; longer lines are
#  tested on purpose in tests/test_limits.c. -rss_limit_mb: a leak or an
#  unbounded allocation is a finding. -timeout: a slow input is a finding.
status=0
"$fuzzer" "$scratch" "$corpus" -max_total_time="$seconds" -max_len=8192 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "run_fuzz.sh: $(basename "$fuzzer") found a problem; inputs in $artifacts:" >&2
  ls -l "$artifacts" >&2
  echo "Copy each into tests/fuzz/regressions/<target>/, fix it, and list it in" \
       "tests/fuzz/regressions/README.md." >&2
fi
exit "$status"
