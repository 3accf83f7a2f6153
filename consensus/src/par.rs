//! Data parallelism that cannot change results: work is cut into blocks by size alone (never
//! by thread count), each block is computed independently, and the outputs come back in block
//! order, so a run gives the same bits on one thread or many.

use std::ops::Range;

use rayon::prelude::*;

/// Cuts `0..n` into consecutive blocks of `block` items (the last may be shorter), maps each
/// with `f` on the rayon pool, and returns the outputs in block order.
pub(crate) fn map_blocks<T: Send>(
    n: usize,
    block: usize,
    f: impl Fn(Range<usize>) -> T + Sync + Send,
) -> Vec<T> {
    let block = block.max(1);
    (0..n.div_ceil(block))
        .into_par_iter()
        .map(|b| f(b * block..n.min((b + 1) * block)))
        .collect()
}
