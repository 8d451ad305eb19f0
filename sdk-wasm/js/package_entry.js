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
    const given = connectionIdOrOptions && typeof connectionIdOrOptions == "object" ? connectionIdOrOptions : options;
    // Redirect mode (SPEC §10) leaves through this very window. Credentials need no popup;
    // `null` (blocked) lets the wasm try once more and report it; a loaded wasm opens its own.
    const opened = given?.mode == "redirect" ? here(given.returnTo) : this.c || given?.credentials ? undefined : popup(this.o);
    if (this.c) return this.c.auth(integrationId, connectionIdOrOptions, options, opened);
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

// Redirect mode: a stand-in for the popup, so the wasm flow runs unchanged and "navigates the
// popup" by sending this window to the connect URL, with `return_to` (this page unless given)
// for the way back; the page then leaves, and the promise with it.
const here = (returnTo) => ({
  closed: false,
  close() {},
  location: {
    set href(url) {
      location.href = url + "&return_to=" + encodeURIComponent(returnTo || location.href);
    },
  },
});

// On the page a redirect-mode flow came back to: its outcome, read from the query and removed
// from the address bar. `null` when the URL carries none; an `AuthError` is thrown for a failure.
export function handleRedirect(url = new URL(location), query = url.searchParams) {
  const [success, providerConfigKey, connectionId, type, message] = [
    "success",
    "provider_config_key",
    "connection_id",
    "error",
    "error_description",
  ].map((key, value) => ((value = query.get(key)), query.delete(key), value));
  if (!success) return null;
  history.replaceState(history.state, "", url);
  if (success != "true") throw new AuthError(type, message);
  return { providerConfigKey, connectionId };
}

export { initSync } from "./nango.js";
export { Nango, AuthError };
