//! Validation on several tasks at once: early stopping watches their mean, so a run that trains
//! on instructions keeps the epoch that serves them best, not only plain next-item prediction.

use std::collections::BTreeMap;

use instructrec_instruct::TaskKind;
use instructrec_metrics::EvalReport;
use serde::{Deserialize, Serialize};

/// The validation metrics of one epoch: per task, and their unweighted mean over the tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Metric name → mean over the validated tasks (only metrics every task reports).
    pub mean: BTreeMap<String, f64>,
    /// Task → its metrics.
    pub tasks: BTreeMap<TaskKind, BTreeMap<String, f64>>,
}

impl ValidationReport {
    /// Combines the reports of the validated tasks.
    pub fn from_reports(reports: impl IntoIterator<Item = (TaskKind, EvalReport)>) -> Self {
        let tasks: BTreeMap<TaskKind, BTreeMap<String, f64>> = reports
            .into_iter()
            .map(|(task, report)| (task, report.metrics))
            .collect();
        let mean = match tasks.values().next() {
            None => BTreeMap::new(),
            Some(first) => first
                .keys()
                .filter_map(|name| {
                    let values: Vec<f64> = tasks
                        .values()
                        .filter_map(|metrics| metrics.get(name).copied())
                        .collect();
                    (values.len() == tasks.len()).then(|| {
                        (
                            name.clone(),
                            values.iter().sum::<f64>() / values.len() as f64,
                        )
                    })
                })
                .collect(),
        };
        Self { mean, tasks }
    }

    /// The mean of one metric over the tasks, e.g. `report.metric("NDCG@10")`.
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.mean.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use instructrec_metrics::Protocol;

    use super::*;

    fn report(pairs: &[(&str, f64)]) -> EvalReport {
        EvalReport {
            protocol: Protocol::Full,
            seed: 0,
            users: 3,
            candidates_per_user: None,
            metrics: pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    #[test]
    fn the_mean_covers_the_metrics_every_task_reports() {
        let combined = ValidationReport::from_reports([
            (
                TaskKind::Sequential,
                report(&[("NDCG@10", 0.2), ("HR@10", 0.4)]),
            ),
            (TaskKind::VagueIntent, report(&[("NDCG@10", 0.4)])),
        ]);
        assert!((combined.metric("NDCG@10").unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(combined.metric("HR@10"), None);
        assert_eq!(combined.tasks.len(), 2);
        assert_eq!(ValidationReport::from_reports([]).metric("NDCG@10"), None);
    }
}
