// Browser plumbing the wasm calls (sdk-size.md: a few lines of JS here replace kilobytes of
// wasm-bindgen shims). Every decision stays in Rust; these only move values.

// `new Promise` with its settle functions: {promise, resolve, reject}.
export function deferred() {
  const settle = {};
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
