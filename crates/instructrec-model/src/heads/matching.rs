//! Matching (retrieval): softmax over an item table, with log-Q correction for sampled tables.

use std::str::FromStr;

use burn::prelude::*;
use rand::Rng;

use super::sampler::PopularitySampler;
use super::{
    check_vectors, cross_entropy, tempered_candidate_scores, tempered_scores, RecommenderHead,
};
use crate::{check, ItemSet, ModelError, Result};

/// Which items a matching step scores each query against.
///
/// The text form (command lines) is `full`, `in-batch` or `sampled:<num_negatives>`:
///
/// ```
/// use instructrec_model::heads::Negatives;
/// assert_eq!("sampled:1024".parse::<Negatives>()?, Negatives::Sampled { num_negatives: 1024 });
/// assert_eq!("in-batch".parse::<Negatives>()?, Negatives::InBatch);
/// assert!("sampled:0".parse::<Negatives>().is_err());
/// # Ok::<(), instructrec_model::ModelError>(())
/// ```
#[derive(Config, Debug, PartialEq)]
pub enum Negatives {
    /// Full softmax: every catalog item.
    Full,
    /// The items of the batch (histories and targets of every query) — "in-batch negatives".
    InBatch,
    /// The items of the batch plus this many items drawn from a [`PopularitySampler`]
    /// (mixed negative sampling).
    Sampled {
        /// Items drawn per step (shared by all queries of the batch).
        num_negatives: usize,
    },
}

impl FromStr for Negatives {
    type Err = ModelError;

    fn from_str(input: &str) -> Result<Self> {
        let invalid = |message: &str| ModelError::InvalidConfig {
            field: "negatives",
            message: format!("`{input}`: {message} (expected full, in-batch or sampled:<count>)"),
        };
        match input.trim().split_once(':') {
            None if input.trim() == "full" => Ok(Negatives::Full),
            None if input.trim() == "in-batch" => Ok(Negatives::InBatch),
            Some(("sampled", count)) => match count.trim().parse::<usize>() {
                Ok(0) => Err(invalid("at least one negative is needed")),
                Ok(num_negatives) => Ok(Negatives::Sampled { num_negatives }),
                Err(_) => Err(invalid("the count is not a whole number")),
            },
            _ => Err(invalid("unknown kind of negatives")),
        }
    }
}

/// Hyper-parameters of a [`MatchingHead`].
#[derive(Config, Debug)]
pub struct MatchingHeadConfig {
    /// Which items the softmax runs over.
    #[config(default = "Negatives::Full")]
    pub negatives: Negatives,
    /// Subtract each item's log sampling probability from its logit (log-Q correction, Yi et al.
    /// 2019) when the table is a sample; ignored for [`Negatives::Full`].
    #[config(default = true)]
    pub logq_correction: bool,
    /// Logits are `score / temperature`.
    #[config(default = 1.0)]
    pub temperature: f64,
}

impl MatchingHeadConfig {
    /// Checks that the hyper-parameters are usable.
    pub fn validate(&self) -> Result<()> {
        check::positive_real("temperature", self.temperature)?;
        if let Negatives::Sampled { num_negatives } = self.negatives {
            check::positive(&[("num_negatives", num_negatives)])?;
        }
        Ok(())
    }

    /// Validates the config and builds the head.
    pub fn init(&self) -> Result<MatchingHead> {
        self.validate()?;
        Ok(MatchingHead {
            config: self.clone(),
        })
    }
}

/// The target of a matching step.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchingTarget {
    /// The table row of each query's positive item.
    pub positives: Vec<u32>,
    /// Per table row: the log-probability that the row's item is in a sampled table, subtracted
    /// from its logit. `None` for no correction.
    pub log_q: Option<Vec<f32>>,
}

/// Softmax cross-entropy of each query's positive item against an item table.
///
/// Logits are `q . v / temperature - log_q(v)`. With [`Negatives::Full`] the table is the
/// catalog; otherwise it is a sample and `log_q` removes the sample's popularity bias. Since
/// the table holds each item once, a positive is never counted as its own negative.
///
/// Use [`MatchingHead::plan`] to fill the item table and build the target for the configured
/// negatives.
#[derive(Debug, Clone)]
pub struct MatchingHead {
    config: MatchingHeadConfig,
}

impl MatchingHead {
    /// The head's configuration.
    pub fn config(&self) -> &MatchingHeadConfig {
        &self.config
    }

