#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what it needs (wasm target,
# wasm-bindgen CLI, Debian's chromium and firefox-esr, Nango's catalog and clients and an OpenAPI validator
# from npm, a private PostgreSQL when none answers), builds the SDK package, runs clippy on the host crates, then every Rust
# test (backend units, the house-rule tests in xtask, store conformance on SQLite and
# Postgres, HTTP and headless Chromium and Firefox end-to-end), the SDK's in-browser unit tests and the
# npm package check. Steps after the SDK build all run; the script fails at the end, listing
# the steps that failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Builds are reused across clones: the target directory lives outside the checkout.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nango-target/ci}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Downloaded test inputs live outside the checkout too.
TEST_DEPS="${NANGO_TEST_DEPS:-$HOME/.cache/nango-test-deps}"
# Nango's own catalog, loaded by a catalog test (backend/src/catalog/load_tests.rs).
NANGO_PROVIDERS_VERSION="0.71.10"
# Nango's own clients, driven against the server by tests/api/nango_node.rs (@nangohq/node)
# and tests/browser/nango_frontend.rs (@nangohq/frontend); tests/src/nango_clients.rs checks it.
NANGO_CLIENTS_VERSION="0.71.10"
# An OpenAPI 3.1 validator for GET /openapi.json, run by tests/api/openapi.rs (tests/openapi/validate.mjs).
OPENAPI_VALIDATOR_VERSION="12.1.0"
# axe-core: the accessibility rules the admin console's browser tests run (tests/browser/admin_layout.rs).
AXE_CORE_VERSION="4.10.3"

step() { printf '\n==> %s [%dm%02ds]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
FAILED=()
# Runs one step; a failure is recorded and the next steps still run.
check() {
  local name="$1"
  shift
  step "$name"
  if ! "$@"; then
    FAILED+=("$name")
    echo "FAILED: $name"
  fi
}

# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

step "toolchain"
rustup target add wasm32-unknown-unknown >/dev/null
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  step "installing Debian's chromium and chromium-driver"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
if ! command -v firefox-esr >/dev/null; then
  step "installing Debian's firefox-esr"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr >/dev/null
fi
command -v node >/dev/null || { echo "node and npm are required (Debian: apt-get install nodejs npm)"; exit 1; }

# Installs npm `packages` into `dir` (once: skipped while `check` exists), then fails unless
# `check` exists.
npm_dep() {
  local dir="$1" check="$2"
  shift 2
  if [ ! -f "$check" ]; then
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --no-save --no-package-lock --ignore-scripts "$@"
  fi
  [ -f "$check" ] || { echo "npm did not install $check"; exit 1; }
  echo "$check"
}

step "Nango's providers.yaml (npm @nangohq/providers@$NANGO_PROVIDERS_VERSION)"
providers_dir="$TEST_DEPS/providers-$NANGO_PROVIDERS_VERSION"
export NANGO_PROVIDERS_FIXTURE="$providers_dir/node_modules/@nangohq/providers/providers.yaml"
npm_dep "$providers_dir" "$NANGO_PROVIDERS_FIXTURE" "@nangohq/providers@$NANGO_PROVIDERS_VERSION"

step "Nango's clients (npm @nangohq/node and @nangohq/frontend @$NANGO_CLIENTS_VERSION)"
clients_dir="$TEST_DEPS/nango-clients-$NANGO_CLIENTS_VERSION"
export NANGO_CLIENTS_DIR="$clients_dir/node_modules"
npm_dep "$clients_dir" "$NANGO_CLIENTS_DIR/@nangohq/frontend/dist/index.js" \
  "@nangohq/node@$NANGO_CLIENTS_VERSION" "@nangohq/frontend@$NANGO_CLIENTS_VERSION"
[ -f "$NANGO_CLIENTS_DIR/@nangohq/node/package.json" ] || { echo "npm did not install @nangohq/node into $NANGO_CLIENTS_DIR"; exit 1; }

step "OpenAPI validator (npm @apidevtools/swagger-parser@$OPENAPI_VALIDATOR_VERSION)"
validator_dir="$TEST_DEPS/openapi-validator-$OPENAPI_VALIDATOR_VERSION"
export OPENAPI_VALIDATOR_DIR="$validator_dir/node_modules"
npm_dep "$validator_dir" "$OPENAPI_VALIDATOR_DIR/@apidevtools/swagger-parser/package.json" \
  "@apidevtools/swagger-parser@$OPENAPI_VALIDATOR_VERSION"

step "axe-core (npm axe-core@$AXE_CORE_VERSION, the admin console's accessibility check)"
axe_dir="$TEST_DEPS/axe-core-$AXE_CORE_VERSION"
export AXE_CORE_DIR="$axe_dir/node_modules/axe-core"
npm_dep "$axe_dir" "$AXE_CORE_DIR/axe.min.js" "axe-core@$AXE_CORE_VERSION"

step "PostgreSQL"
pg_ensure_server

step "build the SDK package (cargo xtask build-sdk)"
cargo xtask build-sdk

# Host crates only: the SDK crate is built and tested for wasm32 by its own tasks.
check "clippy (host crates, warnings denied)" \
  cargo clippy --workspace --exclude nango-sdk --all-targets -- -D warnings

check "cargo test (backend, house rules, store conformance, HTTP and browser end-to-end)" \
  cargo test --workspace --no-fail-fast

check "SDK unit tests in headless Chromium (cargo xtask test-sdk)" cargo xtask test-sdk

if [ -x tests/npm/check.sh ]; then
  check "npm package: pack, install, Vite build" tests/npm/check.sh
fi

echo
if [ "${#FAILED[@]}" -gt 0 ]; then
  printf 'failed steps:\n'
  printf '  - %s\n' "${FAILED[@]}"
  exit 1
fi
echo "all tests passed [$((SECONDS / 60))m$((SECONDS % 60))s]"
