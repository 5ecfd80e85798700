//! Multimodal item feature fusion for instructrec (burn).