    /// Adds what the configured negatives need to `items` (which already holds the batch's
    /// history items, if the query tower reads them from the same table) and builds the target
    /// for the given positive items (catalog ids, one per query).
    ///
    /// [`Negatives::Full`] adds every catalog item; [`Negatives::InBatch`] adds the positives;
    /// [`Negatives::Sampled`] adds the positives and `num_negatives` draws from `sampler`.
    /// Log-Q needs `sampler` (its probabilities); errors if it is missing, if its catalog size
    /// differs from the item set's, or if a positive is outside the catalog.
    pub fn plan<R: Rng + ?Sized>(
        &self,
        items: &mut ItemSet,
        positives: &[u32],
        sampler: Option<&PopularitySampler>,
        rng: &mut R,
    ) -> Result<MatchingTarget> {
        if let Some(sampler) = sampler {
            if sampler.num_items() != items.num_items() {
                return Err(ModelError::InvalidInput {
                    name: "sampler",
                    message: format!(
                        "sampler over {} items for a catalog of {}",
                        sampler.num_items(),
                        items.num_items()
                    ),
                });
            }
        }
        let needs_sampler = |purpose: &str| ModelError::InvalidInput {
            name: "sampler",
            message: format!(
                "{:?} negatives need a popularity sampler {purpose}",
                self.config.negatives
            ),
        };
        let positives = items.insert_all(positives)?;
        match self.config.negatives {
            Negatives::Full => {
                for item in 0..items.num_items() as u32 {
                    items.insert(item)?;
                }
                return Ok(MatchingTarget {
                    positives,
                    log_q: None,
                });
            }
            Negatives::InBatch => {}
            Negatives::Sampled { num_negatives } => {
                let sampler = sampler.ok_or_else(|| needs_sampler("to draw from"))?;
                for _ in 0..num_negatives {
                    items.insert(sampler.sample(rng))?;
                }
            }
        }
        let log_q = if self.config.logq_correction {
            let sampler = sampler.ok_or_else(|| needs_sampler("for log-Q correction"))?;
            Some(items.ids().iter().map(|&id| sampler.log_prob(id)).collect())
        } else {
            None
        };
        Ok(MatchingTarget { positives, log_q })
    }
}

impl<B: Backend> RecommenderHead<B> for MatchingHead {
    type Target = MatchingTarget;

    fn score(&self, queries: Tensor<B, 2>, items: Tensor<B, 2>) -> Tensor<B, 2> {
        tempered_scores(queries, items, self.config.temperature)
    }

    fn score_candidates(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        candidates: &[u32],
        per_query: usize,
    ) -> Result<Tensor<B, 2>> {
        tempered_candidate_scores(
            queries,
            items,
            candidates,
            per_query,
            self.config.temperature,
        )
    }

