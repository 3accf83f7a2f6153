//! A tiny deterministic generator for unit tests that compare a fast algorithm with a reference
//! on many pseudo-random inputs (the seeded simulator is for whole campaigns).

/// Uniform draws in `[0, 1)` from a xorshift64 generator started at `seed` (not zero).
pub(crate) fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut x = seed;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}
