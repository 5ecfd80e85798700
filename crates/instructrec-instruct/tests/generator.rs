//! The dataset-driven generator on a small dataset whose tastes and reviews are known.

mod common;

use std::collections::BTreeSet;

use instructrec_data::{Dataset, ItemIdx, UserIdx};
use instructrec_instruct::{
    DatasetGenerator, FormKind, GeneratorConfig, InstructError, Instruction, InstructionGenerator,
    InstructionRequest, Intention, IntentionKind, Preference, TaskForm, TaskKind, TemplateRegistry,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

fn user(dataset: &Dataset, raw: &str) -> UserIdx {
    dataset.lookup_user(raw).unwrap()
}

fn item(dataset: &Dataset, raw: &str) -> ItemIdx {
    dataset.catalog.lookup(raw).unwrap()
}

fn generate(dataset: &Dataset, kind: TaskKind, raw_user: &str, seed: u64) -> Instruction {
    let generator = DatasetGenerator::new(dataset, GeneratorConfig::default()).unwrap();
    let request =
        InstructionRequest::leave_last_out(dataset, kind, user(dataset, raw_user)).unwrap();
    generator.generate_seeded(&request, seed).unwrap()
}

fn history(instruction: &Instruction) -> &[String] {
    match &instruction.preference {
        Preference::Implicit { history } => history,
        other => panic!("expected an implicit preference, got {other:?}"),
    }
}

fn statement(instruction: &Instruction) -> &str {
    match &instruction.preference {
        Preference::Explicit { statement } => statement,
        other => panic!("expected an explicit preference, got {other:?}"),
    }
}

#[test]
fn sequential_shows_the_recent_history_in_order_and_never_the_target() {
    let dataset = common::movie_dataset();
    let instruction = generate(&dataset, TaskKind::Sequential, "alice", 1);
    assert_eq!(instruction.kind, TaskKind::Sequential);
    assert_eq!(instruction.intention, Intention::None);
    assert_eq!(instruction.form, TaskForm::Matching);
    assert_eq!(
        history(&instruction),
        [
            "Heat (1995)",
            "Casino (1995)",
            "Babe (1995)",
            "Seven (Se7en) (1995)",
            "Grumpier Old Men (1995)",
            "Usual Suspects, The (1995)",
            "GoldenEye (1995)"
        ]
    );
    assert!(
        instruction
            .text
            .contains("Heat (1995); Casino (1995); Babe (1995)"),
        "{}",
        instruction.text
    );
    assert!(
        !instruction.text.contains("Toy Story"),
        "{}",
        instruction.text
    );
    assert!(instruction.template_id.starts_with("P1-I0-T2"));
}

#[test]
fn the_history_is_cut_to_the_configured_length_and_to_the_visible_past() {
    let dataset = common::movie_dataset();
    let config = GeneratorConfig {
        history_titles: 2,
        ..GeneratorConfig::default()
    };
    let generator = DatasetGenerator::new(&dataset, config).unwrap();
    let alice = user(&dataset, "alice");
    // Target at position 3 (Seven): only Heat, Casino and Babe are visible, the last two shown.
    let request =
        InstructionRequest::at_position(&dataset, TaskKind::Sequential, alice, 3).unwrap();
    assert_eq!(request.target, item(&dataset, "seven"));
    let instruction = generator.generate_seeded(&request, 3).unwrap();
    assert_eq!(history(&instruction), ["Casino (1995)", "Babe (1995)"]);
    for future in [
        "Seven",
        "Grumpier",
        "Usual Suspects",
        "GoldenEye",
        "Toy Story",
    ] {
        assert!(
            !instruction.text.contains(future),
            "{future} leaked: {}",
            instruction.text
        );
    }
}

#[test]
fn a_target_seen_before_is_left_out_of_the_history() {
    let dataset = common::movie_dataset();
    let instruction = generate(&dataset, TaskKind::PersonalizedSearch, "bob", 5);
    // Bob watched Toy Story first and last; the history keeps the rest in order.
    assert_eq!(
        history(&instruction),
        ["Jumanji (1995)", "Babe (1995)", "Heat (1995)"]
    );
    assert!(
        !instruction.text.contains("Toy Story"),
        "{}",
        instruction.text
    );
}

#[test]
fn explicit_preference_states_rated_tastes_and_own_review_keywords_only() {
    let dataset = common::movie_dataset();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let alice = user(&dataset, "alice");
    let toy = item(&dataset, "toy");
    let mut rng = StdRng::seed_from_u64(11);
    let Preference::Explicit { statement } = generator
        .explicit_preference(alice, 7, toy, &mut rng)
        .unwrap()
    else {
        panic!("explicit preference expected");
    };
    // Crime and thrillers are rated far above her mean, comedies far below.
    assert!(statement.contains("crime and thriller"), "{statement}");
    assert!(statement.contains("comedy"), "{statement}");
    let lower = statement.to_lowercase();
    // Her most used review words; "boring" ties with "gripping" and "tension" on TF-IDF and
    // wins alphabetically, which keeps the choice independent of hash order.
    assert!(
        lower.contains("suspense, boring and gripping"),
        "{statement}"
    );
    // "cowboy" is only in her review of the target; "toy" and "story" only in its title.
    for leaked in ["cowboy", "toy", "story"] {
        assert!(
            !lower.contains(leaked),
            "`{leaked}` leaked into: {statement}"
        );
    }
}

#[test]
fn implicit_feedback_likes_the_most_frequent_category() {
    let dataset = common::movie_dataset();
    let instruction = generate(&dataset, TaskKind::ExplicitPreference, "bob", 2);
    let statement = statement(&instruction);
    // All ratings are 1.0: no dislikes; Children's is the only category seen twice.
    assert!(statement.contains("children's"), "{statement}");
    assert!(
        !statement.contains("dislike") && !statement.contains("avoid"),
        "{statement}"
    );
}

#[test]
fn explicit_preference_task_comes_with_and_without_a_vague_intention() {
    let dataset = common::movie_dataset();
    let kinds: BTreeSet<IntentionKind> = (0..40)
        .map(|seed| {
            generate(&dataset, TaskKind::ExplicitPreference, "alice", seed)
                .intention
                .kind()
        })
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([IntentionKind::None, IntentionKind::Vague])
    );
}

