//! Views inside a trained network, computed by the crate's own models: the gradient that
//! reaches each earlier hidden state, what clipping met during training. Each returns owned
//! values that serialise to JSON and show themselves in an evcxr cell: figures as SVG
//! ([`crate::plot::Figure`]), passages and tables as HTML ([`Html`]).
//!
//! | the section says | seen with |
//! |------------------|-----------|
//! | gradients vanish or explode through time | [`gradient_through_time`], [`plot_gradients`] |
//! | clipping tames exploding gradients | [`clipping_svg`], [`plot_clipping`] |
//! | the hidden state records what was read | [`read_units`], [`UnitReading::html`] |
//! | `predict_rnn` takes the likeliest character | [`temperatures`] at 0, 0.5, 1, … |

mod clipping;
mod gradient;
mod html;
mod temperature;
mod text;
mod units;
mod units_draw;

pub use clipping::{clipping_svg, plot_clipping};
pub use gradient::{
    gradient_svg, gradient_through_time, plot_gradients, GradientThroughTime, LossAt,
};
pub use html::Html;
pub use temperature::{temperatures, TemperatureSample, Temperatures};
pub use units::{read_units, UnitReading};
