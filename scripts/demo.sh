#!/usr/bin/env bash
# Starts nango-server with the demo on the embedded defaults (SQLite in ./data, the
# built-in demo provider, no credentials needed). Builds the SDK package first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nango-target/dev}"
if [ ! -f sdk-wasm/pkg/nango.js ]; then
  echo "==> building the SDK package (first run only)"
  cargo xtask build-sdk
fi
cargo build --release --quiet -p nango-backend --bin nango-server
port="${NANGO_PORT:-3003}"
echo
echo "==> open http://localhost:${port}/ and click Connect (Ctrl-C stops the server)"
echo "==> admin console: http://localhost:${port}/admin/ (sign in with the secret key printed below, or \`nango-server keys\`)"
echo
# The demo provider, its routes and the demo integration exist only with NANGO_DEMO=true.
export NANGO_DEMO="${NANGO_DEMO:-true}"
exec "$CARGO_TARGET_DIR/release/nango-server" serve
