//! `d2l-rnn book-outputs`: trains every model of the book with the settings the chapters
//! state and writes what the chapters show (training logs, histories, the results table, the
//! curves) into `book/src/generated/`; `--check` does the same into a temporary folder and
//! compares, timings aside, so CI knows the committed outputs are current.

mod cells;
mod compare;
mod figures;
mod inside;

use super::train::{run_train, Engine, TrainOptions};
use compare::compare_dirs;
use d2l_rnn::checkpoint::Implementation;
use d2l_rnn::data::Sampling;
use d2l_rnn::nn::ModelKind;
use d2l_rnn::train::{format_epoch_line, History};
use d2l_rnn::{Error, Result};
use figures::{clipping_figures, corpus_figures, temperature_texts, Figures};
use std::path::{Path, PathBuf};

/// One training run shown in the book.
struct Run {
    /// File stem in `generated/`.
    name: &'static str,
    /// Legend of the curves (the plots' text is English).
    label: &'static str,
    /// Row of the results table (the book's prose is Chinese).
    row: &'static str,
    kind: ModelKind,
    implementation: Implementation,
    sampling: Sampling,
    /// The section's perplexity after epoch 250, where it reports one.
    section: Option<f64>,
}

const RUNS: [Run; 7] = [
    run(
        "rnn-random",
        "RNN, from scratch, random",
        "RNN，从零开始，随机采样",
        ModelKind::Rnn,
        false,
        Sampling::Random,
        Some(1.296450),
    ),
    run(
        "rnn-consecutive",
        "RNN, from scratch, consecutive",
        "RNN，从零开始，相邻采样",
        ModelKind::Rnn,
        false,
        Sampling::Consecutive,
        Some(1.166600),
    ),
    run(
        "gru-scratch",
        "GRU, from scratch",
        "GRU，从零开始，相邻采样",
        ModelKind::Gru,
        false,
        Sampling::Consecutive,
        None,
    ),
    run(
        "lstm-scratch",
        "LSTM, from scratch",
        "LSTM，从零开始，相邻采样",
        ModelKind::Lstm,
        false,
        Sampling::Consecutive,
        None,
    ),
    run(
        "rnn-concise",
        "RNN, concise (Adam)",
        "RNN，简洁实现（Adam）",
        ModelKind::Rnn,
        true,
        Sampling::Consecutive,
        Some(1.020480),
    ),
    run(
        "gru-concise",
        "GRU, concise (Adam)",
        "GRU，简洁实现（Adam）",
        ModelKind::Gru,
        true,
        Sampling::Consecutive,
        None,
    ),
    run(
        "lstm-concise",
        "LSTM, concise (Adam)",
        "LSTM，简洁实现（Adam）",
        ModelKind::Lstm,
        true,
        Sampling::Consecutive,
        None,
    ),
];

const fn run(
    name: &'static str,
    label: &'static str,
    row: &'static str,
    kind: ModelKind,
    concise: bool,
    sampling: Sampling,
    section: Option<f64>,
) -> Run {
    let implementation = if concise {
        Implementation::Concise
    } else {
        Implementation::Scratch
    };
    Run {
        name,
        label,
        row,
        kind,
        implementation,
        sampling,
        section,
    }
}

/// The run whose trained model writes at several temperatures (its greedy texts loop).
const TEMPERATURE_RUN: &str = "gru-concise";

/// The from-scratch RNN trained on the first nine tenths only, measured on the last tenth.
const HELD_OUT: Run = run(
    "rnn-heldout",
    "RNN, from scratch, 10 % held out",
    "RNN，从零开始，留出最后一成",
    ModelKind::Rnn,
    false,
    Sampling::Consecutive,
    None,
);

/// Writes the book's outputs into `dir`, or with `check` compares fresh ones with `dir`'s;
/// then does the same for the outputs shown under the cells of the chapters in `dir`'s
/// parent folder (alone with `cells_only`). Returns whether all agree (always true when
/// writing).
pub fn book_outputs(dir: &Path, check: bool, cells_only: bool) -> Result<bool> {
    let chapters = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .filter(|c| c.join("SUMMARY.md").is_file())
        .ok_or_else(|| Error::InvalidArgument {
            name: "dir",
            value: dir.display().to_string(),
            hint: "name the book's generated folder (book/src/generated), beside SUMMARY.md".into(),
        })?;
    let crate_dir = chapters
        .ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .ok_or_else(|| Error::InvalidArgument {
            name: "dir",
            value: dir.display().to_string(),
            hint: "the book must be inside this crate's folder".into(),
        })?
        .to_path_buf();
    let runs_same = cells_only || training_outputs(dir, check)?;
    let cells_same = cells::check_cells(&chapters, &crate_dir, !check)?;
    Ok(runs_same && cells_same)
}

