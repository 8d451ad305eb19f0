//! The popup channels: COOP fallback, closed popup, second call, forged messages.
