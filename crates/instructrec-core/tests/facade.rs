//! The facade end to end on tiny synthetic data: train → save → load answers the same, tasks
//! the data cannot state are skipped with a reason, and bad input gives clear errors.

use instructrec_core::data::{Dataset, DatasetBuilder, Interaction, SyntheticConfig};
use instructrec_core::instruct::{PreferenceKind, TaskKind, TokenizerTrainingConfig};
use instructrec_core::train::{ProgressMode, TaskMix};
use instructrec_core::{
    default_trainer, CoreError, Device, EvaluationOptions, Recommender, RecommenderConfig,
    TextEncoder,
};

fn dataset(num_items: usize) -> Dataset {
    SyntheticConfig {
        num_users: 40,
        num_items,
        num_categories: 4,
        mean_interactions: 12.0,
        ..SyntheticConfig::default()
    }
    .generate()
    .unwrap()
}

/// A tiny model trained for one short epoch.
fn tiny() -> RecommenderConfig {
    let mut trainer = default_trainer()
        .with_batch_size(32)
        .with_progress(ProgressMode::Silent);
    trainer.data = trainer.data.with_max_history(8).with_task_mix(
        TaskMix::new()
            .with_instructions_per_user(1)
            .with_rerank_candidates(5),
    );
    RecommenderConfig::new()
        .with_d_model(16)
        .with_n_layers(1)
        .with_d_ff(32)
        .with_tokenizer(TokenizerTrainingConfig {
            vocab_size: 400,
            ..TokenizerTrainingConfig::default()
        })
        .with_trainer(trainer)
        .with_epochs(1)
        .with_seed(3)
}

fn trained(data: &Dataset) -> Recommender {
    let mut recommender = Recommender::new(data, tiny(), Device::Cpu).unwrap();
    let summary = recommender.fit(data).unwrap();
    assert_eq!(summary.epochs, 1);
    assert!(summary.sequences_per_second > 0.0);
    recommender
}

#[test]
fn a_saved_and_loaded_recommender_answers_and_evaluates_the_same() {
    let data = dataset(50);
    let recommender = trained(&data);
    let history = ["i03", "i07", "i11"];
    let answer = recommender
        .explain("a quest with dragons and magic", &history, 6)
        .unwrap();
    assert_eq!(answer.items.len(), 6);
    assert!(answer
        .items
        .iter()
        .all(|item| !history.contains(&item.id.as_str())));
    assert!(answer
        .items
        .windows(2)
        .all(|pair| pair[0].score >= pair[1].score));
    let explanation = answer.explanation.as_ref().unwrap();
    let mut attended: Vec<&str> = explanation.history.iter().map(|i| i.id.as_str()).collect();
    attended.sort_unstable();
    assert_eq!(attended, history);
    assert!(explanation.instruction.iter().any(|w| w.word == "dragons"));
    let plain = recommender
        .recommend("a quest with dragons and magic", &history, 6)
        .unwrap();
    assert!(plain.explanation.is_none());
    // Without attention asked for, the fused attention kernel answers: the same items, the
    // same scores up to rounding.
    assert_eq!(plain.items.len(), answer.items.len());
    for (fused, explicit) in plain.items.iter().zip(&answer.items) {
        assert_eq!(fused.id, explicit.id);
        assert!(
            (fused.score - explicit.score).abs() < 1e-4,
            "{fused:?} {explicit:?}"
        );
    }

    let options = EvaluationOptions::new();
    let evaluation = recommender.evaluate(&data, &options).unwrap();
    assert_eq!(
        evaluation.results.len(),
        TaskKind::ALL.len(),
        "{evaluation}"
    );
    assert!(evaluation.skipped.is_empty());
    for (task, scores) in &evaluation.results {
        let metric = if *task == TaskKind::Pointwise {
            "AUC"
        } else {
            "NDCG@10"
        };
        let value = scores.metric(metric).unwrap();
        assert!((0.0..=1.0).contains(&value), "{task}: {value}");
        assert_eq!(evaluation.popularity[task].users(), scores.users());
        // Item-kNN ranks from the history alone: reported for the tasks that read one.
        let reads_history =
            *task != TaskKind::Pointwise && task.preference() == PreferenceKind::Implicit;
        match evaluation.item_knn.get(task) {
            Some(item_knn) => {
                assert!(reads_history, "{task}");
                assert_eq!(item_knn.users(), scores.users());
                assert_ne!(item_knn, &evaluation.popularity[task], "{task}");
            }
            None => assert!(!reads_history, "{task}"),
        }
        // The strata by the target's training count partition the task's users, so their
        // user-weighted HR@10 is the task's.
        let strata = evaluation.by_target_count.get(task);
        assert_eq!(strata.is_some(), *task != TaskKind::Pointwise, "{task}");
        if let Some(strata) = strata {
            let labels = ["0", "1–4", "5–19", "20–99", "100+"];
            let mut last = None;
            let (mut users, mut hits) = (0, 0.0);
            for stratum in strata {
                let index = labels.iter().position(|&l| l == stratum.training_count);
                assert!(
                    index > last,
                    "{task}: {:?} out of order",
                    stratum.training_count
                );
                last = index;
                assert_eq!(stratum.popularity.users(), stratum.model.users());
                match &stratum.item_knn {
                    Some(item_knn) => assert_eq!(item_knn.users(), stratum.model.users()),
                    None => assert!(!evaluation.item_knn.contains_key(task), "{task}"),
                }
                users += stratum.model.users();
                hits += stratum.model.metric("HR@10").unwrap() * stratum.model.users() as f64;
            }
            assert_eq!(users, scores.users(), "{task}");
            let hr = scores.metric("HR@10").unwrap();
            assert!((hits / users as f64 - hr).abs() < 1e-9, "{task}");
        }
    }
    let unstratified = recommender
        .evaluate(&data, &options.clone().with_target_count_bounds(vec![]))
        .unwrap();
    assert!(unstratified.by_target_count.is_empty());
    assert_eq!(unstratified.results, evaluation.results);

    let dir = tempfile::tempdir().unwrap();
    recommender.save(dir.path()).unwrap();
    let loaded = Recommender::load(dir.path(), Device::Cpu).unwrap();
    assert_eq!(
        loaded
            .explain("a quest with dragons and magic", &history, 6)
            .unwrap(),
        answer
    );
    assert_eq!(loaded.evaluate(&data, &options).unwrap(), evaluation);
    assert_eq!(loaded.dataset(), recommender.dataset());
    assert_eq!(loaded.train_counts(), recommender.train_counts());
}

