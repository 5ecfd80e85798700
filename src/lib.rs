//! Helpers shared by the top-level examples and benchmarks of the instructrec workspace.
