//! Sampling beyond greedy: temperature, top-k and seeds in `predict_with`.

use d2l_rnn::data::{Corpus, Sampling};
use d2l_rnn::fast::GruFast;
use d2l_rnn::optim::Sgd;
use d2l_rnn::predict::{argmax, predict_rnn, predict_with, sample_index, Sampler};
use d2l_rnn::scratch::get_gru_params;
use d2l_rnn::train::{train, TrainConfig};
use d2l_rnn::Error;
use ndarray::{array, Array1, Array2};
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;

const PREFIX: &str = "我想";

/// A small GRU trained for a few seconds on a repeated lyric: its greedy text
/// is the lyric, but its distribution still has mass on other characters.
fn trained() -> (GruFast, Corpus) {
    let corpus = Corpus::from_text(&"我想要的爱写在西元前 深埋在美索不达米亚平原 ".repeat(30));
    let cfg = TrainConfig {
        num_epochs: 40,
        num_steps: 7,
        batch_size: 4,
        num_hiddens: 32,
        lr: 1.0,
        clipping_theta: 1.0,
        pred_period: 40,
        pred_len: 10,
        prefixes: vec![PREFIX.into()],
        sampling: Sampling::Consecutive,
        seed: 3,
        ..Default::default()
    };
    let mut model = GruFast::new(get_gru_params(corpus.vocab_size(), 32, 3));
    let history = train(&mut model, &mut Sgd { lr: 1.0 }, &corpus, &cfg, &mut |_| {}).unwrap();
    assert!(history.final_perplexity().unwrap() < 10.0, "{history:?}");
    (model, corpus)
}

fn sampler(temperature: f64, top_k: Option<usize>, seed: u64) -> Sampler {
    Sampler {
        temperature,
        top_k,
        seed,
    }
}

#[test]
fn temperature_zero_and_top_k_one_are_greedy() {
    let (mut model, corpus) = trained();
    let v = &corpus.vocab;
    let greedy = predict_rnn(PREFIX, 40, &mut model, v).unwrap();
    assert!(greedy.starts_with("我想要的爱写在西元前"), "{greedy}");
    for s in [
        Sampler::default(),
        sampler(0.0, None, 99),
        sampler(1e-6, None, 5),
        sampler(1e-9, Some(3), 5),
        sampler(1.0, Some(1), 1),
        sampler(100.0, Some(1), 2),
    ] {
        assert_eq!(
            predict_with(PREFIX, 40, &mut model, v, &s).unwrap(),
            greedy,
            "{s:?}"
        );
    }
}

#[test]
fn same_seed_same_text_and_different_seeds_differ_when_hot() {
    let (mut model, corpus) = trained();
    let v = &corpus.vocab;
    let hot = |seed| sampler(3.0, None, seed);
    let a = predict_with(PREFIX, 60, &mut model, v, &hot(1)).unwrap();
    assert_eq!(a, predict_with(PREFIX, 60, &mut model, v, &hot(1)).unwrap());
    assert_eq!(a.chars().count(), 62);
    let others: Vec<String> = (2..6)
        .map(|seed| predict_with(PREFIX, 60, &mut model, v, &hot(seed)).unwrap())
        .collect();
    assert!(others.iter().all(|b| *b != a), "{a} vs {others:?}");
    let greedy = predict_rnn(PREFIX, 60, &mut model, v).unwrap();
    assert_ne!(a, greedy, "temperature 3 should leave the memorised lyric");
}

