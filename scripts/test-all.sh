#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs, builds the SDK
# package, then runs every Rust test (backend units, store conformance on SQLite and
# Postgres, HTTP end-to-end, headless Chromium end-to-end), the SDK's in-browser unit
# tests and the npm package check.
set -euo pipefail
cd "$(dirname "$0")/.."

# Builds are reused across clones: the target directory lives outside the checkout.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nango-target/ci}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
rustup target add wasm32-unknown-unknown >/dev/null
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  step "installing Debian's chromium and chromium-driver"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
command -v node >/dev/null || { echo "node and npm are required (Debian: apt-get install nodejs npm)"; exit 1; }

step "build the SDK package (cargo xtask build-sdk)"
cargo xtask build-sdk

step "cargo test (backend, store conformance, HTTP and browser end-to-end)"
cargo test --workspace --no-fail-fast

step "SDK unit tests in headless Chromium (cargo xtask test-sdk)"
cargo xtask test-sdk

if [ -x tests/npm/check.sh ]; then
  step "npm package: pack, install, Vite build"
  tests/npm/check.sh
fi

echo
echo "all tests passed"
