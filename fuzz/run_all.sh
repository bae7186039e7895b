#!/usr/bin/env bash
# Runs every fuzz target for SECONDS_PER_TARGET seconds (default 360), one after the other.
# New corpus entries go to corpus/<target> (git-ignored); seeds/<target> is read too.
# Crashes land in artifacts/<target>/: copy the reproducer to regressions/ and add a test.
set -euo pipefail
cd "$(dirname "$0")"
secs="${SECONDS_PER_TARGET:-360}"
for t in ${TARGETS:-parse_policy parse_snapshot plan next_runs decide}; do
  mkdir -p "corpus/$t"
  cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
    -dict=dict/engine.dict -print_final_stats=1 2>&1 | tee "fuzz-$t.log" | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::|==|SUMMARY|artifact_prefix|Test unit written)' || true
done
