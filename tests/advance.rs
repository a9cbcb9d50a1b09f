//! `RecurrentModelExt::advance` (the recurrence without the output layer, used for a prefix)
//! leaves exactly the state that one `forward` per character leaves, bit for bit, for every
//! model; so `predict_rnn` writes the same text as the step-by-step loop of the section.

use d2l_rnn::data::Vocab;
use d2l_rnn::fast::{GruFast, LstmFast, RnnFast};
use d2l_rnn::model::{Parameters, RecurrentModel, RecurrentModelExt};
use d2l_rnn::nn::{GruCell, LstmCell, RNNModel, Recurrent, RnnCell, RnnConfig};
use d2l_rnn::predict::{argmax, predict_rnn};
use d2l_rnn::scratch::GruScratch;
use ndarray::Array2;

const TEXT: &str = "分开不了你说爱我不要再想你一步两步三步四步望着天看星星一颗两颗三颗四颗连成线";

fn bits<P: Parameters<f32>>(p: &P) -> Vec<u32> {
    p.tensors()
        .iter()
        .flat_map(|(_, t)| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>())
        .collect()
}

/// The section's `predict_rnn`: one forward per character, the prefix's outputs dropped.
fn step_by_step<M: RecurrentModel<Elem = f32>>(
    prefix: &[usize],
    n: usize,
    m: &mut M,
) -> Vec<usize> {
    let mut out = prefix.to_vec();
    let mut state = m.begin_state(1);
    for t in 0..n + prefix.len() - 1 {
        let x = Array2::from_elem((1, 1), out[t]);
        let logits = m.forward(x.view(), &mut state);
        if t + 1 >= prefix.len() {
            out.push(argmax(logits.row(0)));
        }
    }
    out
}

fn check<M: RecurrentModelExt<Elem = f32> + Clone>(name: &str, model: M, vocab: &Vocab) {
    let prefix: Vec<usize> = vocab
        .encode(&TEXT[..TEXT.char_indices().nth(30).unwrap().0])
        .unwrap();
    let (mut a, mut b) = (model.clone(), model.clone());
    let mut advanced = a.begin_state(1);
    a.advance(
        Array2::from_shape_fn((1, prefix.len()), |(_, t)| prefix[t]).view(),
        &mut advanced,
    );
    let mut stepped = b.begin_state(1);
    for &c in &prefix {
        let _ = b.forward(Array2::from_elem((1, 1), c).view(), &mut stepped);
    }
    assert_eq!(bits(&advanced), bits(&stepped), "{name}: the states differ");
    assert!(
        bits(&advanced).iter().any(|&v| v != 0),
        "{name}: the state moved"
    );
    let mut c = model.clone();
    let text = predict_rnn(&vocab.decode(&prefix), 20, &mut c, vocab).unwrap();
    let mut d = model;
    assert_eq!(
        text,
        vocab.decode(&step_by_step(&prefix, 20, &mut d)),
        "{name}: the texts differ"
    );
}

#[test]
fn advancing_a_prefix_equals_stepping_through_it() {
    let vocab = Vocab::from_text(TEXT);
    let v = vocab.len();
    check(
        "RnnFast",
        RnnFast::new(spread(d2l_rnn::scratch::get_params(v, 16, 1))),
        &vocab,
    );
    check(
        "GruFast",
        GruFast::new(spread(d2l_rnn::scratch::get_gru_params(v, 16, 2))),
        &vocab,
    );
    check(
        "LstmFast",
        LstmFast::new(spread(d2l_rnn::scratch::get_lstm_params(v, 16, 3))),
        &vocab,
    );
    check(
        "GruScratch (default advance)",
        GruScratch::new(spread(d2l_rnn::scratch::get_gru_params(v, 16, 4))),
        &vocab,
    );
    let rnn = Recurrent::<RnnCell, f32>::new(RnnConfig::new(v, 16), 5).unwrap();
    check("RNNModel<RNN>", RNNModel::new(rnn, v, 6).unwrap(), &vocab);
    let gru = Recurrent::<GruCell, f32>::new(RnnConfig::new(v, 16), 7).unwrap();
    check("RNNModel<GRU>", RNNModel::new(gru, v, 8).unwrap(), &vocab);
    let deep = RnnConfig {
        num_layers: 2,
        bidirectional: true,
        ..RnnConfig::new(v, 16)
    };
    let lstm = Recurrent::<LstmCell, f32>::new(deep, 9).unwrap();
    check(
        "RNNModel<LSTM, 2 layers, bidirectional>",
        RNNModel::new(lstm, v, 10).unwrap(),
        &vocab,
    );
}

/// Weights of N(0, 0.01²) barely move the state; scale them up so that a wrong step shows.
fn spread<P: Parameters<f32>>(mut p: P) -> P {
    for (_, mut t) in p.tensors_mut() {
        t.mapv_inplace(|w| w * 40.0);
    }
    p
}
