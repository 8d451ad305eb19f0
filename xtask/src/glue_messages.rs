//! Tidies wasm-bindgen's `--target web` glue: one namespace import per snippet module (it emits
//! `import * as importN` once per function the wasm imports directly from the module, and the
//! repeated key of the imports object is an esbuild warning), and shorter console warnings (a
//! wasm served with the wrong MIME type, init called the deprecated way). They are shipped to every user of the
//! SDK and cost ~100 B gzipped; the short ones say the same to a developer. A message that is
//! not found (another wasm-bindgen version) is left alone: the size budget then tells.

/// `(wasm-bindgen's message, ours)`.
const MESSAGES: &[(&str, &str)] = &[
    (
        "\"`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with \
         `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. \
         Original error:\\n\"",
        "\"nango_bg.wasm: not application/wasm\"",
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

/// `(wasm-bindgen's code, ours)`: code the SDK never runs, cut (~110 B gzipped, which pays for
/// redirect mode and `handleRedirect`). The package's own `Nango` is the only caller of the glue
/// class: it never calls `free()` (the finalization registry frees it), nor passes `init` the
/// deprecated forms (those only lose their warning). The entry's syntax (`||=`, ES2021) already
/// needs a browser with `FinalizationRegistry`, so its fallback is dead; the decoder reset
/// guards against Safari's limit of 2 GB decoded in total, far beyond what the SDK decodes; and
/// a wasm that fails to stream for any reason but the MIME type is fetched again below anyway.
const TRIMS: &[(&str, &str)] = &[
    (
        "    __destroy_into_raw() {\n        const ptr = this.__wbg_ptr;\n        this.__wbg_ptr = 0;\n        \
         NangoFinalization.unregister(this);\n        return ptr;\n    }\n    free() {\n        \
         const ptr = this.__destroy_into_raw();\n        wasm.__wbg_nango_free(ptr, 0);\n    }\n",
        "",
    ),
    ("if (Symbol.dispose) Nango.prototype[Symbol.dispose] = Nango.prototype.free;", ""),
    (
        "        } else {\n            console.warn('initSync(module) is deprecated: pass {module}')\n        }",
        "        }",
    ),
    (
        "        } else {\n            console.warn('init(input) is deprecated: pass {module_or_path}')\n        }",
        "        }",
    ),
    (
        "    numBytesDecoded += bytes.length;\n    if (numBytesDecoded >= MAX_SAFARI_DECODE_BYTES) {\n        \
         cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });\n        \
         cachedTextDecoder.decode();\n        numBytesDecoded = bytes.length;\n    }\n    return",
        "    return",
    ),
    ("const MAX_SAFARI_DECODE_BYTES = 2146435072;\nlet numBytesDecoded = 0;\n", ""),
    (
        "(typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {}, unregister: () => {} }\n    : ",
        "",
    ),
    (
        "`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`",
        "`nango_bg.wasm: HTTP ${module.status}`",
    ),
    (
        "                const validResponse = expectedResponseType(module.type);\n\n                \
         if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {",
        "                if (module.headers.get('Content-Type') !== 'application/wasm') {",
    ),
    (
        "\n    function expectedResponseType(type) {\n        switch (type) {\n            \
         case 'basic': case 'cors': case 'default': return true;\n        }\n        return false;\n    }\n",
        "",
    ),
];

pub fn shorten(glue: &str) -> String {
    let glue = dedupe_namespace_imports(glue);
    let glue = MESSAGES.iter().fold(glue, |glue, (long, short)| glue.replace(long, short));
    TRIMS.iter().fold(glue, |glue, (code, ours)| glue.replace(code, ours))
}

/// Drops `import * as importN from "m"` lines (and their `"m": importN,` entries) that repeat
/// the module of an earlier one: they are the same namespace object.
fn dedupe_namespace_imports(glue: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    let mut drop: Vec<String> = Vec::new();
    for line in glue.lines() {
        let Some(rest) = line.strip_prefix("import * as ") else { continue };
        let Some((name, module)) = rest.split_once(" from ") else { continue };
        if seen.contains(&module) {
            drop.push(line.to_owned());
            drop.push(format!("{}: {name},", module.trim_end_matches(';')));
        } else {
            seen.push(module);
        }
    }
    glue.lines()
        .filter(|line| !drop.iter().any(|d| line.trim() == d))
        .map(|line| line.to_owned() + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_module_is_imported_once() {
        let glue = "import * as import1 from \"./b.js\"\nimport * as import2 from \"./b.js\"\n\
                    const imports = {\n    \"./b.js\": import1,\n    \"./b.js\": import2,\n};\n";
        let expected =
            "import * as import1 from \"./b.js\"\nconst imports = {\n    \"./b.js\": import1,\n};\n";
        assert_eq!(super::shorten(glue), expected);
    }

    #[test]
    fn long_warnings_become_short_ones() {
        let glue =
            "console.warn('using deprecated parameters for `initSync()`; pass a single object instead')";
        assert_eq!(super::shorten(glue), "console.warn('initSync(module) is deprecated: pass {module}')\n");
        let streaming = "console.warn(\"`WebAssembly.instantiateStreaming` failed because your server does \
                         not serve Wasm with `application/wasm` MIME type. Falling back to \
                         `WebAssembly.instantiate` which is slower. Original error:\\n\", e);";
        assert!(super::shorten(streaming).starts_with("console.warn(\"nango_bg.wasm: not application/wasm"));
    }
}
