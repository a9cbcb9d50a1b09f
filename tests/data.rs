//! Integration tests for `d2l_rnn::data`: the lyrics corpus, the vocabulary, the
//! two sampling iterators and the error paths (bad files, bad archives, bad
//! checksums, bad arguments).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use d2l_rnn::data::*;
use d2l_rnn::Error;
use ndarray::Array2;
use ndarray_rand::rand::rngs::StdRng;
use ndarray_rand::rand::SeedableRng;
use proptest::prelude::*;

/// A fresh, unique folder under the system temp dir; removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("d2l_rnn_test_{tag}_{}_{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes a zip archive with the given (name, bytes) members, stored uncompressed.
fn write_zip(path: &Path, members: &[(&str, &[u8])]) {
    let file = std::fs::File::create(path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in members {
        zip.start_file(*name, opts).expect("start member");
        zip.write_all(bytes).expect("write member");
    }
    zip.finish().expect("finish zip");
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn positions(len: usize) -> Vec<usize> {
    (0..len).collect()
}

// ---------------------------------------------------------------- the corpus

#[test]
fn lyrics_corpus_has_the_sections_sizes() {
    let corpus = load_data_jay_lyrics().expect("corpus in ../shared/data");
    assert_eq!(corpus.corpus_indices.len(), LYRICS_CHARS);
    assert_eq!(corpus.corpus_indices.len(), 10_000);
    assert_eq!(corpus.vocab_size(), 1027);
    assert_eq!(
        corpus.vocab.decode(&corpus.corpus_indices[..16]),
        "想要有直升机 想要和你飞到宇宙去"
    );
    assert!(corpus
        .corpus_indices
        .iter()
        .all(|&i| i < corpus.vocab_size()));
}

#[test]
fn lyrics_corpus_decodes_back_to_the_preprocessed_text() {
    let path = find_or_fetch_lyrics().expect("corpus found");
    let text = read_text(&path).expect("zip readable");
    assert_eq!(text.chars().count(), 63_282);
    assert!(text.starts_with("想要有直升机\n"));
    let corpus = load_data_jay_lyrics().expect("corpus");
    let expected = preprocess(&text, Some(LYRICS_CHARS));
    assert_eq!(corpus.vocab.decode(&corpus.corpus_indices), expected);
    assert!(!expected.contains('\n') && !expected.contains('\r'));
}

#[test]
fn found_lyrics_archive_has_the_pinned_checksum() {
    let path = find_or_fetch_lyrics().expect("corpus found");
    assert_eq!(path.file_name().and_then(|n| n.to_str()), Some(LYRICS_ZIP));
    let bytes = std::fs::read(&path).expect("readable");
    assert_eq!(bytes.len(), 52_607);
    assert_eq!(sha256_hex(&bytes), LYRICS_SHA256);
}

#[test]
fn sha256_of_known_inputs() {
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn preprocess_replaces_each_newline_char_by_one_space() {
    assert_eq!(preprocess("a\nb", None), "a b");
    assert_eq!(preprocess("a\rb", None), "a b");
    assert_eq!(preprocess("a\r\nb", None), "a  b");
    assert_eq!(preprocess("\n\n", None), "  ");
    assert_eq!(preprocess("a\tb", None), "a\tb");
}

#[test]
fn preprocess_cuts_characters_not_bytes() {
    assert_eq!(preprocess("想要有直升机", Some(3)), "想要有");
    assert_eq!(preprocess("想要\n有", Some(3)), "想要 ");
    assert_eq!(preprocess("ab", Some(10)), "ab");
    assert_eq!(preprocess("ab", Some(0)), "");
    assert_eq!(preprocess("", Some(5)), "");
}

#[test]
fn load_corpus_reads_plain_text_and_zip() {
    let dir = TempDir::new("load");
    let txt = dir.path("lyrics.txt");
    std::fs::write(&txt, "分开\r\n不分开\n").unwrap();
    let c = load_corpus(&txt, None).unwrap();
    assert_eq!(c.vocab.decode(&c.corpus_indices), "分开  不分开 ");
    assert_eq!(c.vocab.idx_to_char, vec!['分', '开', ' ', '不']);
    let c = load_corpus(&txt, Some(2)).unwrap();
    assert_eq!(c.corpus_indices, vec![0, 1]);

    let zip = dir.path("lyrics.zip");
    write_zip(
        &zip,
        &[
            ("readme.md", b"not this"),
            ("words.txt", "分开\n".as_bytes()),
        ],
    );
    let c = load_corpus(&zip, None).unwrap();
    assert_eq!(c.vocab.decode(&c.corpus_indices), "分开 ");
}

#[test]
fn zip_with_one_non_txt_member_is_read() {
    let dir = TempDir::new("single");
    let zip = dir.path("one.zip");
    write_zip(&zip, &[("lyrics.csv", b"abc")]);
    assert_eq!(read_text(&zip).unwrap(), "abc");
}

#[test]
fn utf8_bom_is_dropped() {
    let dir = TempDir::new("bom");
    let txt = dir.path("bom.txt");
    std::fs::write(&txt, "\u{feff}分开").unwrap();
    assert_eq!(read_text(&txt).unwrap(), "分开");
}

// ------------------------------------------------------------- the vocabulary

#[test]
fn vocab_is_in_order_of_first_appearance_and_deterministic() {
    let v = Vocab::from_text("不分开 分开 想");
    assert_eq!(v.idx_to_char, vec!['不', '分', '开', ' ', '想']);
    assert_eq!(v, Vocab::from_text("不分开 分开 想"));
    for (i, ch) in v.idx_to_char.iter().enumerate() {
        assert_eq!(v.char_to_idx[ch], i);
    }
    assert_eq!(v.char_to_idx.len(), v.len());

    let a = load_data_jay_lyrics().unwrap();
    let b = load_data_jay_lyrics().unwrap();
    assert_eq!(a.vocab, b.vocab);
    assert_eq!(a.corpus_indices, b.corpus_indices);
    assert_eq!(
        &a.vocab.idx_to_char[..7],
        &['想', '要', '有', '直', '升', '机', ' ']
    );
}

#[test]
fn vocab_from_chars_keeps_order_and_rejects_duplicates() {
    let v = Vocab::from_chars(vec!['开', '分']).unwrap();
    assert_eq!(v.index('分'), Some(1));
    assert_eq!(v.len(), 2);
    let corpus = load_data_jay_lyrics().unwrap();
    let rebuilt = Vocab::from_chars(corpus.vocab.idx_to_char.clone()).unwrap();
    assert_eq!(rebuilt, corpus.vocab);

    let err = Vocab::from_chars(vec!['a', '分', 'b', '分']).unwrap_err();
    match &err {
        Error::InvalidArgument { value, .. } => assert!(value.contains('分')),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    assert!(err.to_string().contains('分'));
}

#[test]
fn vocab_encode_decode() {
    let v = Vocab::from_text("分开不");
    assert!(!v.is_empty());
    assert!(Vocab::from_text("").is_empty());
    assert_eq!(v.encode("").unwrap(), Vec::<usize>::new());
    assert_eq!(v.encode("不分开").unwrap(), vec![2, 0, 1]);
    assert_eq!(v.decode(&v.encode("开开分不").unwrap()), "开开分不");
    assert_eq!(v.decode(&[0, 3, usize::MAX]), "分\u{fffd}\u{fffd}");
    assert_eq!(v.index('想'), None);
}

#[test]
fn unknown_char_is_named() {
    let v = Vocab::from_text("分开");
    let err = v.encode("分开想").unwrap_err();
    match &err {
        Error::UnknownChar { ch, prefix } => {
            assert_eq!(*ch, '想');
            assert_eq!(prefix, "分开想");
        }
        other => panic!("expected UnknownChar, got {other:?}"),
    }
    assert!(err.to_string().contains("'想'"));
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

#[test]
fn non_utf8_file_names_path_and_offset() {
    let dir = TempDir::new("notutf8");
    let path = dir.path("gbk.txt");
    std::fs::write(&path, b"abc\xc4\xe3").unwrap();
    let err = read_text(&path).unwrap_err();
    match &err {
        Error::NotUtf8 {
            origin,
            byte_offset,
        } => {
            assert_eq!(origin, &path.display().to_string());
            assert_eq!(*byte_offset, 3);
        }
        other => panic!("expected NotUtf8, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("gbk.txt") && msg.contains("offset 3"), "{msg}");
    assert!(load_corpus(&path, None).is_err());
}

#[test]
fn non_utf8_zip_member_names_archive_and_member() {
    let dir = TempDir::new("notutf8zip");
    let path = dir.path("gbk.zip");
    write_zip(&path, &[("lyrics.txt", b"\xff")]);
    match read_text(&path).unwrap_err() {
        Error::NotUtf8 {
            origin,
            byte_offset,
        } => {
            assert_eq!(origin, format!("{}:lyrics.txt", path.display()));
            assert_eq!(byte_offset, 0);
        }
        other => panic!("expected NotUtf8, got {other:?}"),
    }
}

#[test]
fn corrupt_zip_is_a_zip_error() {
    let dir = TempDir::new("corrupt");
    let path = dir.path("x.zip");
    std::fs::write(&path, b"this is not a zip archive at all").unwrap();
    let err = read_text(&path).unwrap_err();
    match &err {
        Error::Zip { path: p, .. } => assert_eq!(p, &path),
        other => panic!("expected Zip, got {other:?}"),
    }
    assert!(err.to_string().contains("x.zip"));
}

#[test]
fn zip_without_a_txt_member_lists_members() {
    let dir = TempDir::new("notxt");
    let path = dir.path("two.zip");
    write_zip(&path, &[("a.csv", b"1"), ("b.md", b"2")]);
    let err = read_text(&path).unwrap_err();
    assert!(matches!(err, Error::Zip { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("a.csv") && msg.contains("b.md"), "{msg}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let dir = TempDir::new("missing");
    let path = dir.path("nope.txt");
    let err = read_text(&path).unwrap_err();
    match &err {
        Error::Io { path: p, .. } => assert_eq!(p, &path),
        other => panic!("expected Io, got {other:?}"),
    }
    assert!(err.to_string().contains("nope.txt"));
}

#[test]
fn download_with_wrong_checksum_leaves_nothing() {
    let dir = TempDir::new("dlbad");
    let src = dir.path("src.txt");
    std::fs::write(&src, "分开").unwrap();
    let dest = dir.path("sub/dest.txt");
    let wrong = "0".repeat(64);
    let err = download(&file_url(&src), &dest, &wrong).unwrap_err();
    match &err {
        Error::Checksum {
            path,
            expected,
            actual,
        } => {
            assert_eq!(path, &dest);
            assert_eq!(expected, &wrong);
            assert_eq!(actual, &sha256_hex("分开".as_bytes()));
        }
        other => panic!("expected Checksum, got {other:?}"),
    }
    assert!(!dest.exists());
    let left: Vec<_> = std::fs::read_dir(dir.path("sub")).unwrap().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn download_of_a_file_url_succeeds() {
    let dir = TempDir::new("dlok");
    let lyrics = find_or_fetch_lyrics().unwrap();
    let abs = std::fs::canonicalize(&lyrics).unwrap();
    let dest = dir.path("cache/jaychou_lyrics.txt.zip");
    download(&file_url(&abs), &dest, LYRICS_SHA256).unwrap();
    assert!(dest.exists());
    assert_eq!(sha256_hex(&std::fs::read(&dest).unwrap()), LYRICS_SHA256);
    let text = read_text(&dest).unwrap();
    assert!(text.starts_with("想要有直升机"));
    // upper-case expected digest is accepted too
    let dest2 = dir.path("cache/copy.zip");
    download(&file_url(&abs), &dest2, &LYRICS_SHA256.to_uppercase()).unwrap();
    assert!(dest2.exists());
}

#[test]
fn download_of_a_missing_url_fails_and_says_curl() {
    let dir = TempDir::new("dlmissing");
    let dest = dir.path("dest.zip");
    let err = download(&file_url(&dir.path("absent.zip")), &dest, LYRICS_SHA256).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("curl"), "{err}");
    assert!(!dest.exists());
    assert_eq!(std::fs::read_dir(&dir.0).unwrap().count(), 0);
}

#[test]
fn a_zip_member_larger_than_the_limit_is_refused_not_read() {
    // 256 MiB + 1 of zeros compress to a few hundred kilobytes: without the
    // limit the reader would allocate all of it.
    let dir = TempDir::new("zip-bomb");
    let path = dir.0.join("bomb.zip");
    let file = std::fs::File::create(&path).expect("create zip");
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    zip.start_file("lyrics.txt", opts).expect("start member");
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..(d2l_rnn::data::MAX_MEMBER_BYTES >> 20) {
        zip.write_all(&chunk).expect("write member");
    }
    zip.write_all(b"x").expect("one byte more");
    zip.finish().expect("finish zip");
    assert!(std::fs::metadata(&path).unwrap().len() < 4 << 20);
    let err = d2l_rnn::data::read_text(&path).unwrap_err().to_string();
    assert!(err.contains("larger than 256 MiB"), "{err}");
}
