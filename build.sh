#!/usr/bin/env bash
# The one entry point: ./build.sh [build|test|demo|page|bench|fuzz|clean]
# Installs what a new machine lacks (idempotently; docs/toolchain.md says why each step is the way
# it is), then does the job. `test` also installs the system packages the tests need (Chromium,
# python3, unzip) with apt-get when it runs as root, and otherwise stops with the one command to
# run: a test never passes by skipping what is missing.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in crates/wasm/Cargo.toml
WASM_PACK_VERSION=0.15.1
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_tools() {
  if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    log "installing the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! command -v wasm-pack >/dev/null || [[ "$(wasm-pack --version)" != *"$WASM_PACK_VERSION"* ]]; then
    log "installing wasm-pack $WASM_PACK_VERSION (once, ~2 min)"
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
  fi
  # Without --locked: with it the resolution fails on these machines (docs/toolchain.md).
  if ! command -v wasm-bindgen >/dev/null || [[ "$(wasm-bindgen --version)" != *"$WASM_BINDGEN_VERSION"* ]]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once, ~4 min)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if ! cargo clippy --version >/dev/null 2>&1; then rustup component add clippy; fi
  if ! cargo fmt --version >/dev/null 2>&1; then rustup component add rustfmt; fi
  if [[ ! -x node_modules/.bin/wasm-opt || package.json -nt node_modules/.package-lock.json ]]; then
    log "installing npm packages"
    if [[ -f package-lock.json ]]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
  fi
}

# wasm-pack once per target, then npm binaryen's wasm-opt (Debian's is too old, docs/toolchain.md).
build_wasm() {
  local target
  for target in nodejs web; do
    local out=pkg/$([[ $target == nodejs ]] && echo node || echo web)
    log "wasm-pack build --target $target -> $out"
    wasm-pack build crates/wasm --release --mode no-install --target "$target" --out-dir "$ROOT/$out" --no-pack >&2
    local wasm=$out/user_cleanup_wasm_bg.wasm
    wasm-opt -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$wasm" -o "$wasm.opt" && mv "$wasm.opt" "$wasm"
  done
  printf '{"type":"commonjs"}\n' > pkg/node/package.json
  log "wasm: $(stat -c %s pkg/web/user_cleanup_wasm_bg.wasm) bytes, $(gzip -9c pkg/web/user_cleanup_wasm_bg.wasm | wc -c) gzipped"
}

build_jar() {
  log "plugin JAR -> dist/user-cleanup-$(node -p "require('./package.json').version").jar"
  node plugin-shim/package/build-jar.mjs
}

build() {
  ensure_tools
  log "cargo build"
  cargo build --workspace --all-targets
  build_wasm
  build_jar
}

