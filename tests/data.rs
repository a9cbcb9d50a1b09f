//! Integration tests for `d2l_rnn::data`: the lyrics corpus, the vocabulary
//! and the error paths (bad files, bad archives, bad checksums); the sampling
//! iterators are in `tests/data_iterators.rs`.

use std::io::Write;
use std::path::{Path, PathBuf};

use d2l_rnn::data::*;
use d2l_rnn::Error;

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

// ---------------------------------------------------------------- the corpus

#[test]
fn lyrics_corpus_has_the_sections_sizes() {
    let corpus = load_data_jay_lyrics().expect("the corpus in data/ (CI copies it there)");
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
