//! Integration tests for `d2l_rnn::data`'s two sampling iterators: batch
//! counts against the section's formulas, shifts by one, seeds, and bad
//! arguments (split from `tests/data.rs`, which keeps the corpus, the
//! vocabulary and the file errors).

use std::collections::HashSet;

use d2l_rnn::data::*;
use d2l_rnn::Error;
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;
use proptest::prelude::*;

fn positions(len: usize) -> Vec<usize> {
    (0..len).collect()
}

// -------------------------------------------------------------- the iterators

/// Checks every batch against corpus positions: `xs`/`ys` were cut from `0..len`.
fn assert_shift_by_one(batches: &[(Array2<usize>, Array2<usize>)], b: usize, n: usize, len: usize) {
    for (x, y) in batches {
        assert_eq!(x.dim(), (b, n));
        assert_eq!(y.dim(), (b, n));
        for (&xi, &yi) in x.iter().zip(y.iter()) {
            assert_eq!(yi, xi + 1);
            assert!(yi < len);
        }
        for row in x.rows() {
            for t in 1..n {
                assert_eq!(row[t], row[t - 1] + 1);
            }
        }
    }
}

#[test]
fn section_settings_give_eight_batches_each() {
    let corpus = load_data_jay_lyrics().unwrap();
    let mut rng = StdRng::seed_from_u64(0);
    let random = data_iter_random(&corpus.corpus_indices, 32, 35, &mut rng).unwrap();
    let consecutive = data_iter_consecutive(&corpus.corpus_indices, 32, 35).unwrap();
    assert_eq!(random.len(), 8);
    assert_eq!(consecutive.len(), 8);
    assert_eq!(random.count(), 8);
    assert_eq!(consecutive.count(), 8);
    assert_eq!(epoch_size(Sampling::Random, 10_000, 32, 35), 8);
    assert_eq!(epoch_size(Sampling::Consecutive, 10_000, 32, 35), 8);
}

#[test]
fn batches_of_the_lyrics_are_the_corpus_shifted_by_one() {
    let corpus = load_data_jay_lyrics().unwrap();
    let idx = &corpus.corpus_indices;
    let pos = positions(idx.len());
    for sampling in [Sampling::Random, Sampling::Consecutive] {
        let real: Vec<_> = data_iter(sampling, idx, 32, 35, &mut StdRng::seed_from_u64(7))
            .unwrap()
            .collect();
        let at: Vec<_> = data_iter(sampling, &pos, 32, 35, &mut StdRng::seed_from_u64(7))
            .unwrap()
            .collect();
        assert_eq!(real.len(), 8);
        assert_shift_by_one(&at, 32, 35, idx.len());
        for ((x, y), (px, py)) in real.iter().zip(&at) {
            assert_eq!(x, &px.mapv(|p| idx[p]));
            assert_eq!(y, &py.mapv(|p| idx[p]));
            assert!(x.iter().chain(y.iter()).all(|&i| i < corpus.vocab_size()));
        }
    }
}

#[test]
fn consecutive_rows_continue_across_batches() {
    let pos = positions(1000);
    let batches: Vec<_> = data_iter_consecutive(&pos, 4, 7).unwrap().collect();
    // batch_len = 250, epoch_size = 249 / 7 = 35
    assert_eq!(batches.len(), 35);
    assert_eq!(batches[0].0[[1, 0]], 250);
    for w in batches.windows(2) {
        for r in 0..4 {
            assert_eq!(w[1].0[[r, 0]], w[0].0[[r, 6]] + 1);
        }
    }
}

