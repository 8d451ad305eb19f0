// The npm package's entry, bundled with the wasm-bindgen glue by `cargo xtask build-sdk` (which
// points `./js/` at wasm-bindgen's copy of these snippets, so `AuthError` is the very class the
// wasm throws). It makes `import Nango from "<package>"` work without `init()`, as
// `@nangohq/frontend` does (SPEC §1): `auth()` opens the popup first, inside the click's task
// (popup blockers), then loads the wasm module and hands the open popup to the wasm flow.
// Every other decision stays in Rust (`src/lib.rs`).
import initWasm, { Nango as Core } from "./nango.js";
import { AuthError } from "./js/auth_error.js";
import { popup } from "./js/browser.js";

// Loads the wasm (`nango_bg.wasm` next to this module unless told otherwise); optional, and
// once only (wasm-bindgen's `init` keeps the instance, and retries after a failed load).
export function init(input) {
  return initWasm(input ?? { module_or_path: new URL("nango_bg.wasm", import.meta.url) });
}

export default class Nango {
  // Once the module is loaded the options are checked at once (`invalid_host_url` throws).
  // Before, the glue's constructor fails for want of the module (a `TypeError`, not ours), and
  // the first `auth()` constructs it.
  constructor(options) {
    this.o = options;
    try {
      this.c = new Core(options);
    } catch (error) {
      if (error instanceof AuthError) throw error;
    }
  }

  auth(integrationId, connectionIdOrOptions, options) {
    if (this.c) return this.c.auth(integrationId, connectionIdOrOptions, options);
    const given = connectionIdOrOptions && typeof connectionIdOrOptions == "object" ? connectionIdOrOptions : options;
    // Credentials need no popup; `null` (blocked) lets the wasm try once more and report it.
    const opened = given?.credentials ? undefined : popup(this.o);
    return init()
      .then(() => (this.c ||= new Core(this.o)).auth(integrationId, connectionIdOrOptions, options, opened))
      .catch((error) => {
        // A no-op for a flow that ended (the wasm closed its popup).
        opened?.close();
        throw error instanceof AuthError ? error : new AuthError("network_error", "" + error);
      });
  }

  // A reconnect session's flow keeps its connection id; the server knows which.
  reconnect(integrationId, options) {
    return this.o?.connectSessionToken
      ? this.auth(integrationId, options || {})
      : Promise.reject(new AuthError("missing_connect_session_token", "reconnect() needs connectSessionToken"));
  }
}

export { initSync } from "./nango.js";
export { Nango, AuthError };
