//! The dense output layer the engine overlaps with the recurrence,
//! \\(O = H W + b\\), and the row-major copy of its weight the engine's
//! products read.

use super::kernels::linalg::matmul_serial;
use super::kernels::rows::add_to_rows;
use super::kernels::transpose::transpose_into;
use crate::fast::FastReal;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

/// The dense output layer \\(O = H W + b\\): `weight` `(width, q)` (any
/// view: the concise dense layer passes its `(q, width)` weight transposed),
/// `bias` `(q,)`.
#[derive(Clone, Copy, Debug)]
pub struct Output<'a, A> {
    /// \\(W\\), `(width, q)`.
    pub weight: ArrayView2<'a, A>,
    /// \\(b\\), `(q,)`.
    pub bias: ArrayView1<'a, A>,
}

impl<'a, A: FastReal> Output<'a, A> {
    /// Writes into `copy` whichever of \\(W\\) `(width, q)` and \\(W^\top\\)
    /// `(q, width)` is not row-major, as a row-major array.
    pub(crate) fn copy_other_orientation(&self, copy: &mut Array2<A>) {
        let (width, q) = self.weight.dim();
        let (src, shape) = if self.weight.is_standard_layout() {
            (self.weight.t(), (q, width))
        } else {
            (self.weight, (width, q))
        };
        if copy.dim() != shape {
            *copy = Array2::zeros(shape);
        }
        transpose_into(src.t(), copy.view_mut());
    }

    /// This layer with \\(W\\) read row-major: itself, or, when its weight is
    /// not, `copy` (made by [`Output::copy_other_orientation`]).
    pub(crate) fn row_major<'b>(self, copy: &'b Array2<A>) -> Output<'b, A>
    where
        'a: 'b,
    {
        if self.weight.is_standard_layout() {
            Output {
                weight: self.weight.reborrow(),
                bias: self.bias.reborrow(),
            }
        } else {
            Output {
                weight: copy.view(),
                bias: self.bias,
            }
        }
    }

    /// Which weight this is, for [`Pipeline::backward`] to find the copy the
    /// forward pass made of it.
    pub(crate) fn key(&self) -> (usize, (usize, usize)) {
        (self.weight.as_ptr() as usize, self.weight.dim())
    }

    /// \\(W^\top\\) `(q, width)` read row-major: the weight's transpose, or,
    /// when that is not row-major, `copy` (the forward pass's, when it was
    /// made from this weight: `copy_of`).
    pub(crate) fn transposed_row_major<'b>(
        self,
        copy: &'b Array2<A>,
        copy_of: Option<(usize, (usize, usize))>,
    ) -> ArrayView2<'b, A>
    where
        'a: 'b,
    {
        if self.weight.is_standard_layout() && copy_of == Some(self.key()) {
            copy.view()
        } else {
            self.weight.reborrow().reversed_axes()
        }
    }

    /// \\(O = H W + b\\) for some rows: `h` `(rows, width)` into `o` `(rows, q)`,
    /// on this thread.
    pub(crate) fn logits_into(&self, h: ArrayView2<'_, A>, mut o: ArrayViewMut2<'_, A>) {
        matmul_serial(A::one(), &h, &self.weight, A::zero(), &mut o);
        add_to_rows(o, self.bias.view());
    }
}

#[cfg(test)]
mod examples {
    #[test]
    fn output_example() {
        use super::Output;
        use ndarray::{Array1, Array2};
        let dense_weight = Array2::<f32>::zeros((1027, 256)); // PyTorch's (out, in)
        let bias = Array1::<f32>::zeros(1027);
        let out = Output {
            weight: dense_weight.t(),
            bias: bias.view(),
        };
        assert_eq!(out.weight.dim(), (256, 1027)); // (width, q)
    }
}
