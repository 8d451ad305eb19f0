//! Shortens the long console warnings of wasm-bindgen's `--target web` glue (a wasm served with
//! the wrong MIME type, init called the deprecated way). They are shipped to every user of the
//! SDK and cost ~100 B gzipped; the short ones say the same to a developer. A message that is
//! not found (another wasm-bindgen version) is left alone: the size budget then tells.

/// `(wasm-bindgen's message, ours)`.
const MESSAGES: &[(&str, &str)] = &[
    (
        "\"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with \
         `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. \
         Original error:\\n\"",
        "\"nango_bg.wasm is not served as application/wasm; using WebAssembly.instantiate:\"",
    ),
    (
        "'using deprecated parameters for `initSync()`; pass a single object instead'",
        "'initSync(module) is deprecated: pass {module}'",
    ),
    (
        "'using deprecated parameters for the initialization function; pass a single object instead'",
        "'init(input) is deprecated: pass {module_or_path}'",
    ),
];

pub fn shorten(glue: &str) -> String {
    MESSAGES.iter().fold(glue.to_owned(), |glue, (long, short)| glue.replace(long, short))
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_warnings_become_short_ones() {
        let glue =
            "console.warn('using deprecated parameters for `initSync()`; pass a single object instead')";
        assert_eq!(super::shorten(glue), "console.warn('initSync(module) is deprecated: pass {module}')");
        let streaming = "console.warn(\"`WebAssembly.instantiateStreaming` failed because your server does \
                         not serve Wasm with `application/wasm` MIME type. Falling back to \
                         `WebAssembly.instantiate` which is slower. Original error:\\n\", e);";
        assert!(super::shorten(streaming).starts_with("console.warn(\"nango_bg.wasm is not served"));
    }
}
