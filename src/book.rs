//! The book's chapters as doctests: `cargo test --doc` compiles and runs every Rust block of
//! every chapter of `book/src/` (the order of `book/src/SUMMARY.md`).

#[doc = include_str!("../book/src/introduction.md")]
pub struct IntroductionChapter;

#[doc = include_str!("../book/src/rnn-structure.md")]
pub struct RnnStructureChapter;

#[doc = include_str!("../book/src/data-onehot.md")]
pub struct DataOnehotChapter;

#[doc = include_str!("../book/src/sampling.md")]
pub struct SamplingChapter;

#[doc = include_str!("../book/src/rnn-scratch.md")]
pub struct RnnScratchChapter;

#[doc = include_str!("../book/src/bptt.md")]
pub struct BpttChapter;

#[doc = include_str!("../book/src/clipping-perplexity.md")]
pub struct ClippingPerplexityChapter;

#[doc = include_str!("../book/src/training.md")]
pub struct TrainingChapter;

#[doc = include_str!("../book/src/rnn-concise.md")]
pub struct RnnConciseChapter;

#[doc = include_str!("../book/src/gru.md")]
pub struct GruChapter;

#[doc = include_str!("../book/src/lstm.md")]
pub struct LstmChapter;

#[doc = include_str!("../book/src/inside.md")]
pub struct InsideChapter;

#[doc = include_str!("../book/src/lab.md")]
pub struct LabChapter;

#[doc = include_str!("../book/src/results.md")]
pub struct ResultsChapter;

#[doc = include_str!("../book/src/fast-engine.md")]
pub struct FastEngineChapter;
