//! The loop, prediction and checkpoints: determinism and bad input.

mod common;

use d2l_rnn::checkpoint::{load_rnn_scratch, save_checkpoint};
use d2l_rnn::data::{Corpus, Sampling, Vocab};
use d2l_rnn::fast::RnnFast;
use d2l_rnn::optim::Sgd;
use d2l_rnn::predict::predict_rnn;
use d2l_rnn::scratch::get_params;
use d2l_rnn::train::{train, TrainConfig};
use d2l_rnn::Error;
use std::path::PathBuf;

fn small_corpus() -> Corpus {
    Corpus::from_text(&"我想要的爱写在西元前 深埋在美索不达米亚平原 ".repeat(30))
}

fn small_config(sampling: Sampling) -> TrainConfig {
    TrainConfig {
        num_epochs: 6,
        num_steps: 7,
        batch_size: 4,
        num_hiddens: 16,
        lr: 1.0,
        clipping_theta: 1.0,
        pred_period: 3,
        pred_len: 5,
        prefixes: vec!["我想".into()],
        sampling,
        seed: 11,
        ..Default::default()
    }
}

fn run(cfg: &TrainConfig) -> d2l_rnn::Result<(RnnFast, d2l_rnn::train::History)> {
    let corpus = small_corpus();
    let mut model = RnnFast::new(get_params(corpus.vocab_size(), cfg.num_hiddens, cfg.seed));
    let history = train(
        &mut model,
        &mut Sgd { lr: cfg.lr },
        &corpus,
        cfg,
        &mut |_| {},
    )?;
    Ok((model, history))
}

fn temp_path(name: &str) -> PathBuf {
    common::temp_path(name)
}

#[test]
fn same_seed_gives_the_same_history_bit_for_bit() {
    for sampling in [Sampling::Random, Sampling::Consecutive] {
        let cfg = small_config(sampling);
        let (model_a, a) = run(&cfg).unwrap();
        let (model_b, b) = run(&cfg).unwrap();
        let bits = |h: &d2l_rnn::train::History| {
            h.epochs
                .iter()
                .map(|r| r.perplexity.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b), "{sampling}");
        assert_eq!(a.samples, b.samples);
        assert_eq!(model_a.params, model_b.params);
        let (_, c) = run(&TrainConfig { seed: 12, ..cfg }).unwrap();
        assert_ne!(bits(&a), bits(&c), "another seed should give other numbers");
    }
}

#[test]
fn training_lowers_perplexity_and_records_every_epoch() {
    let (_, h) = run(&TrainConfig {
        num_epochs: 40,
        ..small_config(Sampling::Consecutive)
    })
    .unwrap();
    assert_eq!(h.epochs.len(), 40);
    assert_eq!(
        h.epochs.iter().map(|r| r.epoch).collect::<Vec<_>>(),
        (1..=40).collect::<Vec<_>>()
    );
    assert!(
        h.epochs[39].perplexity < h.epochs[0].perplexity / 2.0,
        "{:?}",
        h.epochs[39]
    );
    assert_eq!(h.samples.len(), 13); // epochs 3, 6, ..., 39, one prefix
    let json: serde_json::Value = serde_json::from_str(&h.to_json()).unwrap();
    assert_eq!(json["epochs"][0]["epoch"], 1);
    assert!(json["epochs"][39]["perplexity"].as_f64().is_some());
    assert!(json["epochs"][39]["seconds"].as_f64().is_some());
}

#[test]
fn a_loss_that_blows_up_stops_with_the_epoch_and_advice() {
    let cfg = TrainConfig {
        lr: 1e38,
        clipping_theta: 1e38,
        ..small_config(Sampling::Random)
    };
    match run(&cfg) {
        Err(Error::Diverged { epoch, .. }) => {
            let msg = run(&cfg).unwrap_err().to_string();
            assert!(
                epoch >= 1 && msg.contains(&format!("epoch {epoch}")) && msg.contains("--lr"),
                "{msg}"
            );
        }
        other => panic!(
            "expected Diverged, got {:?}",
            other.map(|(_, h)| h.final_perplexity())
        ),
    }
}

