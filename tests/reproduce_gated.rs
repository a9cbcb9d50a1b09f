//! Reproduces the from-scratch GRU and LSTM sections (d2l zh, PyTorch
//! edition, 6.7.3 and 6.8.3) through the one training loop: the first 10,000
//! characters of the lyrics, consecutive sampling, 256 hidden units,
//! 160 epochs, `num_steps` 35, batch 32, lr 100, clipping 0.01, a prediction
//! every 40 epochs.
//!
//! The book printed, for these from-scratch models, perplexity
//! 149.5 / 31.7 / 4.87 / **1.442** (GRU) and 211.4 / 67.0 / 15.6 / **4.274**
//! (LSTM) at epochs 40 / 80 / 120 / 160. (Its values near 1.02 are the
//! *concise* `nn.GRU`/`nn.LSTM` runs, trained with Adam.) Ours, seed 0:
//! GRU 150.9 / 32.5 / 6.00 / **1.79**, LSTM 205.2 / 63.6 / 15.2 / **4.02**;
//! seeds 1 and 2 (measured with the earlier `ndarray` matrix product, which
//! gave 1.78 and 4.07 for seed 0) reach 1.88 and 1.78 (GRU), 4.47 and 3.98 (LSTM).
//! The LSTM matches the book; the GRU lags it by a few epochs at the end,
//! where perplexity still falls by about 3 % per epoch. (The PyTorch port's
//! code computes the GRU candidate as `R * (H W_hh)`, not the
//! `(R ⊙ H) W_hh` of its equation, which we follow.)
//!
//! The bounds are the worst of those three seeds plus about 15 %: at the
//! curves' slope that is five or six epochs of slack, and far below the
//! epoch-120 values, so a model that learns clearly slower fails. Run with
//! `cargo test --release --test reproduce_gated -- --nocapture` to see the
//! measured values and epoch times.

mod common;

use common::known_bigram_share;
use d2l_rnn::data::{load_data_jay_lyrics, Corpus, Sampling};
use d2l_rnn::fast::{GruFast, LstmFast};
use d2l_rnn::model::RecurrentModelExt;
use d2l_rnn::optim::Sgd;
use d2l_rnn::scratch::{get_gru_params, get_lstm_params};
use d2l_rnn::train::{print_event, train, History, TrainConfig};
use std::sync::Mutex;

/// The two runs take turns, so that each one's seconds per epoch are its own.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The sections' settings (`num_epochs, num_steps, batch_size, lr,
/// clipping_theta = 160, 35, 32, 1e2, 1e-2`; `pred_period, pred_len, prefixes
/// = 40, 50, ['分开', '不分开']`; `is_random_iter = False`).
fn book_config() -> TrainConfig {
    TrainConfig {
        num_epochs: 160,
        num_steps: 35,
        batch_size: 32,
        lr: 1e2,
        clipping_theta: 1e-2,
        num_hiddens: 256,
        pred_period: 40,
        pred_len: 50,
        prefixes: vec!["分开".into(), "不分开".into()],
        sampling: Sampling::Consecutive,
        seed: 0,
        ..Default::default()
    }
}

fn reproduce<M: RecurrentModelExt<Elem = f32>>(
    name: &str,
    mut model: M,
    corpus: &Corpus,
    bound: f64,
) -> History {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let cfg = book_config();
    eprintln!("== {name} from scratch ==");
    let history = train(
        &mut model,
        &mut Sgd { lr: cfg.lr },
        corpus,
        &cfg,
        &mut print_event,
    )
    .expect("training runs");
    let last = history.final_perplexity().expect("160 epochs");
    eprintln!(
        "{name}: perplexity at epoch 160 = {last:.6}, {:.3} s per epoch",
        history.mean_epoch_seconds()
    );
    assert_eq!(history.epochs.len(), 160);
    assert!(last <= bound, "{name}: perplexity {last} above {bound}");
    let finals: Vec<_> = history.samples.iter().filter(|s| s.epoch == 160).collect();
    assert_eq!(finals.len(), 2);
    for sample in finals {
        let share = known_bigram_share(corpus, &sample.text);
        eprintln!("{share:.2} of bigrams known: {}", sample.text);
        // Random characters score about 0.002; the book's epoch-160 samples 0.59 to 0.96.
        assert!(
            share >= 0.5,
            "{name}: generated text does not read like the lyrics: {}",
            sample.text
        );
    }
    history
}

#[test]
fn gru_from_scratch_reaches_the_sections_perplexity() {
    let corpus = load_data_jay_lyrics().expect("the lyrics corpus (see README: data/)");
    let model = GruFast::new(get_gru_params(corpus.vocab_size(), 256, 0));
    reproduce("GRU", model, &corpus, GRU_BOUND);
}

#[test]
fn lstm_from_scratch_reaches_the_sections_perplexity() {
    let corpus = load_data_jay_lyrics().expect("the lyrics corpus (see README: data/)");
    let model = LstmFast::new(get_lstm_params(corpus.vocab_size(), 256, 0));
    reproduce("LSTM", model, &corpus, LSTM_BOUND);
}

/// Measured 1.79 / 1.88 / 1.78 (seeds 0 / 1 / 2); the book printed 1.44.
const GRU_BOUND: f64 = 2.2;
/// Measured 4.02 / 4.47 / 3.98 (seeds 0 / 1 / 2); the book printed 4.27.
const LSTM_BOUND: f64 = 5.0;
