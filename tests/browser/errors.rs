//! Rejections: every failure reaches the page as an `AuthError` with the exact `type`, and
//! none leaves the promise hanging.
