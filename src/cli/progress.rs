//! Training with a progress bar, printing the section's lines as they come.

use d2l_rnn::data::Corpus;
use d2l_rnn::fast::FastReal;
use d2l_rnn::model::RecurrentModelExt;
use d2l_rnn::optim::Optimizer;
use d2l_rnn::train::{format_epoch_line, train, History, TrainConfig, TrainEvent};
use d2l_rnn::Result;
use indicatif::{ProgressBar, ProgressStyle};

/// Trains `model` with a progress bar, printing the section's lines.
pub fn train_with_progress<M, O>(
    model: &mut M,
    optimizer: &mut O,
    corpus: &Corpus,
    cfg: &TrainConfig,
    label: &str,
) -> Result<History>
where
    M: RecurrentModelExt,
    M::Elem: FastReal,
    O: Optimizer<M::Elem>,
{
    cfg.validate()?;
    let bar = ProgressBar::new(cfg.num_epochs as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] epoch {pos}/{len} {msg} ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(label.to_string());
    let mut report = |event: TrainEvent<'_>| match event {
        TrainEvent::Epoch(r) => {
            let valid = r
                .valid_perplexity
                .map_or(String::new(), |v| format!(", held out {v:.3}"));
            bar.set_message(format!("perplexity {:.3}{valid}", r.perplexity));
            bar.inc(1);
        }
        TrainEvent::Predictions(r, texts) => {
            let lines = std::iter::once(format_epoch_line(r))
                .chain(texts.iter().map(|t| format!(" - {t}")));
            for line in lines {
                // A hidden bar (output not a terminal) drops println: print directly then.
                if bar.is_hidden() {
                    println!("{line}");
                } else {
                    bar.println(line);
                }
            }
        }
    };
    let history = train(model, optimizer, corpus, cfg, &mut report);
    bar.finish_and_clear();
    history
}
