//! `cargo bench --features bench-internals --bench inspect`: seconds to compute each view of `d2l_rnn::inspect` for the
//! section's models (256 hidden units, freshly initialised, seed 0) on the lyrics' first 36
//! characters (35 steps); medians of 5 runs. One line per view and model:
//! `gradient last  rnn scratch: 0.0421 s`.

mod common;
use common::median;
use d2l_rnn::checkpoint::AnyModel;
use d2l_rnn::data::Corpus;
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::inspect::LossAt;
use d2l_rnn::nn::{Cell, GruCell, LstmCell, RNNModel, Recurrent, RnnCell, RnnConfig};
use std::time::Instant;

fn concise<C: Cell<f32>>(v: usize) -> RNNModel<C> {
    let layer = Recurrent::<C, f32>::new(RnnConfig::new(v, 256), 0).expect("a valid layer");
    RNNModel::new(layer, v, 1).expect("a valid model")
}

/// Median seconds of 5 runs of `f` (after one to warm up).
fn time(mut f: impl FnMut()) -> f64 {
    f();
    median(
        (0..5)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    let corpus: Corpus = common::lyrics_or_exit();
    let v = corpus.vocab_size();
    let text = corpus.vocab.decode(&corpus.corpus_indices[..36]);
    let models = [
        (
            "rnn scratch",
            AnyModel::RnnScratch(RnnFast::init(v, 256, 0)),
        ),
        (
            "gru scratch",
            AnyModel::GruScratch(GruFast::init(v, 256, 0)),
        ),
        (
            "lstm scratch",
            AnyModel::LstmScratch(LstmFast::init(v, 256, 0)),
        ),
        ("rnn concise", AnyModel::Rnn(concise::<RnnCell>(v))),
        ("gru concise", AnyModel::Gru(concise::<GruCell>(v))),
        ("lstm concise", AnyModel::Lstm(concise::<LstmCell>(v))),
    ];
    for (name, mut model) in models {
        for (label, loss_at) in [("last", LossAt::Last), ("mean", LossAt::Mean)] {
            let seconds = time(|| {
                model
                    .gradient_through_time(&corpus.vocab, &text, loss_at)
                    .expect("the lyrics are in the vocabulary");
            });
            println!("gradient {label:<5} {name}: {seconds:.4} s");
        }
        let seconds = time(|| {
            model.read_units(&corpus.vocab, &text).expect("readable");
        });
        println!("units          {name}: {seconds:.4} s");
        let seconds = time(|| {
            model
                .temperatures(&corpus.vocab, "分开", 50, &[0.0, 0.5, 1.0, 1.5], 0)
                .expect("writable");
        });
        println!("temperature    {name}: {seconds:.4} s");
    }
}