#[test]
fn every_kind_of_divergence_is_caught_with_what_went_wrong() {
    // A run a user reported: every loss stays finite, but the epoch's perplexity
    // overflows (and the weights reach 1e29).
    let cfg = TrainConfig {
        lr: 1e30,
        clipping_theta: 1e30,
        num_epochs: 3,
        ..small_config(Sampling::Random)
    };
    let err = run(&cfg).unwrap_err();
    let Error::Diverged { what, value, .. } = &err else {
        panic!("expected Diverged, got {err}");
    };
    assert!(!value.is_finite(), "{err}");
    assert!(
        ["the loss", "the gradient norm", "the epoch's perplexity"].contains(&what.as_str())
            || what.starts_with("a weight"),
        "{err}"
    );
    // A weight that is already NaN is named by its tensor.
    let corpus = small_corpus();
    let mut model = RnnFast::init(corpus.vocab_size(), 8, 0);
    model.params.w_hq[[0, 0]] = f32::NAN;
    let cfg = TrainConfig {
        num_hiddens: 8,
        ..small_config(Sampling::Consecutive)
    };
    let err = d2l_rnn::train::train(&mut model, &mut Sgd { lr: 1.0 }, &corpus, &cfg, &mut |_| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("diverged in epoch 1") && err.contains("became NaN"),
        "{err}"
    );
}

