//! The command line's own parts (the binary's, not the library's): the
//! `train` subcommand and its progress bar, `inspect`, `book-outputs` and `book-runner`.

pub mod book_outputs;
pub mod book_runner;
pub mod inspect;
pub mod new_model;
pub mod options;
pub mod progress;
pub mod train;
