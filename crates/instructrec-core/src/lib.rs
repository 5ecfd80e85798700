//! instructrec: recommendation as instruction following. Facade over the instructrec crates.
