//! The result of a ranking evaluation, with the protocol that produced it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::protocol::Protocol;

pub(crate) const HIT_RATE: &str = "HR";
pub(crate) const RECALL: &str = "Recall";
pub(crate) const NDCG: &str = "NDCG";
pub(crate) const MAP: &str = "MAP";
pub(crate) const COVERAGE: &str = "coverage";
/// Metric names reported at every cut-off k, as `"{name}@{k}"`, in table order.
pub(crate) const CUTOFF_METRICS: [&str; 5] = [HIT_RATE, RECALL, NDCG, MAP, COVERAGE];
/// Metric reported without a cut-off: mean reciprocal rank over the whole list.
pub(crate) const MRR: &str = "MRR";

/// Averages over the evaluated users, stated together with how they were obtained.
///
/// `metrics` keys are `HR@k`, `Recall@k`, `NDCG@k`, `MAP@k`, `coverage@k` for each cut-off k and
/// `MRR`. Serializes to JSON with the protocol in its CLI form (`"sampled:100"`); `Display` prints
/// a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// How candidates were chosen.
    pub protocol: Protocol,
    /// Seed of candidate sampling and shuffling (unused by [`Protocol::Full`], still reported).
    pub seed: u64,
    /// Number of evaluated cases (users).
    pub users: usize,
    /// Size of each ranked list for a single-target case (other candidates + 1); `None` under
    /// full ranking, where it is the catalog minus the user's history.
    pub candidates_per_user: Option<usize>,
    /// Metric name → mean over users (coverage: share of the catalog).
    pub metrics: BTreeMap<String, f64>,
}

impl EvalReport {
    /// The value of one metric, e.g. `report.metric("NDCG@10")`.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics.get(name).copied()
    }

    /// Cut-offs present in the report, ascending.
    fn cutoffs(&self) -> Vec<usize> {
        let mut cutoffs: Vec<usize> = self
            .metrics
            .keys()
            .filter_map(|key| key.split_once('@'))
            .filter_map(|(_, k)| k.parse().ok())
            .collect();
        cutoffs.sort_unstable();
        cutoffs.dedup();
        cutoffs
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protocol {}", self.protocol)?;
        if let Some(candidates) = self.candidates_per_user {
            write!(f, " ({candidates} candidates per user)")?;
        }
        writeln!(f, " · seed {} · {} users", self.seed, self.users)?;

        let cutoffs = self.cutoffs();
        write!(f, "{:<10}", "metric")?;
        for k in &cutoffs {
            write!(f, "{:>9}", format!("@{k}"))?;
        }
        writeln!(f)?;
        for name in CUTOFF_METRICS {
            write!(f, "{name:<10}")?;
            for k in &cutoffs {
                match self.metric(&format!("{name}@{k}")) {
                    Some(value) => write!(f, "{value:>9.4}")?,
                    None => write!(f, "{:>9}", "-")?,
                }
            }
            writeln!(f)?;
        }
        if let Some(mrr) = self.metric(MRR) {
            writeln!(f, "{MRR:<10}{mrr:>9.4}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> EvalReport {
        let metrics = [
            ("HR@1", 0.25),
            ("HR@10", 0.5),
            ("NDCG@10", 0.375),
            ("MRR", 0.3125),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        EvalReport {
            protocol: Protocol::Sampled { negatives: 100 },
            seed: 7,
            users: 4,
            candidates_per_user: Some(101),
            metrics,
        }
    }

    #[test]
    fn displays_a_table_stating_the_protocol() {
        let text = report().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "protocol sampled:100 (101 candidates per user) · seed 7 · 4 users"
        );
        assert_eq!(lines[1], "metric           @1      @10");
        assert_eq!(lines[2], "HR           0.2500   0.5000");
        assert_eq!(lines[4], "NDCG              -   0.3750");
        assert_eq!(lines.last().unwrap(), &"MRR          0.3125");
    }

    #[test]
    fn json_round_trip() {
        let json = serde_json::to_string(&report()).unwrap();
        assert!(json.contains("\"protocol\":\"sampled:100\""));
        let back: EvalReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report());
    }
}
