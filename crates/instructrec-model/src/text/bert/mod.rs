//! Pretrained BERT-family encoders loaded from Hugging Face directories.

mod config;
mod encoder;
mod weights;

pub use config::BertConfig;
pub use encoder::BertEncoder;
