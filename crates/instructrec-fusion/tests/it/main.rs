//! Integration tests of instructrec-fusion (one binary: burn links slowly).

mod common;
mod encoders;
mod features;
mod fusion;
mod tower;
