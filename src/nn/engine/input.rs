//! Loading a layer's input (dense or one-hot indices) and checking shapes.

use super::{invalid, Engine};
use crate::nn::cell::Cell;
use crate::nn::shape_str;
use crate::nn::state::LayerState;

use crate::error::Result;
use crate::fast::FastReal;
use ndarray::{s, Array2, Array3, ArrayView2, ArrayView3, Axis};

impl<C: Cell<A>, A: FastReal> Engine<C, A> {
    fn check_steps_batch(&self, steps: usize, batch: usize, shape: &[usize]) -> Result<()> {
        if steps == 0 || batch == 0 {
            let layout = if self.cfg.batch_first {
                "(batch, num_steps, ...)"
            } else {
                "(num_steps, batch, ...)"
            };
            return Err(invalid(
                "input",
                format!("shape {}", shape_str(shape)),
                format!("expected {layout} with num_steps and batch at least 1"),
            ));
        }
        Ok(())
    }

    /// Takes a dense input `(T, n, input_size)` (or `(n, T, input_size)`
    /// when batch-first), checks it and copies it time-major.
    pub(crate) fn load_dense(&mut self, input: ArrayView3<'_, A>) -> Result<()> {
        self.ready = false;
        let tm = if self.cfg.batch_first {
            input.permuted_axes([1, 0, 2])
        } else {
            input
        };
        let (steps, batch, width) = tm.dim();
        self.check_steps_batch(steps, batch, input.shape())?;
        if width != self.cfg.input_size {
            let expected = if self.cfg.batch_first {
                [batch, steps, self.cfg.input_size]
            } else {
                [steps, batch, self.cfg.input_size]
            };
            return Err(invalid(
                "input",
                format!("shape {}", shape_str(input.shape())),
                format!(
                    "expected {} (the last axis must be input_size = {}), got width {width}",
                    shape_str(&expected),
                    self.cfg.input_size
                ),
            ));
        }
        self.ensure(steps, batch);
        if self.x0.dim() != (steps * batch, width) {
            self.x0 = Array2::zeros((steps * batch, width));
        }
        for t in 0..steps {
            self.x0
                .slice_mut(s![t * batch..(t + 1) * batch, ..])
                .assign(&tm.index_axis(Axis(0), t));
        }
        self.one_hot = false;
        Ok(())
    }

    /// Takes one-hot input as indices `(T, n)` (time-major; a transposed view is fine).
    pub(crate) fn load_indices(&mut self, indices: ArrayView2<'_, usize>) -> Result<()> {
        self.ready = false;
        let (steps, batch) = indices.dim();
        self.check_steps_batch(steps, batch, indices.shape())?;
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.cfg.input_size) {
            return Err(invalid(
                "input",
                format!("index {bad}"),
                format!(
                    "one-hot indices must be below input_size = {}",
                    self.cfg.input_size
                ),
            ));
        }
        self.ensure(steps, batch);
        self.idx0.clear();
        self.idx0.extend(indices.iter().copied()); // row-major over (T, n): time-major
        self.one_hot = true;
        Ok(())
    }

    /// Checks every part of a state against `(layers * directions, n, hidden)`;
    /// `gradient` selects the names `d_h_n`, `d_c_n` instead of `h_0`, `c_0`.
    pub(crate) fn check_state(&self, state: &C::State, gradient: bool) -> Result<()> {
        let expected = self.cfg.state_shape(self.batch);
        for (p, name) in <C::State as LayerState<A>>::NAMES.iter().enumerate() {
            let got = state.part(p);
            if got.dim() != expected {
                let what = if gradient {
                    format!("d_{name}_n")
                } else {
                    format!("{name}_0")
                };
                return Err(invalid(
                    if gradient { "state gradient" } else { "state" },
                    format!("{what} of shape {}", shape_str(got.shape())),
                    format!(
                        "expected (num_layers * num_directions, batch, hidden_size) = {}",
                        shape_str(&[expected.0, expected.1, expected.2])
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `(T n, D H)` time-major rows as `(T, n, D H)`, or `(n, T, D H)` when batch-first.
    pub(crate) fn to_layout(&self, rows: ArrayView2<'_, A>) -> Array3<A> {
        let (steps, n) = (self.steps, self.batch);
        let width = rows.ncols();
        let tm = rows
            .to_owned()
            .into_shape_with_order((steps, n, width))
            .expect("rows = steps * batch");
        if self.cfg.batch_first {
            tm.permuted_axes([1, 0, 2])
                .as_standard_layout()
                .into_owned()
        } else {
            tm
        }
    }
}
