//! One time step of a walk through time on both cores: the sequences of a
//! mini-batch are independent, so the rows of a step split into two halves
//! that run side by side, each with its own products and element-wise loops.
//!
//! The walk runs on one core of the [`super::engine::Pipeline`] while the
//! other computes the output layer; when that one has nothing to do, it
//! takes the second half of the step (`rayon::join`), and otherwise the walk
//! runs both halves itself. Every row is computed as it would be whole, so
//! the numbers are the same bit for bit, split or not.

/// Multiply-adds a step must have before it is split: a `rayon::join` that
/// another core takes costs about a microsecond; below this, a step takes
/// well under 20 microseconds. (The section's GRU step, 32 rows of 3 gates
/// of 256 x 256, is split.)
pub const MIN_SPLIT_WORK: usize = 1 << 21;

/// The multiply-adds from which a model splits its steps: a field of each
/// model's engine, [`MIN_SPLIT_WORK`] by default; tests set `0` (every step
/// of two rows or more) or `usize::MAX` (none). The numbers are the same
/// either way; only the speed changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MinSplitWork(pub usize);

impl Default for MinSplitWork {
    fn default() -> Self {
        MinSplitWork(MIN_SPLIT_WORK)
    }
}

/// Rows of the first half of a step of `batch` rows that costs
/// `per_row` multiply-adds a row, or `batch` when the step is too small to
/// split (below `min`).
pub fn split_point(batch: usize, per_row: usize, min: MinSplitWork) -> usize {
    if batch >= 2 && batch.saturating_mul(per_row) >= min.0 {
        batch / 2
    } else {
        batch
    }
}

/// The buffers of a walk, for some of the batch's sequences, that can be cut
/// into the first `at` sequences and the rest.
pub(crate) trait Halves: Sized + Send {
    /// The first `at` sequences and the rest.
    fn split(self, at: usize) -> (Self, Self);
}

/// Runs `walk` over `rows` (`batch` sequences) whole when `at == batch`, or
/// else over its first `at` sequences and the rest, side by side
/// (`rayon::join`: the second half waits for a free core, or for the first).
pub(crate) fn walk_halves<R: Halves>(rows: R, batch: usize, at: usize, walk: impl Fn(R) + Sync) {
    if at >= batch {
        walk(rows);
    } else {
        let (first, second) = rows.split(at);
        rayon::join(|| walk(first), || walk(second));
    }
}

/// `s` cut after `rows` rows of `width` values; an empty slice (a buffer the
/// cell does not use) gives two empty halves.
pub(crate) fn cut<A>(s: &[A], rows: usize, width: usize) -> (&[A], &[A]) {
    if s.is_empty() {
        (s, s)
    } else {
        s.split_at(rows * width)
    }
}

/// [`cut`], writable.
pub(crate) fn cut_mut<A>(s: &mut [A], rows: usize, width: usize) -> (&mut [A], &mut [A]) {
    if s.is_empty() {
        (&mut [], &mut [])
    } else {
        s.split_at_mut(rows * width)
    }
}

#[cfg(test)]
mod tests {
    use super::{split_point, MinSplitWork, MIN_SPLIT_WORK};

    #[test]
    fn large_steps_split_in_halves_and_small_ones_stay_whole() {
        let default = MinSplitWork::default();
        const { assert!(32 * 3 * 256 * 256 >= MIN_SPLIT_WORK) }; // the section's GRU step
        assert_eq!(split_point(32, 256 * 1024, default), 16); // the section's LSTM step
        assert_eq!(split_point(1, 256 * 1024, default), 1); // writing text: one sequence
        assert_eq!(split_point(32, 8 * 8, default), 32); // a toy model
        assert_eq!(split_point(32, 256 * 1024, MinSplitWork(usize::MAX)), 32);
        assert_eq!(split_point(2, 1, MinSplitWork(0)), 1);
    }
}
