//! `cargo bench --features bench-internals --bench epoch`: seconds per epoch of the from-scratch RNN
//! and of the concise RNN, GRU and LSTM at the section's settings, their
//! achieved GFLOP/s beside the GFLOP/s of large matrix products measured in
//! the same run, and the time to write 50 characters.
//!
//! A plain `main` (no harness): each figure is the median of several runs.
//! `cargo bench --features bench-internals --bench epoch -- --scaling` adds a table for hidden sizes
//! 256, 512 and 1024 and for the full corpus; `-- --generation` times only the writing.

mod common;
use common::{matmul_gflops, median};
use d2l_rnn::data::{find_or_fetch_lyrics, load_corpus, Corpus, Sampling};
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::model::RecurrentModelExt;
use d2l_rnn::nn::{
    concise_config, Cell, GruCell, LstmCell, RNNModel, Recurrent, RnnCell, RnnConfig,
};
use d2l_rnn::optim::{Adam, Optimizer, Sgd};
use d2l_rnn::predict::predict_rnn;
use d2l_rnn::train::{train, TrainConfig};
use std::time::Instant;

/// Floating point operations of one from-scratch epoch: [`gated_epoch_flops`]
/// with one gate.
fn epoch_flops(corpus: &Corpus, cfg: &TrainConfig) -> f64 {
    gated_epoch_flops(corpus, cfg, 1)
}

/// Floating point operations of one epoch of a recurrent layer with `gates`
/// gates (RNN 1, GRU 3, LSTM 4) and an output layer: [`common::batch_flops`]
/// for each mini-batch.
fn gated_epoch_flops(corpus: &Corpus, cfg: &TrainConfig, gates: usize) -> f64 {
    let batches = d2l_rnn::data::epoch_size(
        cfg.sampling,
        corpus.corpus_indices.len(),
        cfg.batch_size,
        cfg.num_steps,
    );
    let rows = cfg.batch_size * cfg.num_steps;
    let per_batch = common::batch_flops(rows, cfg.num_hiddens, gates, corpus.vocab_size());
    per_batch * batches as f64
}

/// Median seconds of the epochs after the first, for `cfg`.
fn time_epochs(corpus: &Corpus, cfg: &TrainConfig) -> f64 {
    let mut model = RnnFast::init(corpus.vocab_size(), cfg.num_hiddens, 0);
    time_model(&mut model, &mut Sgd { lr: cfg.lr }, corpus, cfg)
}

