//! Integration tests of the model crate on a tiny synthetic catalog.

mod checkpoint;
mod common;
mod index;
mod model;
