//! Checkpoints of the concise models: PyTorch's `state_dict()` names and
//! shapes, the metadata, round trips, and every kind of mismatch.

mod common;

use d2l_rnn::checkpoint::{
    load_any, load_concise, save_checkpoint, save_concise, AnyModel, Implementation,
};
use d2l_rnn::data::Vocab;
use d2l_rnn::fast::RnnFast;
use d2l_rnn::model::Parameters;
use d2l_rnn::nn::{Cell, GruCell, LstmCell, RNNModel, Recurrent, Rnn, RnnCell, RnnConfig};
use d2l_rnn::predict::predict_rnn;
use d2l_rnn::scratch::get_params;
use d2l_rnn::Error;
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::HashMap;
use std::path::PathBuf;

fn temp_path(name: &str) -> PathBuf {
    common::temp_path(&format!("nn-ckpt-{name}"))
}

fn vocab() -> Vocab {
    Vocab::from_text("我想要的爱写在西元前 深埋在美索不达米亚平原")
}

fn model<C: Cell<f32>>(cfg: RnnConfig, seed: u64) -> RNNModel<C> {
    let layer = Recurrent::<C, f32>::new(cfg, seed).unwrap();
    RNNModel::new(layer, cfg.input_size, seed + 1).unwrap()
}

type Stored = (Vec<(String, Vec<usize>, Dtype)>, HashMap<String, String>);

/// Names, shapes and metadata as stored in the file.
fn stored(path: &PathBuf) -> Stored {
    let bytes = std::fs::read(path).unwrap();
    let st = SafeTensors::deserialize(&bytes).unwrap();
    let mut tensors: Vec<_> = st
        .tensors()
        .into_iter()
        .map(|(n, t)| (n, t.shape().to_vec(), t.dtype()))
        .collect();
    tensors.sort();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    (tensors, header.metadata().clone().unwrap_or_default())
}

/// Rewrites a checkpoint with other tensors, keeping its metadata.
fn rewrite(path: &PathBuf, tensors: Vec<(String, Vec<usize>, Dtype, Vec<u8>)>) {
    let (_, metadata) = stored(path);
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, s, d, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()))
        .collect();
    std::fs::write(
        path,
        safetensors::serialize(views, &Some(metadata)).unwrap(),
    )
    .unwrap();
}

fn tensors_of<P: Parameters<f32>>(p: &P) -> Vec<(String, Vec<usize>, Dtype, Vec<u8>)> {
    p.tensors()
        .into_iter()
        .map(|(n, t)| {
            let bytes = t.iter().flat_map(|v| v.to_le_bytes()).collect();
            (n.to_string(), t.shape().to_vec(), Dtype::F32, bytes)
        })
        .collect()
}

#[test]
fn tensors_are_named_and_shaped_as_pytorchs_state_dict() {
    let v = vocab();
    let q = v.len();
    let path = temp_path("state-dict.safetensors");
    let cfg = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        ..RnnConfig::new(q, 8)
    };
    save_concise(&path, &model::<LstmCell>(cfg, 0), &v).unwrap();
    let (tensors, metadata) = stored(&path);
    // PyTorch: RNNModel(nn.LSTM(q, 8, num_layers=2, bidirectional=True), q).state_dict()
    let mut expected = Vec::new();
    for l in 0..2 {
        for suffix in ["", "_reverse"] {
            let input = if l == 0 { q } else { 16 };
            expected.push((
                format!("rnn.weight_ih_l{l}{suffix}"),
                vec![32, input],
                Dtype::F32,
            ));
            expected.push((
                format!("rnn.weight_hh_l{l}{suffix}"),
                vec![32, 8],
                Dtype::F32,
            ));
            expected.push((format!("rnn.bias_ih_l{l}{suffix}"), vec![32], Dtype::F32));
            expected.push((format!("rnn.bias_hh_l{l}{suffix}"), vec![32], Dtype::F32));
        }
    }
    expected.push(("dense.weight".into(), vec![q, 16], Dtype::F32));
    expected.push(("dense.bias".into(), vec![q], Dtype::F32));
    expected.sort();
    assert_eq!(tensors, expected);
    for (key, value) in [
        ("format", "d2l-rnn".to_string()),
        ("model", "lstm".into()),
        ("impl", "concise".into()),
        ("input_size", q.to_string()),
        ("hidden_size", "8".into()),
        ("num_layers", "2".into()),
        ("nonlinearity", "tanh".into()),
        ("bias", "true".into()),
        ("batch_first", "false".into()),
        ("bidirectional", "true".into()),
        ("vocab_size", q.to_string()),
    ] {
        assert_eq!(metadata.get(key), Some(&value), "{key}");
    }
    let chars: Vec<String> = serde_json::from_str(&metadata["vocab"]).unwrap();
    assert_eq!(chars.concat(), v.idx_to_char.iter().collect::<String>());
    std::fs::remove_file(&path).ok();
}

