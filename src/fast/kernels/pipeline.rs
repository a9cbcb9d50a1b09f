//! The pieces [`super::engine`] shares a training step between two cores with.
//!
//! A recurrent network's step has a short sequential chain (the recurrence,
//! forwards and backwards through time) and large products that are
//! independent across time steps (the output layer). The engine cuts the
//! time axis into chunks of [`chunk_steps`] steps: one thread walks the
//! chain chunk by chunk, marking each chunk [`Flags::set`] when it is done,
//! and both threads [`Queue::claim`] the independent products, each waiting
//! only for the chunk it needs. A claimed item is always finished by the
//! thread that claimed it, so a thread that runs alone (a pool of one) still
//! completes every item, and each item's numbers do not depend on which
//! thread computed them.

use crate::fast::kernels::linalg::matmul_serial;
use crate::fast::kernels::rows::sum_rows_serial;
use crate::fast::FastReal;
use ndarray::{s, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use web_time::Instant;

/// Rows per chunk the output-layer products aim for: large enough to run
/// near the product's full speed, small enough to give several chunks per
/// mini-batch at the section's sizes (5 steps of 32 rows).
pub const CHUNK_ROWS: usize = 160;

/// Time steps per chunk for a batch of `batch_size` rows:
/// \\(\max(1, \lfloor 160 / n \rfloor)\\).
pub fn chunk_steps(batch_size: usize) -> usize {
    (CHUNK_ROWS / batch_size.max(1)).max(1)
}

/// A product on the sequential chain, \\(C \leftarrow \alpha A B + \beta C\\)
/// with `A (m, k)`: on the calling thread when small (the section's
/// 32 x 256 x 256 takes about 0.1 ms, less than splitting it would cost);
/// from \\(2^{24}\\) multiply-adds (hidden size 1024) the columns of `B` and
/// `C` are cut in two halves for `rayon::join`, so that a core waiting in
/// [`Flags::wait`] takes one half. Each element is summed by one serial
/// product either way.
pub fn chain_matmul<A: FastReal>(
    alpha: A,
    a: &ArrayView2<'_, A>,
    b: &ArrayView2<'_, A>,
    beta: A,
    c: &mut ArrayViewMut2<'_, A>,
) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    if m.saturating_mul(k).saturating_mul(n) < 1 << 24 || n < 2 {
        matmul_serial(alpha, a, b, beta, c);
        return;
    }
    let half = n / 2;
    let (b1, b2) = b.view().split_at(Axis(1), half);
    let (mut c1, mut c2) = c.view_mut().split_at(Axis(1), half);
    rayon::join(
        || matmul_serial(alpha, a, &b1, beta, &mut c1),
        || matmul_serial(alpha, a, &b2, beta, &mut c2),
    );
}

/// Work items `0..len`, handed out once each, in order.
#[derive(Debug)]
pub struct Queue {
    next: AtomicUsize,
    len: usize,
}

impl Queue {
    /// A queue of `len` items.
    pub fn new(len: usize) -> Self {
        Queue {
            next: AtomicUsize::new(0),
            len,
        }
    }

    /// The next unclaimed item, or `None` when all are taken.
    pub fn claim(&self) -> Option<usize> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        (i < self.len).then_some(i)
    }
}

/// How long [`Flags::wait_idle_first`] finds no work before it runs its
/// own task: longer than the gaps between the pieces a walk shares out (a
/// few microseconds), shorter than the pieces (tens).
pub const IDLE_BEFORE_TASK: Duration = Duration::from_micros(20);

/// One "done" flag per chunk; setting a flag publishes every write made
/// before it to the thread that sees it set.
#[derive(Debug)]
pub struct Flags(Vec<AtomicBool>);

impl Flags {
    /// `len` flags, all clear.
    pub fn new(len: usize) -> Self {
        Flags((0..len).map(|_| AtomicBool::new(false)).collect())
    }

    /// Marks chunk `i` done.
    pub fn set(&self, i: usize) {
        self.0[i].store(true, Ordering::Release);
    }

    /// Whether chunk `i` is done.
    pub fn is_set(&self, i: usize) -> bool {
        self.0[i].load(Ordering::Acquire)
    }

    /// Waits until chunk `i` is done, running other work of the thread pool
    /// meanwhile (the second half of a step of the walk it waits for, say,
    /// as soon as it is offered); with none, it spins briefly (a chunk takes
    /// a fraction of a millisecond, a sleep would cost more), then yields the core.
    ///
    /// Only wait for a chunk that a running thread is sure to finish.
    pub fn wait(&self, i: usize) {
        self.wait_idle_first(i, || {});
    }