/// The training runs' outputs (logs, histories, figures, table, curves).
fn training_outputs(dir: &Path, check: bool) -> Result<bool> {
    if check && !dir.is_dir() {
        // Say so now, not after five minutes of training.
        return Err(Error::InvalidArgument {
            name: "dir",
            value: dir.display().to_string(),
            hint: "--check compares with the committed outputs: name the folder that holds them (book/src/generated), or leave --check out to write them".into(),
        });
    }
    let out = if check {
        std::env::temp_dir().join(format!("d2l-rnn-book-outputs-{}", std::process::id()))
    } else {
        dir.to_path_buf()
    };
    std::fs::create_dir_all(&out).map_err(|source| Error::Io {
        path: out.clone(),
        source,
    })?;
    let mut histories = Vec::new();
    let mut figures = Figures::new();
    let checkpoint = |name: &str| out.join(format!("{name}.safetensors"));
    let keeps_model =
        |name: &str| name == TEMPERATURE_RUN || inside::TRAINED.iter().any(|(n, _)| *n == name);
    for (i, r) in RUNS.iter().enumerate() {
        println!("\n# [{}/{}] {}", i + 1, RUNS.len() + 1, r.label);
        let json = out.join(format!("{}.json", r.name));
        let mut o = options(r, json.clone());
        if keeps_model(r.name) {
            o.save = Some(checkpoint(r.name));
        }
        run_train(o)?;
        let history: History = read_json(&json)?;
        write(
            &out.join(format!("{}.txt", r.name)),
            &training_log(&history),
        )?;
        clipping_figures(&mut figures, r.name, &history);
        histories.push(history);
    }
    let corpus = d2l_rnn::data::load_data_jay_lyrics()?;
    corpus_figures(&mut figures, &corpus);
    let texts = temperature_texts(
        &checkpoint(TEMPERATURE_RUN),
        &["分开", "不分开"],
        &corpus.corpus_indices,
        &mut figures,
        TEMPERATURE_RUN,
    )?;
    inside::inside_outputs(&out, &corpus, checkpoint, &histories[1], &mut figures)?;
    for r in RUNS.iter().filter(|r| keeps_model(r.name)) {
        let _ = std::fs::remove_file(checkpoint(r.name));
    }
    write(
        &out.join(format!("{TEMPERATURE_RUN}-temperature.txt")),
        &texts,
    )?;
    println!(
        "\n# [{}/{}] {}",
        RUNS.len() + 1,
        RUNS.len() + 1,
        HELD_OUT.label
    );
    let json = out.join(format!("{}.json", HELD_OUT.name));
    run_train(TrainOptions {
        valid_frac: 0.1,
        ..options(&HELD_OUT, json.clone())
    })?;
    let held_out = read_json(&json)?;
    if let Some(last) = held_out.epochs.last() {
        figures.insert("rnn-heldout.train_perplexity".into(), last.perplexity);
        if let Some(valid) = last.valid_perplexity {
            figures.insert("rnn-heldout.heldout_perplexity".into(), valid);
        }
    }
    inside::clipping_runs(&out, &mut figures)?;
    write(&out.join("figures.json"), &figures::to_json(&figures))?;
    write(&out.join("results.md"), &results_table(&histories))?;
    let all: Vec<(&str, &History)> = RUNS.iter().map(|r| r.label).zip(&histories).collect();
    d2l_rnn::plot::save_perplexity_svg(out.join("perplexity-all.svg"), &all)?;
    d2l_rnn::plot::save_perplexity_svg(
        out.join("perplexity-sampling.svg"),
        &[("random", &histories[0]), ("consecutive", &histories[1])],
    )?;
    if !check {
        println!("\nbook outputs written to {}", dir.display());
        return Ok(true);
    }
    let mut names: Vec<String> = RUNS
        .iter()
        .flat_map(|r| [format!("{}.json", r.name), format!("{}.txt", r.name)])
        .collect();
    names.extend(
        [
            "rnn-heldout.json",
            "gru-concise-temperature.txt",
            "gradient-fresh.svg",
            "gradient-trained.svg",
            "gradient.json",
            "units.html",
            "temperatures.html",
            "rnn-clip1.json",
            "clipping.svg",
            "figures.json",
            "results.md",
            "perplexity-all.svg",
            "perplexity-sampling.svg",
        ]
        .map(String::from),
    );
    let same = compare_dirs(&out, dir, &names)?;
    let _ = std::fs::remove_dir_all(&out);
    Ok(same)
}

fn options(r: &Run, history: PathBuf) -> TrainOptions {
    TrainOptions {
        model: Some(r.kind),
        implementation: Some(r.implementation),
        engine: Engine::Fast,
        sampling: Some(r.sampling),
        epochs: 250,
        hidden: None,
        lr: None,
        clip: None,
        batch_size: None,
        num_steps: None,
        seed: Some(0),
        corpus: None,
        max_chars: None,
        history: Some(history),
        save: None,
        load: None,
        plot: None,
        valid_frac: 0.0,
        pred_period: 50,
        pred_len: 50,
        prefixes: vec!["分开".into(), "不分开".into()],
        num_layers: None,
        bidirectional: false,
        nonlinearity: None,
    }
}

/// The run as the section prints it: every 50 epochs the epoch line and the texts.
fn training_log(h: &History) -> String {
    let mut log = String::new();
    for r in &h.epochs {
        let samples: Vec<_> = h.samples.iter().filter(|s| s.epoch == r.epoch).collect();
        if samples.is_empty() {
            continue;
        }
        log.push_str(&format_epoch_line(r));
        log.push('\n');
        for s in samples {
            log.push_str(&format!(" - {}\n", s.text));
        }
    }
    log
}

/// The book's results table: perplexity after epochs 50 and 250, beside the section's.
fn results_table(histories: &[History]) -> String {
    let mut t = String::from(
        "| 模型 | 第 50 个迭代周期 | 第 250 个迭代周期 | 原书（第 250 个迭代周期） |\n|------|-----:|-----:|-----:|\n",
    );
    for (r, h) in RUNS.iter().zip(histories) {
        let at = |epoch: usize| {
            h.epochs
                .iter()
                .find(|e| e.epoch == epoch)
                .map_or("—".into(), |e| format!("{:.6}", e.perplexity))
        };
        let section = r.section.map_or("—".into(), |p| format!("{p:.6}"));
        t.push_str(&format!(
            "| {} | {} | {} | {section} |\n",
            r.row,
            at(50),
            at(250)
        ));
    }
    t
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn read_json(path: &Path) -> Result<History> {
    let text = read(path)?;
    serde_json::from_str(&text).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

fn write(path: &Path, text: &str) -> Result<()> {
    d2l_rnn::io::write_atomic(path, text.as_bytes())
}
