//! The built-in templates and user templates added in code or from files.

use std::collections::{BTreeMap, BTreeSet};

use instructrec_instruct::{
    FormKind, InstructError, IntentionKind, PreferenceKind, SlotValues, TaskKind, Template,
    TemplateKey, TemplateRegistry, TemplateSpec,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// The (P, I) pairs the tasks use.
fn task_combinations() -> BTreeSet<(PreferenceKind, IntentionKind)> {
    TaskKind::ALL
        .into_iter()
        .flat_map(|kind| {
            kind.intentions()
                .iter()
                .map(move |&i| (kind.preference(), i))
        })
        .collect()
}

#[test]
fn builtin_templates_cover_every_task_combination_with_paraphrases() {
    let registry = TemplateRegistry::builtin();
    assert!(registry.len() >= 39, "only {} templates", registry.len());
    let combinations = task_combinations();
    assert_eq!(combinations.len(), 6);

    let mut expected = BTreeMap::new();
    for &(preference, intention) in &combinations {
        for form in FormKind::ALL {
            for (with_context, count) in [(false, 2), (true, 1)] {
                let key = TemplateKey {
                    preference,
                    intention,
                    form,
                    with_context,
                };
                expected.insert(key, count);
            }
        }
    }
    assert_eq!(registry.counts(), expected);
    assert_eq!(registry.len(), 72);
}

#[test]
fn every_builtin_template_renders_all_its_slots() {
    let registry = TemplateRegistry::builtin();
    for template in registry.iter() {
        let mut values = SlotValues::new();
        for &slot in template.slots() {
            values.set(slot, format!("<{}>", slot.name()));
        }
        let text = template.render(&values).unwrap();
        for &slot in template.slots() {
            assert!(
                text.contains(&format!("<{}>", slot.name())),
                "{}: {text}",
                template.id()
            );
        }
        assert!(!text.contains(['{', '}']), "{}: {text}", template.id());
        assert_eq!(template.key().required_slots(), template.slots());
        assert_eq!(registry.get(template.id()).unwrap(), template);
        // A missing value is an error naming the template, never a half-filled text.
        let (&first, rest) = template.slots().split_first().unwrap();
        let mut partial = SlotValues::new();
        for &slot in rest {
            partial.set(slot, "x");
        }
        let err = template.render(&partial).unwrap_err();
        assert!(matches!(err, InstructError::MissingSlot { slot, .. } if slot == first));
    }
}

#[test]
fn choice_is_seeded_and_reaches_every_paraphrase() {
    let registry = TemplateRegistry::builtin();
    let key = TemplateKey {
        preference: PreferenceKind::Implicit,
        intention: IntentionKind::None,
        form: FormKind::Reranking,
        with_context: false,
    };
    let draw = |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        registry.choose(key, &mut rng).unwrap().id().to_owned()
    };
    assert_eq!(draw(3), draw(3));
    let drawn: BTreeSet<String> = (0..32).map(draw).collect();
    let all: BTreeSet<String> = registry
        .templates_for(key)
        .map(|t| t.id().to_owned())
        .collect();
    assert_eq!(drawn, all);
    assert_eq!(all.len(), 2);
}

fn spec(id: &str, text: &str) -> TemplateSpec {
    TemplateSpec {
        id: id.into(),
        preference: PreferenceKind::None,
        intention: IntentionKind::Specific,
        form: FormKind::Matching,
        slots: vec!["intention".into()],
        text: text.into(),
    }
}

#[test]
fn users_add_templates_in_code() {
    let mut registry = TemplateRegistry::new();
    let key = TemplateKey {
        preference: PreferenceKind::None,
        intention: IntentionKind::Specific,
        form: FormKind::Matching,
        with_context: false,
    };
    let mut rng = StdRng::seed_from_u64(0);
    assert!(matches!(
        registry.choose(key, &mut rng),
        Err(InstructError::NoTemplate { .. })
    ));
    registry
        .add(Template::new(spec("mine", "Shop for: {intention}")).unwrap())
        .unwrap();
    assert_eq!(registry.choose(key, &mut rng).unwrap().id(), "mine");
    let duplicate = registry.add(Template::new(spec("mine", "Again: {intention}")).unwrap());
    assert!(matches!(duplicate, Err(InstructError::DuplicateTemplate(id)) if id == "mine"));
    assert!(
        matches!(registry.get("yours"), Err(InstructError::UnknownTemplate(id)) if id == "yours")
    );
    assert_eq!(registry.len(), 1);
}

#[test]
fn users_add_templates_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.json");
    let file = serde_json::json!({ "templates": [
        spec("shop-a", "Shop for: {intention}"),
        spec("shop-b", "Buy: {intention}"),
    ]});
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap()).unwrap();
    let mut registry = TemplateRegistry::builtin();
    let before = registry.len();
    assert_eq!(registry.add_file(&path).unwrap(), 2);
    assert_eq!(registry.len(), before + 2);
    assert_eq!(registry.get("shop-b").unwrap().text(), "Buy: {intention}");
    // Adding the same file again fails as a whole and names the file and the template.
    let err = registry.add_file(&path).unwrap_err().to_string();
    assert!(
        err.contains("mine.json") && err.contains("duplicate template id `shop-a`"),
        "{err}"
    );
    assert_eq!(registry.len(), before + 2);
}

#[test]
fn malformed_template_files_are_rejected_with_file_and_template() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, contents: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    };
    let mut registry = TemplateRegistry::new();

    let syntax = write("syntax.json", "{\"templates\": [\n  {\"id\": \"x\",\n}");
    let err = registry.add_file(&syntax).unwrap_err().to_string();
    assert!(
        err.contains("syntax.json") && err.contains("line 3"),
        "{err}"
    );

    let bad_slot = serde_json::json!({"templates": [
        spec("fine", "Shop: {intention}"),
        spec("broken", "Shop: {intention} {title}"),
    ]});
    let path = write("bad_slot.json", &bad_slot.to_string());
    let err = registry.add_file(&path).unwrap_err().to_string();
    assert!(
        err.contains("bad_slot.json")
            && err.contains("template `broken`")
            && err.contains("{title}"),
        "{err}"
    );
    assert!(registry.is_empty(), "a bad file adds nothing");

    let unknown_field = write(
        "field.json",
        r#"{"templates": [{"id": "x", "preference": "P0", "intention": "I2", "form": "T2", "slots": ["intention"], "text": "{intention}", "lang": "en"}]}"#,
    );
    let err = registry.add_file(&unknown_field).unwrap_err().to_string();
    assert!(err.contains("field.json") && err.contains("lang"), "{err}");

    let bad_code = write(
        "code.json",
        r#"{"templates": [{"id": "x", "preference": "P3", "intention": "I2", "form": "T2", "slots": [], "text": ""}]}"#,
    );
    assert!(registry
        .add_file(&bad_code)
        .unwrap_err()
        .to_string()
        .contains("P3"));

    let missing = dir.path().join("absent.json");
    let err = registry.add_file(&missing).unwrap_err();
    assert!(
        matches!(&err, InstructError::TemplateFile { error, .. } if matches!(**error, InstructError::Io { .. }))
    );
    assert!(err.to_string().contains("absent.json"));
}
