//! PLACEHOLDER: one async suite over `&dyn Store`, run against both backends.