/// Median seconds of the epochs after the first of a concise model with
/// `C` cells, trained as the section's concise chapter does (Adam).
fn time_concise<C: Cell<f32>>(corpus: &Corpus, cfg: &TrainConfig) -> f64 {
    let layer = Recurrent::<C, f32>::new(RnnConfig::new(corpus.vocab_size(), cfg.num_hiddens), 0);
    match layer.and_then(|l| RNNModel::new(l, corpus.vocab_size(), 1)) {
        Ok(mut model) => time_model(&mut model, &mut Adam::new(cfg.lr), corpus, cfg),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn time_model<M: RecurrentModelExt<Elem = f32>, O: Optimizer<f32>>(
    model: &mut M,
    optimizer: &mut O,
    corpus: &Corpus,
    cfg: &TrainConfig,
) -> f64 {
    match train(model, optimizer, corpus, cfg, &mut |_| {}) {
        // The first epoch warms caches and allocates buffers.
        Ok(history) => median(history.epochs[1..].iter().map(|r| r.seconds).collect()),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn scaling_table(lyrics: &Corpus, square: f64) {
    let full = match find_or_fetch_lyrics().and_then(|p| load_corpus(&p, None)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!("\n| corpus (chars, vocab) | hidden | GFLOP / epoch | s / epoch | GFLOP/s | % of square product |");
    println!("|---|---|---|---|---|---|");
    for (corpus, hidden, epochs) in [
        (lyrics, 256, 4),
        (lyrics, 512, 4),
        (lyrics, 1024, 3),
        (&full, 256, 3),
    ] {
        let cfg = TrainConfig {
            num_epochs: epochs,
            num_hiddens: hidden,
            pred_period: 1000,
            sampling: Sampling::Consecutive,
            ..TrainConfig::default()
        };
        let seconds = time_epochs(corpus, &cfg);
        let flops = epoch_flops(corpus, &cfg);
        println!(
            "| {} ({}) | {hidden} | {:.1} | {seconds:.3} | {:.1} | {:.0}% |",
            corpus.corpus_indices.len(),
            corpus.vocab_size(),
            flops / 1e9,
            flops / seconds / 1e9,
            100.0 * flops / seconds / 1e9 / square
        );
    }
}

/// Writing text with the from-scratch RNN: 50 characters after 分开, and after a prefix of
/// 100 characters of the corpus (whose steps only advance the state).
fn generation(corpus: &Corpus) {
    let mut model = RnnFast::init(corpus.vocab_size(), 256, 0);
    let times = (0..21)
        .map(|_| {
            let start = Instant::now();
            let text = predict_rnn("分开", 50, &mut model, &corpus.vocab);
            assert!(text.is_ok());
            start.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "generate 50 characters after 分开: {:.3} ms",
        1e3 * median(times)
    );
    // A long prefix: its steps only advance the state (no output layer).
    let prefix = corpus.vocab.decode(&corpus.corpus_indices[..100]);
    let times = (0..21)
        .map(|_| {
            let start = Instant::now();
            let text = predict_rnn(&prefix, 50, &mut model, &corpus.vocab);
            assert!(text.is_ok());
            start.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "generate 50 characters after a 100-character prefix: {:.3} ms",
        1e3 * median(times)
    );
}

fn main() {
    let corpus = common::lyrics_or_exit();
    if std::env::args().any(|a| a == "--generation") {
        generation(&corpus);
        return;
    }
    let square = matmul_gflops(2048, 2048, 2048);
    let output_shape = matmul_gflops(1120, 256, 1027);
    println!("matrix product 2048x2048x2048:   {square:7.1} GFLOP/s");
    println!("matrix product 1120x256 . 256x1027: {output_shape:7.1} GFLOP/s");
    let best = square.max(output_shape);
    let report = |name: &str, seconds: f64, flops: f64| {
        let gflops = flops / seconds / 1e9;
        println!(
            "{name}: {seconds:.4} s, {:.2} GFLOP, {gflops:.1} GFLOP/s = {:.0}% of the square product, {:.0}% of the best",
            flops / 1e9,
            100.0 * gflops / square,
            100.0 * gflops / best
        );
    };

    for sampling in [Sampling::Random, Sampling::Consecutive] {
        let cfg = TrainConfig {
            num_epochs: 11,
            sampling,
            pred_period: 1000,
            ..TrainConfig::default()
        };
        let name = format!("from-scratch epoch ({sampling})");
        report(
            &name,
            time_epochs(&corpus, &cfg),
            epoch_flops(&corpus, &cfg),
        );
    }
    // The from-scratch GRU and LSTM (6.7, 6.8): consecutive sampling, SGD.
    let cfg = TrainConfig {
        num_epochs: 7,
        pred_period: 1000,
        sampling: Sampling::Consecutive,
        ..TrainConfig::default()
    };
    let (v, h) = (corpus.vocab_size(), cfg.num_hiddens);
    let sgd = || Sgd { lr: cfg.lr };
    let gru = time_model(&mut GruFast::init(v, h, 0), &mut sgd(), &corpus, &cfg);
    report(
        "from-scratch GRU epoch",
        gru,
        gated_epoch_flops(&corpus, &cfg, 3),
    );
    let lstm = time_model(&mut LstmFast::init(v, h, 0), &mut sgd(), &corpus, &cfg);
    report(
        "from-scratch LSTM epoch",
        lstm,
        gated_epoch_flops(&corpus, &cfg, 4),
    );

    let cfg = TrainConfig {
        num_epochs: 7,
        pred_period: 1000,
        ..concise_config()
    };
    let concise = [
        (
            "concise RNN epoch",
            time_concise::<RnnCell>(&corpus, &cfg),
            1,
        ),
        (
            "concise GRU epoch",
            time_concise::<GruCell>(&corpus, &cfg),
            3,
        ),
        (
            "concise LSTM epoch",
            time_concise::<LstmCell>(&corpus, &cfg),
            4,
        ),
    ];
    for (name, seconds, gates) in concise {
        report(name, seconds, gated_epoch_flops(&corpus, &cfg, gates));
    }

    generation(&corpus);
    if std::env::args().any(|a| a == "--scaling") {
        scaling_table(&corpus, square);
    }
}
