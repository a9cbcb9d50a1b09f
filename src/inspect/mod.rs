//! Views inside a trained network, computed by the crate's own models: the gradient that
//! reaches each earlier hidden state, what clipping met during training. Each returns owned
//! values that serialise to JSON and draw themselves as SVG ([`crate::plot::Figure`] shows
//! in an evcxr cell).
//!
//! | the section says | seen with |
//! |------------------|-----------|
//! | gradients vanish or explode through time | [`gradient_through_time`], [`plot_gradients`] |
//! | clipping tames exploding gradients | [`clipping_svg`], [`plot_clipping`] |

mod clipping;
mod gradient;

pub use clipping::{clipping_svg, plot_clipping};
pub use gradient::{
    gradient_svg, gradient_through_time, plot_gradients, GradientThroughTime, LossAt,
};
