//! Text encoders: a small transformer trained from scratch, and pretrained BERT-family encoders.
