//! `load_any` on the from-scratch GRU and LSTM, and a header claiming huge
//! sizes refused before allocating (split from `tests/nn_checkpoint.rs`).

mod common;

use d2l_rnn::checkpoint::{load_any, load_concise, save_concise, AnyModel};
use d2l_rnn::data::Vocab;
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::nn::{Cell, GruCell, RNNModel, Recurrent, RnnConfig};
use d2l_rnn::predict::predict_rnn;
use d2l_rnn::scratch::{get_gru_params, get_lstm_params, get_params};
use safetensors::tensor::TensorView;
use safetensors::SafeTensors;
use std::path::PathBuf;

fn temp_path(name: &str) -> PathBuf {
    common::temp_path(&format!("nn-ckpt-more-{name}"))
}

fn vocab() -> Vocab {
    Vocab::from_text("我想要的爱写在西元前 深埋在美索不达米亚平原")
}

fn model<C: Cell<f32>>(cfg: RnnConfig, seed: u64) -> RNNModel<C> {
    let layer = Recurrent::<C, f32>::new(cfg, seed).unwrap();
    RNNModel::new(layer, cfg.input_size, seed + 1).unwrap()
}

#[test]
fn load_any_opens_the_from_scratch_gru_and_lstm() {
    let v = vocab();
    let path = temp_path("any-gated.safetensors");
    let mut gru = GruFast::new(get_gru_params(v.len(), 8, 1));
    let any = AnyModel::GruScratch(gru.clone());
    any.save(&path, &v).unwrap();
    let (mut loaded, v2) = load_any(&path).unwrap();
    assert!(matches!(loaded, AnyModel::GruScratch(_)));
    assert_eq!(
        loaded.predict("我想", 10, &v2).unwrap(),
        predict_rnn("我想", 10, &mut gru, &v).unwrap()
    );
    let err = load_concise::<GruCell>(&path, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("holds a gru scratch model, expected gru concise"),
        "{err}"
    );

    let mut lstm = LstmFast::new(get_lstm_params(v.len(), 8, 2));
    AnyModel::LstmScratch(lstm.clone()).save(&path, &v).unwrap();
    let (mut loaded, v2) = load_any(&path).unwrap();
    assert!(matches!(loaded, AnyModel::LstmScratch(_)));
    assert_eq!(
        loaded.predict("我想", 10, &v2).unwrap(),
        predict_rnn("我想", 10, &mut lstm, &v).unwrap()
    );
    std::fs::remove_file(&path).ok();
}

/// Rewrites a checkpoint's metadata entry `key` to `value`, keeping its tensors.
fn with_metadata(path: &PathBuf, key: &str, value: &str) {
    let bytes = std::fs::read(path).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut metadata = header.metadata().clone().unwrap_or_default();
    metadata.insert(key.to_string(), value.to_string());
    let views: Vec<(String, TensorView<'_>)> = st.tensors();
    let out = safetensors::serialize(views, &Some(metadata)).unwrap();
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_header_claiming_huge_sizes_is_refused_before_allocating() {
    // Found by reasoning about the fuzz targets: without the size check,
    // these headers made the loader allocate gigabytes (num_hiddens = 10^9
    // means a 10^18-float W_hh) before reading a tensor.
    let v = vocab();
    let scratch = temp_path("huge-scratch.safetensors");
    AnyModel::RnnScratch(RnnFast::new(get_params(v.len(), 8, 0)))
        .save(&scratch, &v)
        .unwrap();
    for (key, value) in [
        ("num_hiddens", "1000000000"),
        ("num_hiddens", "18446744073709551615"),
    ] {
        with_metadata(&scratch, key, value);
        let err = load_any(&scratch).unwrap_err().to_string();
        assert!(
            err.contains("describes a model of"),
            "{key} = {value}: {err}"
        );
    }
    let concise = temp_path("huge-concise.safetensors");
    let m = model::<GruCell>(RnnConfig::new(v.len(), 4), 0);
    save_concise(&concise, &m, &v).unwrap();
    for (key, value) in [("hidden_size", "100000000"), ("num_layers", "4000000000")] {
        let fresh = std::fs::read(&concise).unwrap();
        with_metadata(&concise, key, value);
        let err = load_any(&concise).unwrap_err().to_string();
        assert!(
            err.contains("describes a model of"),
            "{key} = {value}: {err}"
        );
        std::fs::write(&concise, fresh).unwrap();
    }
}
