//! Any bytes as a corpus file, plain text or zip (the first byte chooses the
//! file name's ending): `load_corpus` must return a corpus or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let ending = if kind % 2 == 0 { "txt" } else { "zip" };
    let path =
        std::env::temp_dir().join(format!("d2l-fuzz-corpus-{}.{ending}", std::process::id()));
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    if let Ok(corpus) = d2l_rnn::data::load_corpus(&path, Some(10_000)) {
        assert_eq!(
            corpus.vocab.decode(&corpus.corpus_indices).chars().count(),
            corpus.corpus_indices.len()
        );
    }
});
