//! Tokenization: exact ids against the reference implementation, batching, training and
//! save / reload.

mod common;

use instructrec_data::shared_path;
use instructrec_instruct::{
    DatasetGenerator, GeneratorConfig, InstructError, InstructionGenerator, InstructionRequest,
    SubwordModel, TaskKind, TextTokenizer, TokenizerTrainingConfig, TrainingCorpus, SPECIAL_TOKENS,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    sentences: Vec<ReferenceSentence>,
}

#[derive(Deserialize)]
struct ReferenceSentence {
    text: String,
    input_ids: Vec<u32>,
}

/// The MiniLM tokenizer and its reference ids; missing shared data fails the test (the error
/// says to set `INSTRUCTREC_SHARED`).
fn minilm() -> (TextTokenizer, Reference) {
    let dir = shared_path("models/all-MiniLM-L6-v2").expect("shared data");
    let tokenizer = TextTokenizer::from_file(dir.join("tokenizer.json")).unwrap();
    let reference = std::fs::read_to_string(dir.join("reference.json")).unwrap();
    (tokenizer, serde_json::from_str(&reference).unwrap())
}

#[test]
fn minilm_ids_match_the_reference_implementation() {
    let (tokenizer, reference) = minilm();
    assert_eq!(reference.sentences.len(), 4);
    assert_eq!(tokenizer.vocab_size(), 30_522);
    assert_eq!(
        tokenizer.max_len(),
        128,
        "the file's truncation length is kept"
    );
    for sentence in &reference.sentences {
        assert_eq!(
            tokenizer.encode(&sentence.text).unwrap(),
            sentence.input_ids,
            "{}",
            sentence.text
        );
    }
}

#[test]
fn a_batch_is_padded_to_its_longest_text_with_a_mask() {
    let (tokenizer, reference) = minilm();
    let texts: Vec<&str> = reference
        .sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    let batch = tokenizer.encode_batch(&texts).unwrap();
    let longest = reference
        .sentences
        .iter()
        .map(|s| s.input_ids.len())
        .max()
        .unwrap();
    assert_eq!((batch.batch_size, batch.seq_len), (4, longest));
    assert_eq!(batch.ids.len(), 4 * longest);
    for (row, sentence) in reference.sentences.iter().enumerate() {
        let n = sentence.input_ids.len();
        assert_eq!(batch.tokens(row), sentence.input_ids.as_slice());
        assert!(batch.ids_row(row)[n..]
            .iter()
            .all(|&id| id == tokenizer.pad_id()));
        assert_eq!(batch.mask_row(row)[..n], vec![1; n][..]);
        assert!(batch.mask_row(row)[n..].iter().all(|&m| m == 0));
    }
    assert_eq!(tokenizer.pad_id(), 0);
    let empty = tokenizer.encode_batch::<&str>(&[]).unwrap();
    assert_eq!(
        (empty.batch_size, empty.seq_len, empty.ids.len()),
        (0, 0, 0)
    );
}

#[test]
fn long_texts_are_truncated_and_keep_their_end_token() {
    let (tokenizer, reference) = minilm();
    let tokenizer = tokenizer.with_max_len(6).unwrap();
    let long = &reference.sentences[1];
    let ids = tokenizer.encode(&long.text).unwrap();
    assert_eq!(ids.len(), 6);
    assert_eq!(ids[..5], long.input_ids[..5]);
    assert_eq!(ids[5], 102, "[SEP] closes a truncated text");
    let batch = tokenizer.encode_batch(&[long.text.as_str(), "hi"]).unwrap();
    assert_eq!(batch.seq_len, 6);
    assert!(matches!(
        tokenizer.with_max_len(2),
        Err(InstructError::InvalidConfig {
            name: "max_len",
            ..
        })
    ));
}

#[test]
fn missing_and_malformed_tokenizer_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("absent.json");
    let err = TextTokenizer::from_file(&missing).unwrap_err();
    assert!(matches!(err, InstructError::Io { .. }));
    assert!(err.to_string().contains("absent.json"));
    let malformed = dir.path().join("tokenizer.json");
    std::fs::write(&malformed, "{\"model\": 3}").unwrap();
    let err = TextTokenizer::from_file(&malformed).unwrap_err();
    assert!(matches!(err, InstructError::Tokenizer { .. }), "{err}");
    assert!(err.to_string().contains("tokenizer.json"), "{err}");
}

