//! `cargo bench --features bench-internals --bench parts [-- --hidden N]`: where one mini-batch of the
//! from-scratch RNN spends its time at the section's settings (hidden size
//! 256 unless given; median of 40 batches each).

mod common;
use common::median;
use d2l_rnn::data::data_iter_consecutive;
use d2l_rnn::fast::RnnFast;
use d2l_rnn::loss::softmax_cross_entropy;
use d2l_rnn::model::RecurrentModel;
use d2l_rnn::optim::{grad_clipping, sgd};
use ndarray::Array2;
use std::time::Instant;

fn main() {
    let corpus = common::lyrics_or_exit();
    let batches: Vec<_> = match data_iter_consecutive(&corpus.corpus_indices, 32, 35) {
        Ok(it) => it.collect(),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let args: Vec<String> = std::env::args().collect();
    let hidden = match args.iter().position(|a| a == "--hidden") {
        Some(i) => {
            let value = args.get(i + 1).map_or("", String::as_str);
            match value.parse::<usize>() {
                Ok(h) if h > 0 => h,
                _ => {
                    eprintln!("error: --hidden {value:?}: give a positive whole number, e.g. --hidden 512");
                    std::process::exit(2);
                }
            }
        }
        None => 256,
    };
    println!("hidden size {hidden}");
    let mut model = RnnFast::init(corpus.vocab_size(), hidden, 0);
    let mut d_logits = Array2::<f32>::zeros((32 * 35, corpus.vocab_size()));
    let mut times = [vec![], vec![], vec![], vec![]];
    for i in 0..41 {
        let (x, y) = &batches[i % batches.len()];
        let mut state = model.begin_state(32);
        let t0 = Instant::now();
        let logits = model.forward(x.view(), &mut state);
        let t1 = Instant::now();
        softmax_cross_entropy(logits, y.view(), d_logits.view_mut());
        let t2 = Instant::now();
        model.backward(d_logits.view());
        let t3 = Instant::now();
        let (params, grads) = model.params_and_grads();
        grad_clipping(grads, 0.01);
        sgd(params, grads, 100.0, 1);
        let t4 = Instant::now();
        if i > 0 {
            for (k, (a, b)) in [(t0, t1), (t1, t2), (t2, t3), (t3, t4)]
                .into_iter()
                .enumerate()
            {
                times[k].push((b - a).as_secs_f64() * 1e3);
            }
        }
    }
    let names = [
        "forward",
        "softmax + cross-entropy",
        "backward (BPTT)",
        "clip + sgd",
    ];
    let mut total = 0.0;
    for (name, t) in names.iter().zip(times) {
        let m = median(t);
        total += m;
        println!("{name:<24} {m:7.3} ms");
    }
    println!(
        "{:<24} {total:7.3} ms per mini-batch, x8 per epoch",
        "total"
    );

    // The exponential alone, over as many elements as one mini-batch's logits.
    use d2l_rnn::fast::kernels::math::Exp;
    let xs: Vec<f32> = (0..32 * 35 * 1027)
        .map(|i| -((i % 1000) as f32) * 0.01)
        .collect();
    let mut ys = vec![0.0f32; xs.len()];
    for (name, fast) in [("exp_fast", true), ("f32::exp", false)] {
        let t = median(
            (0..11)
                .map(|_| {
                    let start = Instant::now();
                    if fast {
                        ys.iter_mut().zip(&xs).for_each(|(y, &x)| *y = x.exp_fast());
                    } else {
                        ys.iter_mut().zip(&xs).for_each(|(y, &x)| *y = x.exp());
                    }
                    std::hint::black_box(&ys);
                    start.elapsed().as_secs_f64() * 1e9 / xs.len() as f64
                })
                .collect(),
        );
        println!("{name:<24} {t:7.3} ns per element");
    }
}