#[test]
fn same_seed_gives_same_batches_and_other_seeds_differ() {
    let corpus = load_data_jay_lyrics().unwrap();
    let run = |seed| -> Vec<_> {
        data_iter_random(
            &corpus.corpus_indices,
            32,
            35,
            &mut StdRng::seed_from_u64(seed),
        )
        .unwrap()
        .collect()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn random_batches_cover_distinct_examples() {
    let pos = positions(10_000);
    let mut rng = StdRng::seed_from_u64(3);
    let batches: Vec<_> = data_iter_random(&pos, 32, 35, &mut rng).unwrap().collect();
    let starts: Vec<usize> = batches
        .iter()
        .flat_map(|(x, _)| x.column(0).to_vec())
        .collect();
    assert_eq!(starts.len(), 8 * 32);
    assert!(starts.iter().all(|s| s % 35 == 0 && s / 35 < 9_999 / 35));
    let distinct: HashSet<_> = starts.iter().collect();
    assert_eq!(distinct.len(), starts.len());
    // shuffled, not in corpus order
    assert!(starts.windows(2).any(|w| w[1] < w[0]));
}

#[test]
fn data_iter_dispatches() {
    let pos = positions(500);
    let a: Vec<_> = data_iter(
        Sampling::Consecutive,
        &pos,
        3,
        5,
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap()
    .collect();
    let b: Vec<_> = data_iter_consecutive(&pos, 3, 5).unwrap().collect();
    assert_eq!(a, b);
    let a: Vec<_> = data_iter(Sampling::Random, &pos, 3, 5, &mut StdRng::seed_from_u64(9))
        .unwrap()
        .collect();
    let b: Vec<_> = data_iter_random(&pos, 3, 5, &mut StdRng::seed_from_u64(9))
        .unwrap()
        .collect();
    assert_eq!(a, b);
}

#[test]
fn data_iter_is_exact_size_and_fused() {
    let mut it = data_iter_consecutive(&positions(100), 2, 4).unwrap();
    // batch_len 50, epoch_size 49 / 4 = 12
    assert_eq!(it.len(), 12);
    assert_eq!(it.sampling(), Sampling::Consecutive);
    it.next();
    assert_eq!(it.size_hint(), (11, Some(11)));
    assert_eq!(it.by_ref().count(), 11);
    assert!(it.next().is_none());
    assert_eq!(it.len(), 0);
}

#[test]
fn sampling_parses_and_prints() {
    assert_eq!("random".parse::<Sampling>().unwrap(), Sampling::Random);
    assert_eq!(
        "consecutive".parse::<Sampling>().unwrap(),
        Sampling::Consecutive
    );
    for s in [Sampling::Random, Sampling::Consecutive] {
        assert_eq!(s.to_string().parse::<Sampling>().unwrap(), s);
    }
    let err = "sequential".parse::<Sampling>().unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidArgument {
            name: "sampling",
            ..
        }
    ));
    assert!(err.to_string().contains("sequential"));
}

/// Python's floor division semantics, written independently of the crate.
fn expected_count(sampling: Sampling, len: usize, b: usize, n: usize) -> usize {
    let (len, b, n) = (len as i64, b as i64, n as i64);
    let count = match sampling {
        Sampling::Random => (len - 1).div_euclid(n).div_euclid(b),
        Sampling::Consecutive => (len.div_euclid(b) - 1).div_euclid(n),
    };
    count.max(0) as usize
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn iterators_match_the_formulas(
        len in 1usize..2000,
        b in 1usize..40,
        n in 1usize..40,
        seed in any::<u64>(),
        random in any::<bool>(),
    ) {
        let sampling = if random { Sampling::Random } else { Sampling::Consecutive };
        let pos = positions(len);
        let count = expected_count(sampling, len, b, n);
        prop_assert_eq!(epoch_size(sampling, len, b, n), count);
        match data_iter(sampling, &pos, b, n, &mut StdRng::seed_from_u64(seed)) {
            Ok(it) => {
                prop_assert!(count > 0);
                prop_assert_eq!(it.len(), count);
                let batches: Vec<_> = it.collect();
                prop_assert_eq!(batches.len(), count);
                assert_shift_by_one(&batches, b, n, len);
                if sampling == Sampling::Random {
                    let starts: HashSet<usize> =
                        batches.iter().flat_map(|(x, _)| x.column(0).to_vec()).collect();
                    prop_assert_eq!(starts.len(), count * b);
                }
            }
            Err(Error::CorpusTooShort { len: l, needed, settings }) => {
                prop_assert_eq!(count, 0);
                prop_assert_eq!(l, len);
                prop_assert!(needed > len);
                prop_assert_eq!(expected_count(sampling, needed, b, n), 1);
                prop_assert_eq!(expected_count(sampling, needed - 1, b, n), 0);
                prop_assert!(settings.contains(&sampling.to_string()));
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}

// ---------------------------------------------------------------- bad input

#[test]
fn zero_batch_size_or_num_steps_is_invalid() {
    let pos = positions(100);
    let mut rng = StdRng::seed_from_u64(0);
    for sampling in [Sampling::Random, Sampling::Consecutive] {
        let e = data_iter(sampling, &pos, 0, 5, &mut rng).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    name: "batch_size",
                    ..
                }
            ),
            "{e:?}"
        );
        let e = data_iter(sampling, &pos, 5, 0, &mut rng).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidArgument {
                    name: "num_steps",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(epoch_size(sampling, 100, 0, 5), 0);
        assert_eq!(epoch_size(sampling, 100, 5, 0), 0);
    }
}

#[test]
fn too_short_corpus_is_reported_with_the_needed_length() {
    let pos = positions(1120);
    let e = data_iter_random(&pos, 32, 35, &mut StdRng::seed_from_u64(0)).unwrap_err();
    match &e {
        Error::CorpusTooShort {
            len,
            needed,
            settings,
        } => {
            assert_eq!((*len, *needed), (1120, 1121));
            assert_eq!(settings, "batch_size 32, num_steps 35, random sampling");
        }
        other => panic!("expected CorpusTooShort, got {other:?}"),
    }
    assert!(e.to_string().contains("1121"));
    assert!(data_iter_random(&positions(1121), 32, 35, &mut StdRng::seed_from_u64(0)).is_ok());

    let e = data_iter_consecutive(&positions(1151), 32, 35).unwrap_err();
    assert!(
        matches!(
            e,
            Error::CorpusTooShort {
                len: 1151,
                needed: 1152,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(data_iter_consecutive(&positions(1152), 32, 35).is_ok());
    assert!(matches!(
        data_iter_consecutive(&[], 1, 1),
        Err(Error::CorpusTooShort {
            len: 0,
            needed: 2,
            ..
        })
    ));
}