    /// [`Flags::wait`], running `idle` once the pool has offered no other
    /// work for [`IDLE_BEFORE_TASK`] (or not at all, when chunk `i` is done
    /// first): a thread with a task of its own that is not urgent puts it
    /// after the work others share out, gaps between their pieces included.
    pub fn wait_idle_first(&self, i: usize, idle: impl FnOnce()) {
        let mut idle = Some(idle);
        let (mut spins, mut idle_since) = (0u32, None);
        while !self.is_set(i) {
            if rayon::yield_now() == Some(rayon::Yield::Executed) {
                (spins, idle_since) = (0, None);
            } else if idle.is_some() {
                let since = *idle_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= IDLE_BEFORE_TASK {
                    if let Some(task) = idle.take() {
                        task();
                    }
                }
                std::hint::spin_loop();
            } else if spins < 1000 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Locks a chunk's mutex; a poisoned lock (a panic on the other thread,
/// which `rayon::join` re-raises anyway) still hands out the data.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Output features per block of [`DenseGradBlocks`].
const GRAD_BLOCK: usize = 128;

/// A dense layer's weight gradient cut into blocks of output features that
/// two threads share through a [`Queue`]: for the layer \\(Y = X W^\top + b\\)
/// with `W (out, in)`, block `B` is \\(\partial W_B = \partial Y_{:, B}^\top X\\)
/// and \\(\partial b_B = \sum_{rows} \partial Y_{:, B}\\), computed whole by
/// the thread that claims it.
///
/// `weight` may be any view, a transposed one included (the from-scratch
/// \\(W_{hq}\\) is stored `(in, out)`).
pub struct DenseGradBlocks<'a, A> {
    blocks: Vec<Mutex<(ArrayViewMut2<'a, A>, ArrayViewMut1<'a, A>)>>,
    queue: Queue,
    x: ArrayView2<'a, A>,
    dy: ArrayView2<'a, A>,
}

impl<'a, A: FastReal> DenseGradBlocks<'a, A> {
    /// Blocks of `weight` `(out, in)` and `bias` `(out,)` for the layer input
    /// `x` `(rows, in)` and output gradient `dy` `(rows, out)`.
    pub fn new(
        weight: ArrayViewMut2<'a, A>,
        bias: ArrayViewMut1<'a, A>,
        x: ArrayView2<'a, A>,
        dy: ArrayView2<'a, A>,
    ) -> Self {
        let (mut weight, mut bias) = (weight, bias);
        let mut blocks = Vec::new();
        while weight.nrows() > 0 {
            let rows = GRAD_BLOCK.min(weight.nrows());
            let (w, w_rest) = weight.split_at(Axis(0), rows);
            let split = rows.min(bias.len());
            let (b, b_rest) = bias.split_at(Axis(0), split);
            blocks.push(Mutex::new((w, b)));
            (weight, bias) = (w_rest, b_rest);
        }
        let queue = Queue::new(blocks.len());
        DenseGradBlocks {
            blocks,
            queue,
            x,
            dy,
        }
    }

    /// Computes blocks until none is left unclaimed.
    pub fn work(&self) {
        while let Some(b) = self.queue.claim() {
            let mut block = lock(&self.blocks[b]);
            let (w, bias) = &mut *block;
            let start = b * GRAD_BLOCK;
            let dy = self.dy.slice(s![.., start..start + w.nrows()]);
            matmul_serial(A::one(), &dy.t(), &self.x, A::zero(), w);
            sum_rows_serial(bias.view_mut(), dy);
        }
    }
}

#[cfg(test)]
mod examples {
    #[test]
    fn chunk_steps_example() {
        assert_eq!(crate::fast::kernels::pipeline::chunk_steps(32), 5);
        assert_eq!(crate::fast::kernels::pipeline::chunk_steps(1000), 1);
    }

    #[test]
    fn chain_matmul_example() {
        use ndarray::Array2;
        let a = Array2::from_elem((32, 1024), 0.5f32);
        let b = Array2::from_elem((1024, 1024), 0.25f32);
        let mut c = Array2::zeros((32, 1024));
        crate::fast::kernels::pipeline::chain_matmul(
            1.0,
            &a.view(),
            &b.view(),
            0.0,
            &mut c.view_mut(),
        );
        assert!(c.iter().all(|&v| v == 128.0));
    }

    #[test]
    fn queue_example() {
        let q = crate::fast::kernels::pipeline::Queue::new(2);
        assert_eq!((q.claim(), q.claim(), q.claim()), (Some(0), Some(1), None));
    }

    #[test]
    fn idle_before_task_example() {
        use crate::fast::kernels::pipeline::IDLE_BEFORE_TASK;
        assert_eq!(IDLE_BEFORE_TASK.as_micros(), 20);
    }

    #[test]
    fn flags_example() {
        let f = crate::fast::kernels::pipeline::Flags::new(3);
        f.set(1);
        assert!(f.is_set(1) && !f.is_set(0));
        f.wait(1); // returns at once
    }

    #[test]
    fn wait_idle_first_example() {
        use crate::fast::kernels::pipeline::Flags;
        // Nothing else to do: after 20 µs the task runs (here it sets the flag).
        let f = Flags::new(1);
        f.wait_idle_first(0, || f.set(0));
        // One thread, offered the setter's job: it runs that, the flag is set,
        // and it was never idle.
        let (g, mut ran) = (Flags::new(1), false);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        pool.install(|| rayon::join(|| g.wait_idle_first(0, || ran = true), || g.set(0)));
        assert!(f.is_set(0) && g.is_set(0) && !ran);
    }

    #[test]
    fn lock_example() {
        let m = std::sync::Mutex::new(3);
        assert_eq!(*crate::fast::kernels::pipeline::lock(&m), 3);
    }

    #[test]
    fn densegradblocks_example() {
        use crate::fast::kernels::pipeline::DenseGradBlocks;
        use ndarray::{array, Array1, Array2};
        let x = array![[1.0f32, 2.0], [3.0, 4.0]]; // (rows, in)
        let dy = array![[1.0f32, 0.0, 2.0], [0.0, 1.0, 1.0]]; // (rows, out)
        let (mut w, mut b) = (Array2::zeros((3, 2)), Array1::zeros(3));
        let blocks = DenseGradBlocks::new(w.view_mut(), b.view_mut(), x.view(), dy.view());
        rayon::join(|| blocks.work(), || blocks.work());
        drop(blocks);
        assert_eq!(w, dy.t().dot(&x));
        assert_eq!(b, array![1.0, 1.0, 3.0]);
    }
}