#[test]
fn bad_settings_are_named() {
    for (cfg, name) in [
        (
            TrainConfig {
                batch_size: 0,
                ..small_config(Sampling::Random)
            },
            "batch_size",
        ),
        (
            TrainConfig {
                num_steps: 0,
                ..small_config(Sampling::Random)
            },
            "num_steps",
        ),
        (
            TrainConfig {
                lr: f64::NAN,
                ..small_config(Sampling::Random)
            },
            "lr",
        ),
    ] {
        let err = run(&cfg).unwrap_err().to_string();
        assert!(err.contains(name), "{err}");
    }
    let corpus = small_corpus();
    let err = d2l_rnn::train::train_and_predict_rnn(
        RnnFast::init,
        &corpus,
        &TrainConfig {
            num_hiddens: 0,
            ..small_config(Sampling::Random)
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("num_hiddens"), "{err}");
}

#[test]
fn a_corpus_too_short_for_one_batch_is_an_error_not_a_panic() {
    let corpus = Corpus::from_text("短短的");
    let cfg = TrainConfig {
        prefixes: vec!["短".into()],
        ..small_config(Sampling::Consecutive)
    };
    let mut model = RnnFast::new(get_params(corpus.vocab_size(), 4, 0));
    let err = train(&mut model, &mut Sgd { lr: 1.0 }, &corpus, &cfg, &mut |_| {}).unwrap_err();
    assert!(matches!(err, Error::CorpusTooShort { len: 3, .. }), "{err}");
}

#[test]
fn prefixes_are_checked_before_training() {
    let cfg = TrainConfig {
        prefixes: vec!["我想Z".into()],
        ..small_config(Sampling::Random)
    };
    let err = run(&cfg).unwrap_err();
    assert!(matches!(err, Error::UnknownChar { ch: 'Z', .. }), "{err}");
    assert!(err.to_string().contains("'Z'"));
    let cfg = TrainConfig {
        prefixes: vec![String::new()],
        ..small_config(Sampling::Random)
    };
    assert!(matches!(run(&cfg).unwrap_err(), Error::EmptyPrefix));
}

#[test]
fn predict_rejects_unknown_and_empty_prefixes() {
    let vocab = Vocab::from_text("分开");
    let mut model = RnnFast::new(get_params(vocab.len(), 4, 0));
    let err = predict_rnn("分手", 5, &mut model, &vocab).unwrap_err();
    assert!(err.to_string().contains("'手'"), "{err}");
    assert!(matches!(
        predict_rnn("", 5, &mut model, &vocab),
        Err(Error::EmptyPrefix)
    ));
    assert_eq!(predict_rnn("分", 0, &mut model, &vocab).unwrap(), "分");
}

#[test]
fn checkpoints_round_trip_and_generate_the_same_text() {
    let (mut model, _) = run(&small_config(Sampling::Random)).unwrap();
    let vocab = small_corpus().vocab;
    let path = temp_path("roundtrip.safetensors");
    save_checkpoint(&path, &model.params, &vocab, "rnn", "scratch", 16).unwrap();
    let (mut loaded, loaded_vocab) = load_rnn_scratch(&path).unwrap();
    assert_eq!(loaded.params, model.params);
    assert_eq!(loaded_vocab, vocab);
    assert_eq!(
        predict_rnn("我想", 20, &mut loaded, &vocab).unwrap(),
        predict_rnn("我想", 20, &mut model, &vocab).unwrap()
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn checkpoint_of_the_wrong_shape_is_reported_by_tensor_name() {
    let vocab = small_corpus().vocab;
    let path = temp_path("wrongshape.safetensors");
    // Parameters with 8 hidden units, metadata claiming 16.
    save_checkpoint(
        &path,
        &get_params(vocab.len(), 8, 0),
        &vocab,
        "rnn",
        "scratch",
        16,
    )
    .unwrap();
    let err = load_rnn_scratch(&path).unwrap_err().to_string();
    assert!(
        err.contains("W_hh has shape [8, 8], expected [16, 16]"),
        "{err}"
    );
    assert!(err.contains("W_xh") && err.contains("b_h"), "{err}");
    std::fs::remove_file(&path).ok();
}

#[test]
fn truncated_or_foreign_checkpoints_are_errors() {
    let vocab = small_corpus().vocab;
    let path = temp_path("truncated.safetensors");
    save_checkpoint(
        &path,
        &get_params(vocab.len(), 8, 0),
        &vocab,
        "rnn",
        "scratch",
        8,
    )
    .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_rnn_scratch(&path).unwrap_err();
    assert!(matches!(err, Error::Checkpoint { .. }), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");

    std::fs::write(&path, b"not a checkpoint").unwrap();
    assert!(matches!(
        load_rnn_scratch(&path),
        Err(Error::Checkpoint { .. })
    ));

    save_checkpoint(
        &path,
        &get_params(vocab.len(), 8, 0),
        &vocab,
        "gru",
        "concise",
        8,
    )
    .unwrap();
    let err = load_rnn_scratch(&path).unwrap_err().to_string();
    assert!(err.contains("gru concise"), "{err}");
    std::fs::remove_file(&path).ok();

    let missing = temp_path("missing.safetensors");
    let err = load_rnn_scratch(&missing).unwrap_err().to_string();
    assert!(err.contains("missing.safetensors"), "{err}");
}

/// One mini-batch per epoch (12 characters, 2 rows of 6, 5 steps): the epoch's record is
/// that batch's gradient norm, computed here by hand from the same model, and the batch
/// counts as clipped exactly when the norm is above the threshold.
#[test]
fn the_clipping_record_is_the_batch_norm_and_counts_clipped_batches() {
    use d2l_rnn::loss::softmax_cross_entropy;
    use d2l_rnn::model::RecurrentModel;
    use d2l_rnn::optim::grad_clipping;
    use ndarray::{Array2, ArrayView2};
    let corpus = Corpus::from_text("abcdefabcdfe");
    let model = RnnFast::init(corpus.vocab_size(), 8, 3);
    let rows = |start: usize| -> Array2<usize> {
        let i = &corpus.corpus_indices;
        Array2::from_shape_fn((2, 5), |(r, t)| i[r * 6 + start + t])
    };
    let (x, y) = (rows(0), rows(1));
    let mut by_hand = model.clone();
    let mut state = by_hand.begin_state(2);
    let logits = by_hand.forward(x.view(), &mut state).to_owned();
    let mut d = Array2::zeros(logits.dim());
    softmax_cross_entropy(logits.view(), y.view(), d.view_mut());
    by_hand.backward(ArrayView2::from(&d));
    let norm = grad_clipping(by_hand.params_and_grads().1, f64::INFINITY);
    assert!(norm > 0.0);
    for (theta, share) in [(norm * 1.001, 0.0), (norm * 0.999, 1.0)] {
        let cfg = TrainConfig {
            num_epochs: 1,
            num_steps: 5,
            batch_size: 2,
            num_hiddens: 8,
            clipping_theta: theta,
            prefixes: vec!["a".into()],
            sampling: Sampling::Consecutive,
            ..TrainConfig::default()
        };
        let mut m = model.clone();
        let h = train(&mut m, &mut Sgd { lr: 1.0 }, &corpus, &cfg, &mut |_| {}).unwrap();
        let c = h.epochs[0].clipping.expect("the epoch's clipping record");
        assert!(
            (c.grad_norm_max - norm).abs() <= 1e-12 * norm,
            "{c:?} vs {norm}"
        );
        assert_eq!(
            (c.grad_norm_min, c.grad_norm_median),
            (c.grad_norm_max, c.grad_norm_max)
        );
        assert_eq!(c.clipped_share, share, "theta {theta}");
    }
}
