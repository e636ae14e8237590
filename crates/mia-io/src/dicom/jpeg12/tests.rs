//! Decoding the 12-bit test file's stream, and corrupt or truncated variants of it.
