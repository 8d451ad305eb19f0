//! The demo page clicked through as a person would.
