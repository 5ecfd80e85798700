//! Evaluation protocols (design §3): which items a target is ranked against.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::MetricsError;

/// Which candidates a held-out target is ranked against. Every reported number states it.
///
/// The text form is the CLI syntax and also the serde form: `full`, `sampled:100`, `rerank:19`.
///
/// ```
/// use instructrec_metrics::Protocol;
/// let protocol: Protocol = "sampled:100".parse()?;
/// assert_eq!(protocol, Protocol::Sampled { negatives: 100 });
/// assert_eq!(protocol.to_string(), "sampled:100");
/// assert!("sampled:0".parse::<Protocol>().is_err());
/// # Ok::<(), instructrec_metrics::MetricsError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Protocol {
    /// Rank the target among every catalog item, with the user's history removed. The honest
    /// protocol (RecBole; Klenitskiy & Vasilev 2023).
    Full,
    /// Rank the target among `negatives` items sampled uniformly (seeded) from the items the user
    /// never touched — the SASRec paper protocol, only for comparing with numbers published so.
    Sampled { negatives: usize },
    /// Rank the target among `candidates` other items from a candidate provider (uniform by
    /// default), shuffled with the seed — the LLM-reranking protocol (LlamaRec: 19).
    Rerank { candidates: usize },
}

impl Protocol {
    /// Number of non-target items ranked with each target: `None` under full ranking, where it
    /// depends on the user's history.
    pub fn other_candidates(&self) -> Option<usize> {
        match *self {
            Protocol::Full => None,
            Protocol::Sampled { negatives } => Some(negatives),
            Protocol::Rerank { candidates } => Some(candidates),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Full => f.write_str("full"),
            Protocol::Sampled { negatives } => write!(f, "sampled:{negatives}"),
            Protocol::Rerank { candidates } => write!(f, "rerank:{candidates}"),
        }
    }
}

impl FromStr for Protocol {
    type Err = MetricsError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: &str| MetricsError::InvalidProtocol {
            input: input.to_owned(),
            reason: reason.to_owned(),
        };
        let (name, count) = match input.trim().split_once(':') {
            Some((name, count)) => (name, Some(count)),
            None => (input.trim(), None),
        };
        let parse_count = || -> Result<usize, MetricsError> {
            let count = count.ok_or_else(|| invalid("missing the number of candidates"))?;
            match count.trim().parse::<usize>() {
                Ok(0) => Err(invalid("the number of candidates must be at least 1")),
                Ok(count) => Ok(count),
                Err(_) => Err(invalid("the number of candidates is not a whole number")),
            }
        };
        match name {
            "full" if count.is_none() => Ok(Protocol::Full),
            "full" => Err(invalid("`full` takes no number")),
            "sampled" => Ok(Protocol::Sampled {
                negatives: parse_count()?,
            }),
            "rerank" => Ok(Protocol::Rerank {
                candidates: parse_count()?,
            }),
            _ => Err(invalid("unknown protocol name")),
        }
    }
}

impl TryFrom<String> for Protocol {
    type Error = MetricsError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Protocol> for String {
    fn from(protocol: Protocol) -> Self {
        protocol.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_the_cli_syntax() {
        for (text, protocol) in [
            ("full", Protocol::Full),
            ("sampled:100", Protocol::Sampled { negatives: 100 }),
            ("rerank:19", Protocol::Rerank { candidates: 19 }),
        ] {
            assert_eq!(text.parse::<Protocol>().unwrap(), protocol);
            assert_eq!(protocol.to_string(), text);
        }
        assert_eq!(
            " rerank: 19 ".parse::<Protocol>().unwrap(),
            Protocol::Rerank { candidates: 19 }
        );
    }

    #[test]
    fn rejects_malformed_protocols() {
        for text in [
            "",
            "Full",
            "full:3",
            "sampled",
            "sampled:",
            "sampled:0",
            "sampled:-1",
            "rerank:x",
            "random:5",
        ] {
            let error = text.parse::<Protocol>().unwrap_err();
            assert!(
                matches!(error, MetricsError::InvalidProtocol { .. }),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn serde_uses_the_text_form() {
        let json = serde_json::to_string(&Protocol::Sampled { negatives: 100 }).unwrap();
        assert_eq!(json, "\"sampled:100\"");
        let back: Protocol = serde_json::from_str("\"rerank:19\"").unwrap();
        assert_eq!(back, Protocol::Rerank { candidates: 19 });
        assert!(serde_json::from_str::<Protocol>("\"rerank:0\"").is_err());
    }
}
