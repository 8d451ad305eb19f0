//! Browser SDK (stub).
#![cfg_attr(all(target_arch = "wasm32", not(test)), no_std)]
extern crate alloc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/auth_error.js")]
extern "C" {
    type AuthError;
    #[wasm_bindgen(constructor)]
    fn new(kind: &str, message: &str) -> AuthError;
}

#[wasm_bindgen]
pub struct Nango {}

#[wasm_bindgen]
impl Nango {
    #[wasm_bindgen(constructor)]
    pub fn new(_options: JsValue) -> Result<Nango, JsValue> {
        Err(AuthError::new("missing_public_key", "stub").into())
    }
}

#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(all(target_arch = "wasm32", not(test)))]
#[global_allocator]
#[allow(unsafe_code)]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