# System packages the tests use: Debian's Chromium for the browser tests (never a downloaded
# browser, docs/toolchain.md), python3 and unzip as readers of the JAR that share no code with its
# writer (tests/node/package.test.mjs). Installed with apt-get when we are root; otherwise the run
# stops here with the command to run, rather than letting those tests skip.
ensure_test_tools() {
  local missing=() tool
  for tool in chromium python3 unzip; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "build.sh test: missing ${missing[*]}; install with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

node_tests() {
  log "node tests"
  # The tools are installed above: a test that finds one missing fails instead of skipping.
  USER_CLEANUP_REQUIRE_TOOLS=1 node --test --test-reporter=spec tests/node/
}

# The page in a real browser (Debian's Chromium, installed by ensure_test_tools): a missing browser
# is a failure, not a skip.
browser_tests() {
  log "browser tests (Chromium)"
  USER_CLEANUP_REQUIRE_BROWSER=1 node --test --test-reporter=spec tests/browser/
}

rust_tests() {
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "cargo clippy -D warnings"
  cargo clippy --workspace --all-targets -- -D warnings
  log "engine dependency guard (wasm32): no wasm-bindgen or js-sys in the core crate"
  if cargo tree -p user-cleanup-engine --target wasm32-unknown-unknown -e normal,build | grep -E 'wasm-bindgen|js-sys'; then
    echo "FAIL: the engine crate must not depend on wasm-bindgen or js-sys" >&2
    exit 1
  fi
  log "cargo test"
  cargo test --workspace
}

type_check() {
  log "tsc --noEmit on the typed API usage"
  tsc -p tests/types/tsconfig.json
}

case "${1:-build}" in
  build) build ;;
  test)
    ensure_test_tools
    build
    rust_tests
    type_check
    node_tests
    browser_tests
    ;;
  demo)
    ensure_tools
    [[ -f pkg/node/user_cleanup_wasm.js ]] || build_wasm
    log "preview of samples/policy.json over samples/snapshot.json"
    node plugin-shim/bin/user-cleanup.mjs preview --policy samples/policy.json --snapshot samples/snapshot.json --as-of 2026-11-27T10:00:00Z --actor admin
    log "impact: the same sample with a hand-over user for the blocked project leads and a rule that skips users with open issues (samples/policy-handover.json)"
    node plugin-shim/bin/user-cleanup.mjs preview --policy samples/policy-handover.json --snapshot samples/snapshot.json --as-of 2026-11-27T10:00:00Z --actor admin --limit 8
    log "dashboard"
    node plugin-shim/bin/user-cleanup.mjs dashboard --policy samples/policy.json --snapshot samples/snapshot.json --as-of 2026-11-27T10:00:00Z
    log "tier planning: keep 50 Jira Service Management seats free"
    node plugin-shim/bin/user-cleanup.mjs tier --policy samples/policy.json --snapshot samples/snapshot.json --as-of 2026-11-27T10:00:00Z --role jira-servicedesk --headroom 50
    log "schedules"
    node plugin-shim/bin/user-cleanup.mjs schedules --policy samples/policy.json --from 2026-11-27T10:00:00Z --count 3
    # The admin page: on a terminal, serve it against the sandbox Jira until Ctrl-C; elsewhere
    # (CI, scripts) say how, so that the demo always ends.
    if [[ -t 0 && -t 1 ]]; then
      [[ -f dist/user-cleanup-$(node -p "require('./package.json').version").jar ]] || build_jar
      log "the admin page, served from the plugin JAR by the sandbox Jira with the sample (log in as admin/admin; Ctrl-C stops)"
      node plugin-shim/dev/page-server.mjs --jar "dist/user-cleanup-$(node -p "require('./package.json').version").jar"
    else
      log "the admin page: ./build.sh page (serves it against the sandbox Jira until Ctrl-C)"
    fi
    ;;
  page)
    # The admin page in a browser, served from the plugin JAR by the sandbox Jira seeded with the
    # sample (until Ctrl-C). Extra arguments go to plugin-shim/dev/page-server.mjs, e.g.
    # --users 100000, --port 8080, or --snapshot FILE to look at the page over your own data (a
    # snapshot exported with `user-cleanup snapshot`).
    ensure_tools
    [[ -f pkg/web/user_cleanup_wasm.js ]] || build_wasm
    build_jar
    node plugin-shim/dev/page-server.mjs --jar "dist/user-cleanup-$(node -p "require('./package.json').version").jar" "${@:2}"
    ;;
  bench)
    build
    log "engine: native and WASM plan vs JSON.parse"
    node tests/bench/bench.mjs "${@:2}"
    log "host adapter: requests and time to a snapshot of a 100k-user sandbox Jira"
    node tests/bench/host-bench.mjs
    ;;
  fuzz)
    # cargo-fuzz needs nightly (fuzz/README.md). Targets: parse_policy parse_snapshot plan next_runs.
    rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    t="${2:-parse_policy}"
    mkdir -p "fuzz/corpus/$t"
    (cd fuzz && cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="${3:-60}" -rss_limit_mb=2048 -max_len=65536 -timeout=10 -dict=dict/engine.dict)
    ;;
  clean) cargo clean; rm -rf pkg dist ;;
  *) echo "usage: ./build.sh [build|test|demo|page [--snapshot FILE]|bench|fuzz TARGET SECONDS|clean]" >&2; exit 2 ;;
esac
