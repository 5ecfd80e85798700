//! Evaluation metrics and protocols for instructrec (pure Rust).