/// The dataset's own text plus instructions generated from it.
fn corpus() -> TrainingCorpus {
    let dataset = common::movie_dataset();
    let mut corpus = TrainingCorpus::from_dataset(&dataset);
    let generator = DatasetGenerator::new(&dataset, GeneratorConfig::default()).unwrap();
    let alice = dataset.lookup_user("alice").unwrap();
    let instructions = TaskKind::ALL.into_iter().map(|kind| {
        let request = InstructionRequest::leave_last_out(&dataset, kind, alice).unwrap();
        generator.generate_seeded(&request, 1).unwrap().text
    });
    corpus.extend(instructions);
    corpus
}

#[test]
fn the_corpus_holds_items_categories_reviews_and_instructions() {
    let corpus = corpus();
    let has = |needle: &str| corpus.texts().iter().any(|text| text.contains(needle));
    assert!(has("Toy Story (1995)") && has("Children's") && has("sheepdogs"));
    assert!(has("Great tension and suspense throughout.") && has("Gripping heist"));
    assert!(has("The user has recently") || has("history"));
    let mut blank = TrainingCorpus::new();
    blank.extend(["", "   "]);
    assert!(blank.is_empty());
}

/// A 300-piece vocabulary: small enough for the test corpus to fill it.
fn small_config(model: SubwordModel) -> TokenizerTrainingConfig {
    TokenizerTrainingConfig {
        model,
        vocab_size: 300,
        min_frequency: 1,
        max_len: 32,
    }
}

#[test]
fn trained_tokenizers_put_special_tokens_first_and_reload_identically() {
    let corpus = corpus();
    let samples = [
        "The user has recently watched: Heat (1995); Casino (1995).",
        "I'm in the mood for a comedy with talking animals",
        "zebra xylophone",
    ];
    for model in [SubwordModel::WordPiece, SubwordModel::Bpe] {
        let config = small_config(model);
        let tokenizer = TextTokenizer::train(&corpus, &config).unwrap();
        for (id, token) in SPECIAL_TOKENS.iter().enumerate() {
            assert_eq!(
                tokenizer.token_id(token),
                Some(id as u32),
                "{model:?} {token}"
            );
        }
        assert!(
            tokenizer.vocab_size() <= 300,
            "{model:?}: {}",
            tokenizer.vocab_size()
        );
        assert!(
            tokenizer.vocab_size() > 100,
            "{model:?}: {}",
            tokenizer.vocab_size()
        );
        let batch = tokenizer.encode_batch(&samples).unwrap();
        for row in 0..samples.len() {
            let tokens = batch.tokens(row);
            assert_eq!(
                (tokens[0], *tokens.last().unwrap()),
                (2, 3),
                "[CLS] … [SEP]"
            );
        }
        // A frequent corpus word is one token, not spelled out letter by letter.
        let heat = tokenizer.encode("heat").unwrap();
        assert_eq!(heat.len(), 3, "{model:?}: {heat:?}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        tokenizer.save(&path).unwrap();
        let reloaded = TextTokenizer::from_file(&path).unwrap();
        assert_eq!(reloaded.encode_batch(&samples).unwrap(), batch, "{model:?}");
        assert_eq!((reloaded.max_len(), reloaded.pad_id()), (32, 0));
    }
}

#[test]
fn training_rejects_an_empty_corpus_and_a_tiny_vocabulary() {
    let config = TokenizerTrainingConfig::default();
    let err = TextTokenizer::train(&TrainingCorpus::new(), &config).unwrap_err();
    assert!(err.to_string().contains("empty corpus"), "{err}");
    let tiny = TokenizerTrainingConfig {
        vocab_size: 5,
        ..config
    };
    let err = TextTokenizer::train(&corpus(), &tiny).unwrap_err();
    assert!(matches!(
        err,
        InstructError::InvalidConfig {
            name: "vocab_size",
            ..
        }
    ));
}

/// Same corpus, same config → same vocabulary, with the same ids: otherwise a model trained in
/// one process reads other tokens in the next, and a resumed run cannot find its own data.
#[test]
fn tokenizer_training_is_reproducible() {
    let corpus = corpus();
    for model in [SubwordModel::WordPiece, SubwordModel::Bpe] {
        let config = small_config(model);
        let vocab = || {
            let mut vocab: Vec<(String, u32)> = TextTokenizer::train(&corpus, &config)
                .unwrap()
                .inner()
                .get_vocab(true)
                .into_iter()
                .collect();
            vocab.sort_unstable();
            vocab
        };
        let first = vocab();
        for _ in 0..4 {
            assert_eq!(vocab(), first, "{model:?}");
        }
    }
}
