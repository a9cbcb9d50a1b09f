//! The command line's own parts (the binary's, not the library's): the
//! `train` subcommand and its progress bar.

pub mod progress;
pub mod train;