    fn loss(
        &self,
        queries: Tensor<B, 2>,
        items: Tensor<B, 2>,
        target: &MatchingTarget,
    ) -> Result<Tensor<B, 1>> {
        let (_, m) = check_vectors(&queries, &items)?;
        let mut logits = RecommenderHead::<B>::score(self, queries, items);
        if let Some(log_q) = &target.log_q {
            if log_q.len() != m {
                return Err(ModelError::InvalidInput {
                    name: "log_q",
                    message: format!("{} log-probabilities for a table of {m} items", log_q.len()),
                });
            }
            if let Some(bad) = log_q.iter().find(|value| !value.is_finite()) {
                return Err(ModelError::InvalidInput {
                    name: "log_q",
                    message: format!("log-probability {bad} is not finite"),
                });
            }
            let log_q = Tensor::<B, 1>::from_data(log_q.as_slice(), &logits.device());
            logits = logits - log_q.unsqueeze_dim::<2>(0);
        }
        cross_entropy(logits, &target.positives, "positives")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{score_push, toy, value, A};
    use super::super::PopularitySamplerConfig;
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn head(negatives: Negatives, temperature: f64) -> MatchingHead {
        MatchingHeadConfig::new()
            .with_negatives(negatives)
            .with_temperature(temperature)
            .init()
            .unwrap()
    }

    /// `-log softmax(logits)[label]`, by hand.
    fn nll(logits: &[f32], label: usize) -> f32 {
        let log_sum = logits.iter().map(|z| z.exp()).sum::<f32>().ln();
        log_sum - logits[label]
    }

    #[test]
    fn loss_matches_a_hand_computed_softmax() {
        let (queries, items) = toy();
        let target = MatchingTarget {
            positives: vec![0, 3, 1],
            log_q: None,
        };
        let loss = head(Negatives::Full, 0.5)
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let q = queries.to_data().to_vec::<f32>().unwrap();
        let v = items.to_data().to_vec::<f32>().unwrap();
        let dot = |a: usize, b: usize| (0..3).map(|k| q[a * 3 + k] * v[b * 3 + k]).sum::<f32>();
        let expected = (0..3)
            .map(|a| {
                let logits: Vec<f32> = (0..4).map(|b| dot(a, b) / 0.5).collect();
                nll(&logits, target.positives[a] as usize)
            })
            .sum::<f32>()
            / 3.0;
        assert!(
            (value(&loss) - expected).abs() < 1e-5,
            "{} vs {expected}",
            value(&loss)
        );
    }

    #[test]
    fn log_q_lowers_popular_items() {
        let (queries, items) = toy();
        let queries = queries.slice(s![0..1]);
        let log_q = vec![-0.5f32, -3.0, -1.0, -2.0];
        let target = MatchingTarget {
            positives: vec![2],
            log_q: Some(log_q.clone()),
        };
        let loss = head(Negatives::InBatch, 1.0)
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let q = queries.to_data().to_vec::<f32>().unwrap();
        let v = items.to_data().to_vec::<f32>().unwrap();
        let logits: Vec<f32> = (0..4)
            .map(|b| (0..3).map(|k| q[k] * v[b * 3 + k]).sum::<f32>() - log_q[b])
            .collect();
        assert!((value(&loss) - nll(&logits, 2)).abs() < 1e-5);
    }

    #[test]
    fn gradient_pushes_the_positive_up_and_negatives_down() {
        let (queries, items) = toy();
        let queries = queries.slice(s![1..2]).detach().require_grad();
        let target = MatchingTarget {
            positives: vec![2],
            log_q: None,
        };
        let loss = head(Negatives::Full, 1.0)
            .loss(queries.clone(), items.clone(), &target)
            .unwrap();
        let push = score_push(loss, &queries, &items, &[(0, 2), (0, 0), (0, 1), (0, 3)]);
        assert!(push[0] > 0.0, "positive pushed {push:?}");
        assert!(
            push[1..].iter().all(|&p| p < 0.0),
            "negatives pushed {push:?}"
        );
    }

    #[test]
    fn rejects_bad_targets() {
        let (queries, items) = toy();
        let head = head(Negatives::Full, 1.0);
        let cases = [
            (vec![0, 1], None, "positives"),
            (vec![0, 1, 4], None, "positives"),
            (vec![0, 1, 2], Some(vec![0.0; 3]), "log_q"),
            (vec![0, 1, 2], Some(vec![0.0, f32::NAN, 0.0, 0.0]), "log_q"),
        ];
        for (positives, log_q, name) in cases {
            let target = MatchingTarget { positives, log_q };
            match RecommenderHead::<A>::loss(&head, queries.clone(), items.clone(), &target) {
                Err(ModelError::InvalidInput { name: n, .. }) => assert_eq!(n, name),
                other => panic!("expected an error on `{name}`, got {other:?}"),
            }
        }
        let narrow = items.slice(s![.., 0..2]);
        assert!(RecommenderHead::<A>::loss(
            &head,
            queries,
            narrow,
            &MatchingTarget {
                positives: vec![0, 0, 0],
                log_q: None
            }
        )
        .is_err());
    }

    #[test]
    fn plan_fills_the_table_for_each_negative_mode() {
        let sampler = PopularitySamplerConfig::new()
            .init(&[5, 0, 1, 9, 2, 0])
            .unwrap();
        let mut rng = StdRng::seed_from_u64(7);

        let mut full = ItemSet::new(6);
        full.insert_all(&[4]).unwrap();
        let target = head(Negatives::Full, 1.0)
            .plan(&mut full, &[3, 4], None, &mut rng)
            .unwrap();
        assert_eq!(full.len(), 6);
        assert_eq!(target.positives, vec![1, 0]);
        assert_eq!(target.log_q, None);

        let mut batch = ItemSet::new(6);
        let target = head(Negatives::InBatch, 1.0)
            .plan(&mut batch, &[3, 0, 3], Some(&sampler), &mut rng)
            .unwrap();
        assert_eq!(batch.ids(), &[3, 0]);
        assert_eq!(target.positives, vec![0, 1, 0]);
        assert_eq!(
            target.log_q,
            Some(vec![sampler.log_prob(3), sampler.log_prob(0)])
        );

        let mut sampled = ItemSet::new(6);
        let target = head(Negatives::Sampled { num_negatives: 20 }, 1.0)
            .plan(&mut sampled, &[1], Some(&sampler), &mut rng)
            .unwrap();
        assert_eq!(sampled.ids()[0], 1);
        assert!(sampled.len() > 2, "20 draws over 6 items add several");
        assert_eq!(target.log_q.map(|q| q.len()), Some(sampled.len()));

        let err = head(Negatives::Sampled { num_negatives: 2 }, 1.0)
            .plan(&mut ItemSet::new(6), &[1], None, &mut rng)
            .unwrap_err();
        assert!(err.to_string().contains("sampler"), "{err}");
        assert!(head(Negatives::InBatch, 1.0)
            .plan(&mut ItemSet::new(7), &[1], Some(&sampler), &mut rng)
            .is_err());
        assert!(MatchingHeadConfig::new()
            .with_temperature(0.0)
            .init()
            .is_err());
        assert!(MatchingHeadConfig::new()
            .with_negatives(Negatives::Sampled { num_negatives: 0 })
            .init()
            .is_err());
    }
}