fn round_trip<C: Cell<f32>>(cfg: RnnConfig, name: &str) {
    let v = vocab();
    let path = temp_path(name);
    let mut original = model::<C>(cfg, 3);
    save_concise(&path, &original, &v).unwrap();
    let (mut loaded, loaded_vocab) = load_concise::<C>(&path, Some(&v)).unwrap();
    assert_eq!(loaded.params, original.params);
    assert_eq!(loaded_vocab, v);
    assert_eq!(loaded.config(), original.config());
    assert_eq!(
        predict_rnn("我想", 20, &mut loaded, &v).unwrap(),
        predict_rnn("我想", 20, &mut original, &v).unwrap()
    );
    let (mut any, v2) = load_any(&path).unwrap();
    assert_eq!(
        (any.kind(), any.implementation()),
        (C::KIND, Implementation::Concise)
    );
    assert_eq!(
        any.predict("我想", 20, &v2).unwrap(),
        predict_rnn("我想", 20, &mut original, &v).unwrap()
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn every_kind_round_trips_and_writes_the_same_text() {
    let q = vocab().len();
    round_trip::<RnnCell>(
        RnnConfig {
            nonlinearity: d2l_rnn::nn::Nonlinearity::Relu,
            bias: false,
            ..RnnConfig::new(q, 8)
        },
        "rt-rnn.safetensors",
    );
    round_trip::<GruCell>(
        RnnConfig {
            num_layers: 2,
            batch_first: true,
            ..RnnConfig::new(q, 8)
        },
        "rt-gru.safetensors",
    );
    round_trip::<LstmCell>(
        RnnConfig {
            bidirectional: true,
            ..RnnConfig::new(q, 8)
        },
        "rt-lstm.safetensors",
    );
}

#[test]
fn load_any_opens_scratch_checkpoints_too() {
    let v = vocab();
    let path = temp_path("any-scratch.safetensors");
    let mut scratch = RnnFast::new(get_params(v.len(), 8, 0));
    save_checkpoint(&path, &scratch.params, &v, "rnn", "scratch", 8).unwrap();
    let (mut any, v2) = load_any(&path).unwrap();
    assert!(matches!(any, AnyModel::RnnScratch(_)));
    assert_eq!(
        any.predict("我想", 10, &v2).unwrap(),
        predict_rnn("我想", 10, &mut scratch, &v).unwrap()
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn a_checkpoint_of_another_model_kind_is_named() {
    let v = vocab();
    let path = temp_path("kind.safetensors");
    save_concise(&path, &model::<GruCell>(RnnConfig::new(v.len(), 8), 0), &v).unwrap();
    let err = load_concise::<RnnCell>(&path, None).unwrap_err();
    assert!(matches!(err, Error::Checkpoint { .. }));
    assert!(
        err.to_string()
            .contains("holds a gru concise model, expected rnn concise"),
        "{err}"
    );
    let err = d2l_rnn::checkpoint::load_rnn_scratch(&path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("holds a gru concise model, expected rnn scratch"),
        "{err}"
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn wrong_shapes_dtypes_and_names_are_each_reported_by_name() {
    let v = vocab();
    let q = v.len();
    let path = temp_path("shape.safetensors");
    save_concise(&path, &model::<RnnCell>(RnnConfig::new(q, 16), 0), &v).unwrap();
    // The same metadata (hidden 16) over the tensors of a hidden-8 model.
    rewrite(
        &path,
        tensors_of(&model::<RnnCell>(RnnConfig::new(q, 8), 0).params),
    );
    let err = load_concise::<RnnCell>(&path, None)
        .unwrap_err()
        .to_string();
    for part in [
        "rnn.weight_hh_l0 has shape [8, 8], expected [16, 16]",
        &format!("rnn.weight_ih_l0 has shape [8, {q}], expected [16, {q}]"),
        "rnn.bias_ih_l0 has shape [8], expected [16]",
        &format!("dense.weight has shape [{q}, 8], expected [{q}, 16]"),
    ] {
        assert!(err.contains(part), "{part} missing from: {err}");
    }

    let mut tensors = tensors_of(&model::<RnnCell>(RnnConfig::new(q, 16), 0).params);
    tensors[1].2 = Dtype::F64; // rnn.weight_hh_l0 claims f64 ...
    tensors[1].1 = vec![16, 8]; // ... with the bytes of 16 x 16 f32
    tensors[5].0 = "dense.bias_renamed".into();
    rewrite(&path, tensors);
    let err = load_concise::<RnnCell>(&path, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rnn.weight_hh_l0 has dtype F64, expected F32"),
        "{err}"
    );
    assert!(err.contains("missing tensor dense.bias"), "{err}");
    assert!(
        err.contains("unexpected tensor dense.bias_renamed"),
        "{err}"
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn a_checkpoint_for_another_vocabulary_is_named() {
    let v = vocab();
    let path = temp_path("vocab.safetensors");
    save_concise(&path, &model::<LstmCell>(RnnConfig::new(v.len(), 8), 0), &v).unwrap();
    let mut other: Vec<char> = v.idx_to_char.clone();
    other.swap(2, 3);
    let other = Vocab::from_chars(other).unwrap();
    let err = load_concise::<LstmCell>(&path, Some(&other))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("vocabulary mismatch") && err.contains("at index 2"),
        "{err}"
    );
    let shorter = Vocab::from_text("我想要");
    let err = load_concise::<LstmCell>(&path, Some(&shorter))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!(
            "the checkpoint has {} characters, 3 were expected",
            v.len()
        )),
        "{err}"
    );

    // A vocabulary that does not fit the model is refused when saving.
    let err = save_concise(
        &path,
        &model::<LstmCell>(RnnConfig::new(v.len(), 8), 0),
        &shorter,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("3 characters") && err.contains(&v.len().to_string()),
        "{err}"
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn a_concise_kind_without_its_options_is_an_error_not_a_panic() {
    let v = vocab();
    let path = temp_path("no-options.safetensors");
    // Metadata says concise GRU, but no layer options (and scratch tensors).
    save_checkpoint(&path, &get_params(v.len(), 8, 0), &v, "gru", "concise", 8).unwrap();
    let err = load_any(&path).unwrap_err().to_string();
    assert!(
        err.contains("metadata has no") && err.contains("save_concise"),
        "{err}"
    );
    std::fs::remove_file(&path).ok();
}

#[test]
fn saving_is_atomic_and_replaces_the_old_file() {
    let v = vocab();
    let dir = temp_path("atomic-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    let a = RNNModel::new(Rnn::new(RnnConfig::new(v.len(), 4), 0).unwrap(), v.len(), 0).unwrap();
    let b = RNNModel::new(Rnn::new(RnnConfig::new(v.len(), 4), 1).unwrap(), v.len(), 1).unwrap();
    save_concise(&path, &a, &v).unwrap();
    save_concise(&path, &b, &v).unwrap();
    let (loaded, _) = load_concise::<RnnCell>(&path, None).unwrap();
    assert_eq!(loaded.params, b.params);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, [std::ffi::OsString::from("model.safetensors")]);
    std::fs::remove_dir_all(&dir).ok();
}
