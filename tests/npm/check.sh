#!/usr/bin/env bash
# npm package check: `npm pack` the built SDK (sdk-wasm/pkg), install the tarball into a fresh
# app, and run a Vite production build of a page importing it. Fails unless the build succeeds
# and its output holds the .wasm asset and a JS chunk that references it.
# Run after `cargo xtask build-sdk`. npm's cache is ~/.cache/npm; Vite comes from the registry.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
pkg="$root/sdk-wasm/pkg"
vite_version="${VITE_VERSION:-7}"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/npm}"

fail() { echo "npm check: $*" >&2; exit 1; }

[ -f "$pkg/package.json" ] && [ -f "$pkg/nango.js" ] && [ -f "$pkg/nango_bg.wasm" ] \
  || fail "no built package in $pkg: run \`cargo xtask build-sdk\` first"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "==> npm pack $pkg"
tarball="$(cd "$work" && npm pack "$pkg" --silent | tail -n 1)"
[ -f "$work/$tarball" ] || fail "npm pack produced no tarball"
listing="$(tar -tzf "$work/$tarball")"
for file in package/package.json package/nango.js package/nango_bg.wasm package/index.d.ts; do
  grep -qx "$file" <<<"$listing" || fail "$tarball lacks $file"
done

typings="$(tar -xzOf "$work/$tarball" package/index.d.ts)"
for name in "class Nango" "class AuthError" "export default Nango" "export function init" \
  "reconnect(" "connectSessionToken" "missing_auth_token"; do
  grep -q "$name" <<<"$typings" || fail "index.d.ts does not declare \`$name\`"
done

app="$work/app"
mkdir -p "$app"
cat > "$app/package.json" <<'JSON'
{ "name": "nango-sdk-vite-check", "private": true, "type": "module" }
JSON
cat > "$app/index.html" <<'HTML'
<!doctype html>
<html><head><meta charset="utf-8"><title>check</title></head>
<body><button id="connect">Connect</button><script type="module" src="/main.js"></script></body></html>
HTML
cat > "$app/main.js" <<'JS'
import Nango, { AuthError, init } from "nango-sdk";

// No init() needed (the first auth() loads the wasm); `init` stays a named export to preload.
if (typeof init !== "function") throw new Error("no init export");
const nango = new Nango({ host: "http://localhost:3003", publicKey: "public-key" });
document.getElementById("connect").addEventListener("click", async () => {
  try {
    console.log(await nango.auth("demo", "user-1"));
  } catch (error) {
    console.log(error instanceof AuthError ? error.type : error);
  }
});
JS

echo "==> npm install the tarball and vite@$vite_version"
(cd "$app" && npm install --no-audit --no-fund --loglevel=error "$work/$tarball" "vite@$vite_version")

echo "==> vite build"
(cd "$app" && npx --no-install vite build --logLevel warn)

wasm="$(find "$app/dist" -name '*.wasm' | head -n 1)"
[ -n "$wasm" ] || fail "the Vite build has no .wasm asset: $(cd "$app/dist" && find . -type f)"
cmp -s "$wasm" "$pkg/nango_bg.wasm" || fail "$(basename "$wasm") differs from the package's nango_bg.wasm"
grep -rqs --include='*.js' "$(basename "$wasm")" "$app/dist" || fail "no JS chunk references $(basename "$wasm")"
echo "npm check: ok ($tarball, Vite $(cd "$app" && npx --no-install vite --version), wasm asset $(basename "$wasm"))"