#[test]
fn bad_settings_are_errors_that_name_the_value() {
    let (mut model, corpus) = trained();
    let v = &corpus.vocab;
    for (s, name, value) in [
        (sampler(-1.0, None, 0), "temperature", "-1"),
        (sampler(f64::NAN, None, 0), "temperature", "NaN"),
        (sampler(f64::INFINITY, None, 0), "temperature", "inf"),
        (sampler(1.0, Some(0), 0), "top_k", "0"),
    ] {
        let err = predict_with(PREFIX, 5, &mut model, v, &s).unwrap_err();
        match &err {
            Error::InvalidArgument {
                name: n,
                value: got,
                ..
            } => {
                assert_eq!((*n, got.as_str()), (name, value), "{err}");
            }
            other => panic!("expected InvalidArgument, got {other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("{name} = {value}")) && msg.contains("use "),
            "{msg}"
        );
        let mut rng = StdRng::seed_from_u64(0);
        assert!(sample_index(array![1.0f32, 2.0].view(), &s, &mut rng).is_err());
    }
    // Prefix errors are the same as predict_rnn's.
    assert!(matches!(
        predict_with("", 5, &mut model, v, &sampler(1.0, None, 0)),
        Err(Error::EmptyPrefix)
    ));
    assert!(matches!(
        predict_with("我Z", 5, &mut model, v, &sampler(1.0, None, 0)),
        Err(Error::UnknownChar { ch: 'Z', .. })
    ));
}

fn softmax(logits: &Array1<f64>, temperature: f64) -> Vec<f64> {
    let max = logits.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    let e: Vec<f64> = logits
        .iter()
        .map(|&v| ((v - max) / temperature).exp())
        .collect();
    let total: f64 = e.iter().sum();
    e.iter().map(|v| v / total).collect()
}

/// Draws `n` indices and checks each frequency against `expected` within five
/// standard deviations of a binomial proportion (a false alarm about once in
/// three million per category).
fn frequencies_match(logits: &Array1<f64>, s: &Sampler, expected: &[f64], n: usize) {
    let mut rng = StdRng::seed_from_u64(s.seed);
    let mut counts = vec![0usize; logits.len()];
    for _ in 0..n {
        counts[sample_index(logits.view(), s, &mut rng).unwrap()] += 1;
    }
    for (i, (&c, &p)) in counts.iter().zip(expected).enumerate() {
        let freq = c as f64 / n as f64;
        let sd = (p * (1.0 - p) / n as f64).sqrt();
        assert!(
            (freq - p).abs() <= 5.0 * sd + 1e-12,
            "{s:?}, index {i}: frequency {freq:.5} vs probability {p:.5} (sd {sd:.5}); counts {counts:?}"
        );
    }
    eprintln!("{s:?}: counts {counts:?}, expected {expected:.4?}");
}

#[test]
fn at_temperature_one_frequencies_follow_the_softmax() {
    let logits = array![1.0, 2.0, 0.5, -1.0, 3.0, 2.0];
    let p = softmax(&logits, 1.0);
    frequencies_match(&logits, &sampler(1.0, None, 11), &p, 200_000);
}

#[test]
fn temperature_rescales_and_top_k_truncates_the_distribution() {
    let logits = array![1.0, 2.0, 0.5, -1.0, 3.0, 2.0];
    // T = 2 is softmax(o / 2): flatter.
    let p2 = softmax(&logits, 2.0);
    assert!(p2[4] < softmax(&logits, 1.0)[4]);
    frequencies_match(&logits, &sampler(2.0, None, 12), &p2, 200_000);
    // top_k = 3 keeps indices 4, 1 and 5 (the tie at 2.0 keeps both), renormalised.
    let kept = array![
        f64::NEG_INFINITY,
        2.0,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
        3.0,
        2.0
    ];
    let p3 = softmax(&kept, 1.0);
    frequencies_match(&logits, &sampler(1.0, Some(3), 13), &p3, 200_000);
    // top_k = 2 with a tie for second place keeps the first of the tied (index 1).
    let mut rng = StdRng::seed_from_u64(14);
    for _ in 0..1000 {
        let i = sample_index(logits.view(), &sampler(1.0, Some(2), 0), &mut rng).unwrap();
        assert!(i == 4 || i == 1, "{i}");
    }
    // top_k larger than the vocabulary keeps everything.
    frequencies_match(
        &logits,
        &sampler(1.0, Some(100), 15),
        &softmax(&logits, 1.0),
        100_000,
    );
}

#[test]
fn greedy_sampling_is_argmax_even_for_f32_ties_and_uses_no_randomness() {
    let logits = array![0.5f32, 0.9, 0.9, -2.0];
    let mut rng = StdRng::seed_from_u64(0);
    let mut untouched = StdRng::seed_from_u64(0);
    assert_eq!(
        sample_index(logits.view(), &Sampler::default(), &mut rng).unwrap(),
        1
    );
    assert_eq!(argmax(logits.view()), 1);
    use ndarray_rand::rand::Rng;
    assert_eq!(rng.random::<u64>(), untouched.random::<u64>());
}

#[test]
fn predict_with_draws_each_character_with_sample_index() {
    // End to end: the first character after the prefix is exactly what
    // sample_index draws from the model's logits with a generator seeded the same.
    use d2l_rnn::model::RecurrentModel;
    let (mut model, corpus) = trained();
    let v = &corpus.vocab;
    let x = Array2::from_shape_vec((1, 2), v.encode(PREFIX).unwrap()).unwrap();
    let mut state = model.begin_state(1);
    let logits = model.forward(x.view(), &mut state).row(1).to_owned();
    let mut distinct = std::collections::HashSet::new();
    for seed in 0..200 {
        let s = sampler(4.0, None, seed);
        let text = predict_with(PREFIX, 1, &mut model, v, &s).unwrap();
        let drawn = sample_index(logits.view(), &s, &mut StdRng::seed_from_u64(seed)).unwrap();
        assert_eq!(
            text.chars().nth(2),
            v.idx_to_char.get(drawn).copied(),
            "seed {seed}"
        );
        distinct.insert(drawn);
    }
    assert!(
        distinct.len() > 3,
        "temperature 4 should spread the draws: {distinct:?}"
    );
}
