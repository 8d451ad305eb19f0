//! Shortens the import and export names wasm-bindgen generates (`__wbg_get_a59f35a29d341634`,
//! `wasm_bindgen__convert__closures_____invoke__h…`) in the `.wasm` and in its JS glue together.
//! The hashes in those names are random bytes that gzip cannot shrink, and each name is shipped
//! twice (wasm import section, glue import object), so this saves about 1 KB gzipped.
//!
//! The glue is wasm-bindgen's unminified `--target web` output, where each import name appears
//! as a key of the import object and each export is read as `wasm.<name>`; every rename is
//! checked against that shape and the build fails if the glue does not match.

use anyhow::{bail, Context};

/// Renames imports from the glue module (`./<name>_bg.js`) and all exports of `wasm`, and
/// rewrites `glue` to match.
pub fn minify(wasm: &[u8], glue: &str) -> anyhow::Result<(Vec<u8>, String)> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        bail!("not a wasm module");
    }
    let mut out = wasm[..8].to_vec();
    let mut glue = glue.to_owned();
    let mut names = ShortNames::default();
    let mut pos = 8;
    while pos < wasm.len() {
        let id = wasm[pos];
        let (size, body_start) = read_leb(wasm, pos + 1)?;
        let body = wasm.get(body_start..body_start + size).context("truncated section")?;
        let new_body = match id {
            2 => rename_imports(body, &mut names, &mut glue)?,
            7 => rename_exports(body, &mut names, &mut glue)?,
            _ => body.to_vec(),
        };
        out.push(id);
        write_leb(&mut out, new_body.len());
        out.extend_from_slice(&new_body);
        pos = body_start + size;
    }
    Ok((out, glue))
}

fn rename_imports(body: &[u8], names: &mut ShortNames, glue: &mut String) -> anyhow::Result<Vec<u8>> {
    let (count, mut pos) = read_leb(body, 0)?;
    let mut out = Vec::with_capacity(body.len());
    write_leb(&mut out, count);
    for _ in 0..count {
        let (module, next) = read_name(body, pos)?;
        let (field, next) = read_name(body, next)?;
        let desc_end = import_desc_end(body, next)?;
        write_name(&mut out, module);
        if !module.ends_with("_bg.js") {
            // A JS snippet's own export (`import * as import1 from "./snippets/..."`): keep it.
            write_name(&mut out, field);
            out.extend_from_slice(&body[next..desc_end]);
            pos = desc_end;
            continue;
        }
        let short = names.next();
        // Import-object keys are identifiers followed by `:`; each must occur exactly once.
        let key = format!("{field}:");
        let n_found = glue.matches(&key).count();
        if n_found != 1 {
            bail!("import `{field}` appears {n_found} times as a key in the glue, expected 1");
        }
        *glue = glue.replacen(&key, &format!("{short}:"), 1);
        write_name(&mut out, &short);
        out.extend_from_slice(&body[next..desc_end]);
        pos = desc_end;
    }
    Ok(out)
}

fn rename_exports(body: &[u8], names: &mut ShortNames, glue: &mut String) -> anyhow::Result<Vec<u8>> {
    let (count, mut pos) = read_leb(body, 0)?;
    let mut out = Vec::with_capacity(body.len());
    write_leb(&mut out, count);
    for _ in 0..count {
        let (name, next) = read_name(body, pos)?;
        let (_, desc_end) = read_leb(body, next + 1)?;
        let short = names.next();
        *glue = replace_member(glue, &format!("wasm.{name}"), &format!("wasm.{short}"));
        write_name(&mut out, &short);
        out.extend_from_slice(&body[next..desc_end]);
        pos = desc_end;
    }
    Ok(out)
}

/// Replaces `wasm.name` where the next character does not continue the identifier.
fn replace_member(glue: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue;
    while let Some(at) = rest.find(from) {
        let after = &rest[at + from.len()..];
        let continues = after.chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        out.push_str(&rest[..at]);
        out.push_str(if continues { from } else { to });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Where an import descriptor starting at `pos` (its kind byte) ends.
fn import_desc_end(body: &[u8], pos: usize) -> anyhow::Result<usize> {
    let kind = *body.get(pos).context("truncated import")?;
    let limits_end = |at: usize| -> anyhow::Result<usize> {
        let flags = *body.get(at).context("truncated limits")?;
        let (_, after_min) = read_leb(body, at + 1)?;
        Ok(if flags & 1 == 1 { read_leb(body, after_min)?.1 } else { after_min })
    };
    Ok(match kind {
        0 => read_leb(body, pos + 1)?.1, // function: type index
        1 => limits_end(pos + 2)?,       // table: reftype, limits
        2 => limits_end(pos + 1)?,       // memory: limits
        3 => pos + 3,                    // global: valtype, mutability
        4 => read_leb(body, pos + 2)?.1, // tag: attribute, type index
        other => bail!("unknown import kind {other:#x}"),
    })
}

#[derive(Default)]
struct ShortNames(usize);

impl ShortNames {
    /// `a`..`z`, `A`..`Z`, then two letters, ... (used as object keys and after `wasm.`, where
    /// even keywords are valid property names).
    fn next(&mut self) -> String {
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut n = self.0;
        self.0 += 1;
        let mut name = String::new();
        loop {
            name.insert(0, LETTERS[n % LETTERS.len()] as char);
            n /= LETTERS.len();
            if n == 0 {
                break;
            }
            n -= 1;
        }
        name
    }
}

fn read_leb(bytes: &[u8], mut pos: usize) -> anyhow::Result<(usize, usize)> {
    let (mut value, mut shift) = (0usize, 0);
    loop {
        let byte = *bytes.get(pos).context("truncated LEB128")?;
        pos += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, pos));
        }
        shift += 7;
    }
}

fn write_leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn read_name(bytes: &[u8], pos: usize) -> anyhow::Result<(&str, usize)> {
    let (len, start) = read_leb(bytes, pos)?;
    let raw = bytes.get(start..start + len).context("truncated name")?;
    Ok((std::str::from_utf8(raw)?, start + len))
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    write_leb(out, name.len());
    out.extend_from_slice(name.as_bytes());
}
