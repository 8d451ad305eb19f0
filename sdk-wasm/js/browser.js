// Browser plumbing the wasm calls (sdk-size.md: a few lines of JS here replace kilobytes of
// wasm-bindgen shims). Every decision stays in Rust; these only move values.

// What one `auth()` call needs from JS: {promise, resolve, reject, flow, origin}, `flow` being a
// fresh flow id: 16 bytes from `crypto.getRandomValues` as 22 characters of base64url, and
// `origin` this page's (the popup URL's `origin`; a getter, read only for a popup flow).
export function deferred() {
  const settle = {
    get origin() {
      return location.origin;
    },
    flow: btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
      .replace(/[+/=]/g, (c) => (c == "+" ? "-" : c == "/" ? "_" : "")),
  };
  settle.promise = new Promise((resolve, reject) => {
    settle.resolve = resolve;
    settle.reject = reject;
  });
  return settle;
}

// GET `url`, or POST `body` as JSON; then exactly one `callback(parsedBody, httpStatus)`.
// A body that is not JSON gives `null`; a network failure gives status 0.
export function request(url, body, callback) {
  fetch(url, body && {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }).then(
    (response) => response.json().then(
      (parsed) => callback(parsed, response.status),
      () => callback(null, response.status),
    ),
    () => callback(null, 0),
  );
}

// The authorization popup, opened empty (the SDK navigates it once the call is validated), of
// `options.width` x `options.height` (500 x 600 unless positive numbers are given), centred on
// the window `at`; `null` when the browser blocked it. The package's `Nango` calls this too,
// before the wasm module is loaded, so the popup opens inside the click's task.
export function popup(options, at = window) {
  const width = options?.width > 0 ? options.width : 500;
  const height = options?.height > 0 ? options.height : 600;
  return at.open("", "_blank", `width=${width | 0},height=${height | 0},left=${
    (at.screenX + (at.outerWidth - width) / 2) | 0},top=${(at.screenY + (at.outerHeight - height) / 2) | 0}`);
}