#[test]
fn bad_input_gives_clear_errors() {
    let data = dataset(50);
    let recommender = trained(&data);

    assert!(matches!(
        recommender.recommend("anything", &["i03", "no-such-item"], 5),
        Err(CoreError::UnknownItem(id)) if id == "no-such-item"
    ));
    assert!(matches!(
        recommender.recommend("anything", &["i03"], 0),
        Err(CoreError::InvalidArgument { name: "k", .. })
    ));
    let other = dataset(60);
    assert!(matches!(
        recommender.evaluate(&other, &EvaluationOptions::new()),
        Err(CoreError::DatasetMismatch(_))
    ));
    assert!(matches!(
        recommender.evaluate(&data, &EvaluationOptions::new().with_tasks(vec![])),
        Err(CoreError::InvalidConfig { field: "tasks", .. })
    ));
    assert!(matches!(
        Recommender::new(&data, tiny().with_d_model(0), Device::Cpu),
        Err(CoreError::InvalidConfig {
            field: "d_model",
            ..
        })
    ));
    let missing_encoder = tiny().with_text_encoder(TextEncoder::Pretrained {
        dir: "/no/such/encoder".into(),
    });
    let error = Recommender::new(&data, missing_encoder, Device::Cpu).unwrap_err();
    assert!(error.to_string().contains("/no/such/encoder"), "{error}");
    #[cfg(not(feature = "cuda"))]
    assert!(matches!(
        Recommender::new(&data, tiny(), Device::Cuda(0)),
        Err(CoreError::CudaNotCompiled(0))
    ));

    let missing = tempfile::tempdir().unwrap();
    assert!(matches!(
        Recommender::load(missing.path().join("nothing here"), Device::Cpu),
        Err(CoreError::Io { .. })
    ));

    // A directory of another format version, and one whose weights were damaged.
    let dir = tempfile::tempdir().unwrap();
    recommender.save(dir.path()).unwrap();
    let manifest = dir.path().join("recommender.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let version = format!("\"format_version\": {}", instructrec_core::FORMAT_VERSION);
    assert!(text.contains(&version));
    std::fs::write(&manifest, text.replace(&version, "\"format_version\": 99")).unwrap();
    let error = Recommender::load(dir.path(), Device::Cpu).unwrap_err();
    assert!(
        matches!(&error, CoreError::Format { .. }) && error.to_string().contains("version 99"),
        "{error}"
    );
    std::fs::write(&manifest, text).unwrap();
    Recommender::load(dir.path(), Device::Cpu).unwrap();
    let weights = dir.path().join("model").join("weights.mpk");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        Recommender::load(dir.path(), Device::Cpu),
        Err(CoreError::Model(_))
    ));
}

#[test]
fn a_dataset_of_bare_ids_reports_the_tasks_it_can_state_and_why_not_the_others() {
    let mut builder = DatasetBuilder::new("ids-only");
    for u in 0..30u32 {
        let user = builder.user(&format!("u{u}"));
        for t in 0..8u32 {
            let item = builder.item(&format!("{}", (u * 3 + t * 7) % 40));
            builder.push(Interaction {
                user,
                item,
                rating: 1.0,
                timestamp: i64::from(t),
                review: None,
            });
        }
    }
    let data = builder.build();
    let mut recommender = Recommender::new(&data, tiny(), Device::Cpu).unwrap();
    recommender.fit(&data).unwrap();
    let evaluation = recommender
        .evaluate(&data, &EvaluationOptions::new())
        .unwrap();
    for task in [TaskKind::Sequential, TaskKind::Pointwise] {
        assert!(evaluation.results.contains_key(&task), "{evaluation}");
    }
    for task in [
        TaskKind::ProductSearch,
        TaskKind::PersonalizedSearch,
        TaskKind::VagueIntent,
        TaskKind::ExplicitPreference,
    ] {
        assert!(!evaluation.results.contains_key(&task), "{evaluation}");
        assert!(!evaluation.skipped[&task].is_empty());
    }
    let answer = recommender
        .recommend("what next?", &["3", "10"], 3)
        .unwrap();
    assert_eq!(answer.items.len(), 3);
}