#[test]
fn vague_intention_phrases_a_category_of_the_target_as_a_need() {
    let dataset = common::movie_dataset();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let toy = item(&dataset, "toy");
    let needs: BTreeSet<String> = (0..60)
        .map(|seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            generator
                .vague_intention(toy, &mut rng)
                .unwrap()
                .text()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Toy Story is Animation, Children's and Comedy: each phrased, none by name of the movie.
    assert!(needs.contains("Something for my kids"), "{needs:?}");
    assert!(needs.contains("I'm in the mood for a comedy"), "{needs:?}");
    assert!(
        needs.iter().any(|need| need.contains("animated")),
        "{needs:?}"
    );
    assert!(needs
        .iter()
        .all(|need| !need.to_lowercase().contains("toy story")));
}

#[test]
fn specific_intention_names_attributes_but_not_the_title() {
    let dataset = common::movie_dataset();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let toy = item(&dataset, "toy");
    let mut seen_title_word = false;
    for seed in 0..50 {
        let mut rng = StdRng::seed_from_u64(seed);
        let intention = generator.specific_intention(toy, &mut rng).unwrap();
        let text = intention.text().unwrap().to_lowercase();
        assert_eq!(intention.kind(), IntentionKind::Specific);
        assert!(!text.contains("toy story"), "{text}");
        // At most one of the two title words, and attributes from the catalog.
        assert!(
            !(text.contains("'toy'") && text.contains("'story'")),
            "{text}"
        );
        seen_title_word |= text.contains("'toy'") || text.contains("'story'");
        let attributes = [
            "1995",
            "animation",
            "cowboy",
            "spaceman",
            "doll",
            "comedy",
            "children",
        ];
        assert!(
            attributes.iter().filter(|a| text.contains(*a)).count() >= 1,
            "{text}"
        );
    }
    assert!(seen_title_word);
}

#[test]
fn product_search_states_no_history() {
    let dataset = common::movie_dataset();
    let instruction = generate(&dataset, TaskKind::ProductSearch, "alice", 4);
    assert_eq!(instruction.preference, Preference::None);
    assert_eq!(instruction.intention.kind(), IntentionKind::Specific);
    for watched in ["Heat", "Casino", "Babe", "Toy Story"] {
        assert!(!instruction.text.contains(watched), "{}", instruction.text);
    }
    // Dave has no history at all, which product search does not need.
    let dave = generate(&dataset, TaskKind::ProductSearch, "dave", 4);
    assert!(dave.text.contains("1995"), "{}", dave.text);
}

#[test]
fn every_task_renders_in_every_form_it_allows() {
    let dataset = common::movie_dataset();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let alice = user(&dataset, "alice");
    let (heat, toy, babe) = (
        item(&dataset, "heat"),
        item(&dataset, "toy"),
        item(&dataset, "babe"),
    );
    let forms = [
        TaskForm::Pointwise { item: babe },
        TaskForm::Pairwise {
            first: babe,
            second: toy,
        },
        TaskForm::Matching,
        TaskForm::Reranking {
            candidates: vec![babe, heat, toy],
        },
    ];
    for kind in TaskKind::ALL {
        for form in &forms {
            if kind
                .required_form()
                .is_some_and(|required| required != form.kind())
            {
                continue;
            }
            let request = InstructionRequest::leave_last_out(&dataset, kind, alice)
                .unwrap()
                .with_form(form.clone());
            let instruction = generator.generate_seeded(&request, 9).unwrap();
            assert_eq!(instruction.form.kind(), form.kind());
            assert!(!instruction.text.contains('{'), "{}", instruction.text);
            match form.kind() {
                FormKind::Pointwise => assert!(instruction.text.contains("Babe (1995)")),
                FormKind::Pairwise => {
                    let (b, t) = (
                        instruction.text.find("Babe (1995)"),
                        instruction.text.find("Toy Story (1995)"),
                    );
                    assert!(b.unwrap() < t.unwrap(), "{}", instruction.text);
                }
                FormKind::Matching => {}
                // Candidates are shown in the order given: shuffling is the evaluator's job.
                FormKind::Reranking => assert!(
                    instruction
                        .text
                        .contains("1) Babe (1995); 2) Heat (1995); 3) Toy Story (1995)"),
                    "{}",
                    instruction.text
                ),
            }
        }
    }
}

#[test]
fn context_is_stated_with_a_context_template() {
    let dataset = common::movie_dataset();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let alice = user(&dataset, "alice");
    let request = InstructionRequest::leave_last_out(&dataset, TaskKind::VagueIntent, alice)
        .unwrap()
        .with_context("It is Friday night.");
    let instruction = generator.generate_seeded(&request, 5).unwrap();
    assert!(
        instruction.text.starts_with("It is Friday night."),
        "{}",
        instruction.text
    );
    assert!(instruction.template_id.ends_with("-ctx"));
    assert_eq!(instruction.context.as_deref(), Some("It is Friday night."));
}

#[test]
fn the_same_seed_gives_the_same_instruction_and_seeds_vary_the_wording() {
    let dataset = common::movie_dataset();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let request = InstructionRequest::leave_last_out(
        &dataset,
        TaskKind::PersonalizedSearch,
        user(&dataset, "alice"),
    )
    .unwrap();
    let dynamic: &dyn InstructionGenerator = &generator;
    assert_eq!(
        dynamic.generate_seeded(&request, 42).unwrap(),
        dynamic.generate_seeded(&request, 42).unwrap()
    );
    let texts: BTreeSet<String> = (0..20)
        .map(|seed| dynamic.generate_seeded(&request, seed).unwrap().text)
        .collect();
    let templates: BTreeSet<String> = (0..20)
        .map(|seed| dynamic.generate_seeded(&request, seed).unwrap().template_id)
        .collect();
    assert!(texts.len() >= 5, "{texts:?}");
    assert_eq!(templates.len(), 2, "{templates:?}");
}

#[test]
fn bad_requests_are_errors_not_panics() {
    let dataset = common::movie_dataset();
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let alice = user(&dataset, "alice");
    let heat = item(&dataset, "heat");
    let generate =
        |request: InstructionRequest| generator.generate_seeded(&request, 0).unwrap_err();

    let dave =
        InstructionRequest::leave_last_out(&dataset, TaskKind::Sequential, user(&dataset, "dave"))
            .unwrap();
    assert!(matches!(generate(dave), InstructError::EmptyHistory { .. }));
    let unknown_user = InstructionRequest::new(TaskKind::Sequential, 99, 0, heat);
    assert!(matches!(
        generate(unknown_user),
        InstructError::UnknownUser(99)
    ));
    let unknown_item = InstructionRequest::new(TaskKind::Sequential, alice, 2, 500);
    assert!(matches!(
        generate(unknown_item),
        InstructError::UnknownItem(500)
    ));
    let unknown_candidate = InstructionRequest::new(TaskKind::Sequential, alice, 2, heat)
        .with_form(TaskForm::Reranking {
            candidates: vec![heat, 700],
        });
    assert!(matches!(
        generate(unknown_candidate),
        InstructError::UnknownItem(700)
    ));
    let past_the_end = InstructionRequest::new(TaskKind::Sequential, alice, 50, heat);
    assert!(generate(past_the_end)
        .to_string()
        .contains("history_len 50"));
    let pointwise_matching =
        InstructionRequest::new(TaskKind::Pointwise, alice, 2, heat).with_form(TaskForm::Matching);
    assert!(generate(pointwise_matching)
        .to_string()
        .contains("task `pointwise` is not asked as P1-I0-T2"));
    let same_pair = InstructionRequest::new(TaskKind::Sequential, alice, 2, heat).with_form(
        TaskForm::Pairwise {
            first: heat,
            second: heat,
        },
    );
    assert!(generate(same_pair)
        .to_string()
        .contains("two different items"));
    let no_candidates = InstructionRequest::new(TaskKind::Sequential, alice, 2, heat)
        .with_form(TaskForm::Reranking { candidates: vec![] });
    assert!(generate(no_candidates)
        .to_string()
        .contains("needs candidates"));
    assert!(InstructionRequest::at_position(&dataset, TaskKind::Sequential, alice, 8).is_err());
    assert!(matches!(
        InstructionRequest::leave_last_out(&dataset, TaskKind::Sequential, 99),
        Err(InstructError::UnknownUser(99))
    ));

    // The axis builders check the user as the whole request does.
    let mut rng = StdRng::seed_from_u64(0);
    assert!(matches!(
        generator.implicit_preference(99, 1, heat),
        Err(InstructError::UnknownUser(99))
    ));
    assert!(matches!(
        generator.explicit_preference(99, 1, heat, &mut rng),
        Err(InstructError::UnknownUser(99))
    ));
    assert!(matches!(
        generator.vague_intention(500, &mut rng),
        Err(InstructError::UnknownItem(500))
    ));

    // Carol's target has no title, category or description: neither intention can be stated.
    let carol = user(&dataset, "carol");
    for kind in [TaskKind::VagueIntent, TaskKind::ProductSearch] {
        let request = InstructionRequest::leave_last_out(&dataset, kind, carol).unwrap();
        let mystery = item(&dataset, "mystery");
        assert!(
            matches!(generate(request), InstructError::Unavailable { item, .. } if item == mystery)
        );
    }
}

#[test]
fn bad_configuration_and_missing_templates_are_reported() {
    let dataset = common::movie_dataset();
    let config = GeneratorConfig {
        explicit_vague_probability: -0.1,
        ..GeneratorConfig::default()
    };
    let err = DatasetGenerator::new(&dataset, config).unwrap_err();
    assert!(
        err.to_string().contains("explicit_vague_probability"),
        "{err}"
    );

    let empty = DatasetGenerator::new(&dataset, GeneratorConfig::default())
        .unwrap()
        .with_registry(TemplateRegistry::new());
    let request =
        InstructionRequest::leave_last_out(&dataset, TaskKind::Sequential, user(&dataset, "alice"))
            .unwrap();
    let err = empty.generate_seeded(&request, 0).unwrap_err();
    assert!(matches!(err, InstructError::NoTemplate { .. }));
    assert_eq!(err.to_string(), "no template for P1-I0-T2");
}
