//! Any bytes as a checkpoint: `load_any` and the training state must return
//! a model or an error, never panic, never allocate what a header claims.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("d2l-fuzz-ck-{}.safetensors", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok((model, _vocab)) = d2l_rnn::checkpoint::load_any(&path) {
        if let Ok((bytes, info)) = d2l_rnn::checkpoint::read_checkpoint(&path) {
            let _ = model.read_training_state(&path, &bytes, &info.metadata);
        }
    }
});
