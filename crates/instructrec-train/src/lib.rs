//! Training loops for instructrec: multi-task instruction tuning, schedules, checkpoints.
