//! What a training run needs in memory, estimated before anything is
//! allocated, so that a mistyped size (`--hidden 2000000`) is refused with
//! a reason instead of ending in an allocation failure.

use crate::error::{Error, Result};
use crate::nn::ModelKind;

/// The shape of a model to train: enough to count its tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelShape {
    /// RNN, GRU or LSTM (1, 3 or 4 gates).
    pub kind: ModelKind,
    /// Vocabulary size `V`.
    pub vocab_size: usize,
    /// Hidden units `H` of every layer and direction.
    pub num_hiddens: usize,
    /// Stacked layers (1 from scratch).
    pub num_layers: usize,
    /// 1, or 2 for a bidirectional concise model.
    pub directions: usize,
}

/// Bytes of `f32` a run needs, roughly (within a factor of two): the model
/// and one mini-batch.
///
/// ```
/// use d2l_rnn::nn::ModelKind;
/// use d2l_rnn::train::{Footprint, ModelShape};
/// let tiny = ModelShape { kind: ModelKind::Rnn, vocab_size: 2, num_hiddens: 1, num_layers: 1, directions: 1 };
/// // P = 1·2 + 2 (output) + 1·1·(2 + 1 + 2) = 9; one sequence of one step: 2·2 + 5·2·1 = 14 values.
/// assert_eq!(tiny.footprint(1, 1), Footprint { model_bytes: 20.0 * 9.0, batch_bytes: 4.0 * 14.0 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footprint {
    /// Parameters, their gradients, the optimiser's moments and the fast
    /// engine's weight copies: five copies of the `P` parameters, `20 P` bytes.
    pub model_bytes: f64,
    /// What one mini-batch of `n` sequences and `T` steps keeps: logits and
    /// their gradient (`2 T n V`), and per layer and direction the gates and
    /// states with their gradients (`(3 g + 2) (T + 1) n H`), four bytes each.
    pub batch_bytes: f64,
}

impl ModelShape {
    /// Number of parameters `P`. From scratch (one layer, one direction):
    /// `g (V H + H H + H) + H V + V`; concise layers have two biases and the
    /// input of a layer above the first is `directions · H` wide.
    ///
    /// ```
    /// use d2l_rnn::nn::ModelKind;
    /// use d2l_rnn::train::ModelShape;
    /// let rnn = ModelShape { kind: ModelKind::Rnn, vocab_size: 7, num_hiddens: 5, num_layers: 1, directions: 1 };
    /// assert_eq!(rnn.num_params(), (7 * 5 + 5 * 5 + 5 + 5 * 7 + 7 + 5) as f64); // + the second bias
    /// ```
    pub fn num_params(&self) -> f64 {
        let (v, h) = (self.vocab_size as f64, self.num_hiddens as f64);
        let (g, d) = (self.kind.gates() as f64, self.directions as f64);
        let mut total = d * h * v + v; // the dense output layer
        for layer in 0..self.num_layers {
            let input = if layer == 0 { v } else { d * h };
            total += d * g * h * (input + h + 2.0);
        }
        total
    }

    /// The memory a run of `batch_size` sequences and `num_steps` steps needs.
    ///
    /// ```
    /// use d2l_rnn::nn::ModelKind;
    /// use d2l_rnn::train::ModelShape;
    /// let section = ModelShape { kind: ModelKind::Rnn, vocab_size: 1027, num_hiddens: 256, num_layers: 1, directions: 1 };
    /// let f = section.footprint(32, 35);
    /// assert_eq!(f.model_bytes, 20.0 * 592_899.0); // the 592,643 from scratch + a second bias
    /// assert_eq!(f.batch_bytes, 4.0 * (2.0 * 35.0 * 32.0 * 1027.0 + 5.0 * 36.0 * 32.0 * 256.0));
    /// ```
    pub fn footprint(&self, batch_size: usize, num_steps: usize) -> Footprint {
        let (n, t) = (batch_size as f64, num_steps as f64);
        let (v, h, g) = (
            self.vocab_size as f64,
            self.num_hiddens as f64,
            self.kind.gates() as f64,
        );
        let walks = (self.num_layers * self.directions) as f64;
        Footprint {
            model_bytes: 20.0 * self.num_params(),
            batch_bytes: 4.0 * (2.0 * t * n * v + walks * (3.0 * g + 2.0) * (t + 1.0) * n * h),
        }
    }

    /// Refuses a run that cannot fit in `available` bytes, naming the size
    /// that takes the most (`num_hiddens`, or `batch_size` for the mini-batch),
    /// the memory it would take and the memory available.
    ///
    /// ```
    /// use d2l_rnn::nn::ModelKind;
    /// use d2l_rnn::train::ModelShape;
    /// let huge = ModelShape { kind: ModelKind::Rnn, vocab_size: 1027, num_hiddens: 2_000_000, num_layers: 1, directions: 1 };
    /// let e = huge.check_fits(32, 35, 8e9).unwrap_err().to_string();
    /// assert!(e.starts_with("invalid num_hiddens = 2000000"), "{e}");
    /// assert!(e.contains("80.1 TB") && e.contains("8.0 GB available"), "{e}");
    /// let section = ModelShape { num_hiddens: 256, ..huge };
    /// assert!(section.check_fits(32, 35, 8e9).is_ok());
    /// ```
    pub fn check_fits(&self, batch_size: usize, num_steps: usize, available: f64) -> Result<()> {
        let f = self.footprint(batch_size, num_steps);
        let need = f.model_bytes + f.batch_bytes;
        if need <= available {
            return Ok(());
        }
        let (name, value, what) = if f.model_bytes >= f.batch_bytes {
            ("num_hiddens", self.num_hiddens, "the model")
        } else {
            ("batch_size", batch_size, "one mini-batch")
        };
        Err(Error::InvalidArgument {
            name,
            value: value.to_string(),
            hint: format!(
                "training would need about {} ({what} takes the most) and {} available; \
                 choose smaller sizes (--hidden, --batch-size, --num-steps; the section uses 256, 32, 35)",
                human_bytes(need),
                human_bytes(available)
            ),
        })
    }
}

/// Bytes as a person reads them: `"8.0 GB"`, `"80.2 TB"` (powers of 1000).
fn human_bytes(bytes: f64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", units[unit])
}

/// Memory this process may still take, in bytes: the smaller of the
/// system's available memory and what is left under a cgroup limit (Linux,
/// read from `/proc/meminfo` and `/sys/fs/cgroup`); `None` where neither
/// can be read.
///
/// ```
/// if let Some(bytes) = d2l_rnn::train::available_memory() {
///     assert!(bytes > 0.0);
/// }
/// ```
pub fn available_memory() -> Option<f64> {
    let read = |path: &str| std::fs::read_to_string(path).ok();
    let meminfo = read("/proc/meminfo").and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024.0)
    });
    let number = |path: &str| read(path).and_then(|t| t.trim().parse::<f64>().ok());
    let cgroup = number("/sys/fs/cgroup/memory.max")
        .map(|max| max - number("/sys/fs/cgroup/memory.current").unwrap_or(0.0));
    match (meminfo, cgroup) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
