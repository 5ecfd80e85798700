//! The facade: a recommender built from a dataset and a config, trained, evaluated, asked,
//! saved and loaded.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use instructrec_data::{Catalog, Dataset, ItemIdx, Split, UserIdx};
use instructrec_fusion::{ItemFeatures, ItemFeaturesConfig, ItemVectors};
use instructrec_instruct::{
    DatasetGenerator, InstructError, InstructionGenerator, InstructionRequest, TaskKind,
    TextTokenizer, TrainingCorpus, SPECIAL_TOKENS,
};
use instructrec_model::heads::MatchingHead;
use instructrec_model::text::PretrainedTextEmbedder;
use instructrec_model::{Instruction, Request};
use instructrec_train::{instruction_tokenizer, visible_before, EpochRecord, StopReason};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::engine::{dispatch, AnyEngine, Engine, MakeEngine};
use crate::evaluation::EvalInputs;
use crate::persist::{self, CatalogFile, Manifest, TextVectors};
use crate::{
    AttendedItem, AttendedWord, CoreError, Device, Evaluation, EvaluationOptions, Explanation,
    Recommendation, RecommendedItem, RecommenderConfig, Result, TextEncoder,
};

/// Users whose generated instructions join the tokenizer's training text.
const CORPUS_USERS: usize = 1_000;
/// Item texts embedded per forward pass of a pretrained text encoder.
const EMBED_BATCH: usize = 64;

/// The size of the dataset a recommender was built on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// The dataset's name.
    pub name: String,
    /// Users.
    pub users: usize,
    /// Catalog items.
    pub items: usize,
    /// Interactions.
    pub interactions: usize,
}

impl DatasetInfo {
    /// The figures of `dataset`.
    pub fn of(dataset: &Dataset) -> Self {
        Self {
            name: dataset.name.clone(),
            users: dataset.num_users(),
            items: dataset.num_items(),
            interactions: dataset.num_interactions(),
        }
    }
}

/// What a training run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainSummary {
    /// Epochs run (over every resumed part of the run).
    pub epochs: usize,
    /// The epoch whose model was kept (0-based), if any validation metric was finite.
    pub best_epoch: Option<usize>,
    /// Why training ended.
    pub stop: StopReason,
    /// Wall-clock seconds of all epochs, validation included.
    pub seconds: f64,
    /// Training sequences per second (validation excluded).
    pub sequences_per_second: f64,
    /// Supervised next-item targets per second (each prefix of a sequence counts once).
    pub targets_per_second: f64,
    /// Peak resident memory of the process in MiB (`None` off Linux).
    pub peak_rss_mb: Option<f64>,
    /// Validation metrics of the best epoch.
    pub best_validation: BTreeMap<String, f64>,
    /// One record per epoch.
    pub history: Vec<EpochRecord>,
}

/// Recommendation as instruction following, in a few calls.
///
/// [`new`](Self::new) trains a tokenizer on the dataset's training part, builds the item
/// features and a randomly initialised model; [`fit`](Self::fit) trains it on a chronological
/// leave-one-out split (validation on the second-to-last item of every user, early stopping);
/// [`evaluate`](Self::evaluate) reports every task on the last items;
/// [`recommend`](Self::recommend) and [`explain`](Self::explain) answer a free-text instruction
/// for a history of raw item ids; [`save`](Self::save) / [`load`](Self::load) keep everything
/// needed to serve in one directory. See the [crate docs](crate) for an example.
#[derive(Debug)]
pub struct Recommender {
    config: RecommenderConfig,
    device: Device,
    dataset: DatasetInfo,
    catalog: Catalog,
    tokenizer: TextTokenizer,
    /// `tokenizer`, truncating at the model's instruction length (special tokens kept).
    query_tokenizer: TextTokenizer,
    train_counts: Vec<u32>,
    text_vectors: Option<ItemVectors>,
    engine: AnyEngine,
}

impl Recommender {
    /// Builds an untrained recommender for `dataset` on `device`.
    ///
    /// Errors on an invalid config, a dataset without evaluation cases, a pretrained text
    /// encoder directory that cannot be loaded, and an unavailable device.
    pub fn new(dataset: &Dataset, config: RecommenderConfig, device: Device) -> Result<Self> {
        config.validate()?;
        let split = Split::leave_one_out(dataset)?;
        let train = visible_before(&split, None);
        let tokenizer = TextTokenizer::train(&corpus(&train, &config)?, &config.tokenizer)?;
        let train_counts = train.item_counts();
        let features = item_features(
            &dataset.catalog,
            &config.features,
            &tokenizer,
            &train_counts,
        )?;
        let mut text_vectors = None;
        let engine = AnyEngine::open(
            device,
            Build {
                config: &config,
                catalog: &dataset.catalog,
                tokenizer: &tokenizer,
                features,
                text_vectors: &mut text_vectors,
            },
        )?;
        Ok(Self {
            query_tokenizer: query_tokenizer(&tokenizer, &config)?,
            dataset: DatasetInfo::of(dataset),
            catalog: dataset.catalog.clone(),
            config,
            device,
            tokenizer,
            train_counts,
            text_vectors,
            engine,
        })
    }

    /// Trains on `dataset` (the one it was built on) from the current weights, keeping the
    /// model of the best validation epoch. With [`TrainerConfig::run_dir`] set, checkpoints
    /// and a metrics log are written there and the run can be [resumed](Self::resume).
    ///
    /// [`TrainerConfig::run_dir`]: instructrec_train::TrainerConfig::run_dir
    pub fn fit(&mut self, dataset: &Dataset) -> Result<TrainSummary> {
        self.train(dataset, false)
    }

    /// Continues the interrupted run in [`TrainerConfig::run_dir`] from its last checkpoint
    /// (a finished run returns its summary without training).
    ///
    /// [`TrainerConfig::run_dir`]: instructrec_train::TrainerConfig::run_dir
    pub fn resume(&mut self, dataset: &Dataset) -> Result<TrainSummary> {
        self.train(dataset, true)
    }

    fn train(&mut self, dataset: &Dataset, resume: bool) -> Result<TrainSummary> {
        self.check_dataset(dataset)?;
        let split = Split::leave_one_out(dataset)?;
        let (tokenizer, trainer) = (&self.tokenizer, &self.config.trainer);
        dispatch!(&mut self.engine, engine => engine.fit(&split, tokenizer, trainer, resume))
    }

    /// Evaluates every task of `options` on the last item of each user of `dataset` (the one
    /// it was built on), next to the popularity and item-kNN baselines on the same users. Tasks the data
    /// cannot state instructions for are listed in [`Evaluation::skipped`] with the reason.
    pub fn evaluate(&self, dataset: &Dataset, options: &EvaluationOptions) -> Result<Evaluation> {
        self.check_dataset(dataset)?;
        let split = Split::leave_one_out(dataset)?;
        let inputs = EvalInputs {
            split: &split,
            tokenizer: &self.tokenizer,
            data: &self.config.trainer.data,
            train_counts: &self.train_counts,
            options,
        };
        dispatch!(&self.engine, engine => engine.evaluate(&inputs))
    }

    /// The `k` best items for `instruction` (free text) from a user whose history is `history`
    /// (raw item ids, oldest first; may be empty). History items are never recommended.
    ///
    /// Errors if `k` is 0 or a history id is not in the catalog.
    pub fn recommend<S: AsRef<str>>(
        &self,
        instruction: &str,
        history: &[S],
        k: usize,
    ) -> Result<Recommendation> {
        self.answer(instruction, history, k, false)
    }

    /// [`recommend`](Self::recommend), with the attention the model paid to the history items
    /// and to the instruction's words.
    ///
    /// The same items in the same order; scores can differ from `recommend`'s in the last bits,
    /// because returning attention takes the explicit softmax instead of the fused kernel.
    pub fn explain<S: AsRef<str>>(
        &self,
        instruction: &str,
        history: &[S],
        k: usize,
    ) -> Result<Recommendation> {
        self.answer(instruction, history, k, true)
    }

    fn answer<S: AsRef<str>>(
        &self,
        instruction: &str,
        history: &[S],
        k: usize,
        explain: bool,
    ) -> Result<Recommendation> {
        if k == 0 {
            return Err(CoreError::InvalidArgument {
                name: "k",
                message: "must be at least 1".into(),
            });
        }
        let history = history
            .iter()
            .map(|raw| {
                let raw = raw.as_ref();
                self.catalog
                    .lookup(raw)
                    .map_err(|_| CoreError::UnknownItem(raw.to_owned()))
            })
            .collect::<Result<Vec<ItemIdx>>>()?;
        let tokens = self.query_tokenizer.encode(instruction)?;
        let request = Request {
            instruction: Instruction::Tokens(tokens.clone()),
            history: history.clone(),
            exclude: history,
        };
        let answer = dispatch!(&self.engine, engine => engine.recommend(&[request], k, explain))?
            .pop()
            .ok_or_else(|| CoreError::Backend("the model returned no answer".into()))?;
        Ok(Recommendation {
            items: answer
                .items
                .iter()
                .map(|scored| RecommendedItem {
                    id: self.raw_id(scored.item),
                    title: self.catalog.display_name(scored.item),
                    score: scored.score,
                })
                .collect(),
            explanation: answer.explanation.map(|explanation| Explanation {
                history: explanation
                    .history
                    .iter()
                    .map(|scored| AttendedItem {
                        id: self.raw_id(scored.item),
                        title: self.catalog.display_name(scored.item),
                        weight: scored.score,
                    })
                    .collect(),
                instruction: self.words(&tokens, &explanation.instruction),
            }),
        })
    }

    fn raw_id(&self, item: ItemIdx) -> String {
        self.catalog.raw_id(item).unwrap_or_default().to_owned()
    }

    /// The instruction's words with the attention on their pieces summed, strongest first;
    /// `weights` covers the first tokens kept by the model.
    fn words(&self, tokens: &[u32], weights: &[f32]) -> Vec<AttendedWord> {
        let vocabulary = self.tokenizer.inner();
        let mut words: Vec<AttendedWord> = Vec::new();
        for (&id, &weight) in tokens.iter().zip(weights) {
            let Some(token) = vocabulary.id_to_token(id) else {
                continue;
            };
            if SPECIAL_TOKENS.contains(&token.as_str()) {
                continue;
            }
            match (token.strip_prefix("##"), words.last_mut()) {
                (Some(piece), Some(word)) => {
                    word.word.push_str(piece);
                    word.weight += weight;
                }
                _ => words.push(AttendedWord {
                    word: token,
                    weight,
                }),
            }
        }
        words.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        words
    }

    /// Writes everything needed to serve to the directory `dir` (created if needed): see
    /// [`load`](Self::load).
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| CoreError::io(dir, source))?;
        dispatch!(&self.engine, engine => engine.save(&persist::model_dir(dir)))?;
        let tokenizer = dir.join(persist::TOKENIZER_FILE);
        self.tokenizer.save(&tokenizer)?;
        persist::write_json(
            &dir.join(persist::CATALOG_FILE),
            &CatalogFile {
                catalog: self.catalog.clone(),
                train_counts: self.train_counts.clone(),
                text_vectors: self.text_vectors.as_ref().map(TextVectors::from_vectors),
            },
        )?;
        // The manifest goes last: a directory without it is an incomplete save.
        persist::write_json(
            &dir.join(persist::MANIFEST_FILE),
            &Manifest {
                format_version: persist::FORMAT_VERSION,
                config: self.config.clone(),
                dataset: self.dataset.clone(),
            },
        )
    }

    /// Loads a recommender written by [`save`](Self::save) onto `device`.
    ///
    /// Errors if a file is missing or malformed, the format version differs from
    /// [`FORMAT_VERSION`](crate::FORMAT_VERSION), or the model does not fit the saved config and
    /// catalog.
    pub fn load(dir: impl AsRef<Path>, device: Device) -> Result<Self> {
        let dir = dir.as_ref();
        let manifest = persist::read_manifest(dir)?;
        let config = manifest.config;
        config
            .validate()
            .map_err(|e| CoreError::format(dir.join(persist::MANIFEST_FILE), e.to_string()))?;
        let tokenizer = TextTokenizer::from_file(dir.join(persist::TOKENIZER_FILE))?;
        let file = persist::read_catalog(dir, &manifest.dataset)?;
        let mut features = item_features(
            &file.catalog,
            &config.features,
            &tokenizer,
            &file.train_counts,
        )?;
        let text_vectors = file
            .text_vectors
            .map(TextVectors::into_vectors)
            .transpose()?;
        if let Some(vectors) = &text_vectors {
            features = features.with_text_vectors(vectors.clone())?;
        }
        let model_config = config.model(&features, &tokenizer)?;
        let head = config.trainer.matching.init()?;
        let model_dir = persist::model_dir(dir);
        let engine = AnyEngine::open(
            device,
            Load {
                dir: &model_dir,
                config: &model_config,
                features,
                head,
            },
        )?;
        Ok(Self {
            query_tokenizer: query_tokenizer(&tokenizer, &config)?,
            config,
            device,
            dataset: manifest.dataset,
            catalog: file.catalog,
            tokenizer,
            train_counts: file.train_counts,
            text_vectors,
            engine,
        })
    }

    /// The settings.
    pub fn config(&self) -> &RecommenderConfig {
        &self.config
    }

    /// The device it runs on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// The dataset it was built on.
    pub fn dataset(&self) -> &DatasetInfo {
        &self.dataset
    }

    /// The items it recommends from.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The tokenizer of instructions and item text.
    pub fn tokenizer(&self) -> &TextTokenizer {
        &self.tokenizer
    }

    /// Training interactions per item (index = dense item id).
    pub fn train_counts(&self) -> &[u32] {
        &self.train_counts
    }

    /// The item features the model reads.
    pub fn features(&self) -> &ItemFeatures {
        dispatch!(&self.engine, engine => engine.features())
    }

    /// Errors unless `dataset` has the catalog this recommender was built on.
    fn check_dataset(&self, dataset: &Dataset) -> Result<()> {
        let (ours, theirs) = (self.catalog.ids().names(), dataset.catalog.ids().names());
        if ours.len() != theirs.len() {
            return Err(CoreError::DatasetMismatch(format!(
                "`{}` has {} items, the recommender was built on `{}` with {}",
                dataset.name,
                theirs.len(),
                self.dataset.name,
                ours.len()
            )));
        }
        match ours.iter().zip(theirs).position(|(a, b)| a != b) {
            Some(i) => Err(CoreError::DatasetMismatch(format!(
                "item #{i} is `{}` in `{}`, `{}` in the recommender's catalog",
                theirs[i], dataset.name, ours[i]
            ))),
            None => Ok(()),
        }
    }
}

/// The tokenizer's training text: the training part's item content and reviews, and
/// instructions of every task generated from it (for up to [`CORPUS_USERS`] users), so that the
/// templates' words are in the vocabulary even for a dataset of bare ids.
fn corpus(train: &Dataset, config: &RecommenderConfig) -> Result<TrainingCorpus> {
    let mut corpus = TrainingCorpus::from_dataset(train);
    let data = &config.trainer.data;
    let generator = DatasetGenerator::new(train, data.generator.clone())?;
    let mut rng = StdRng::seed_from_u64(data.seed);
    let mut texts = Vec::new();
    for user in (0..train.num_users() as UserIdx).take(CORPUS_USERS) {
        for kind in TaskKind::ALL {
            let request = match InstructionRequest::leave_last_out(train, kind, user) {
                Ok(request) => request,
                // A user without training interactions.
                Err(InstructError::InvalidInstruction(_)) => break,
                Err(other) => return Err(other.into()),
            };
            match generator.generate(&request, &mut rng) {
                Ok(instruction) => texts.push(instruction.text),
                Err(InstructError::EmptyHistory { .. } | InstructError::Unavailable { .. }) => {}
                Err(other) => return Err(other.into()),
            }
        }
    }
    corpus.extend(texts);
    Ok(corpus)
}

/// `tokenizer` truncating at the instruction length of `config`'s model.
fn query_tokenizer(tokenizer: &TextTokenizer, config: &RecommenderConfig) -> Result<TextTokenizer> {
    let max_tokens = config.trainer.data.max_instruction_tokens;
    Ok(instruction_tokenizer(tokenizer, max_tokens)?)
}

/// The item features of `catalog`, with items that have no training interaction marked
/// unknown (their vectors come from content alone).
fn item_features(
    catalog: &Catalog,
    config: &ItemFeaturesConfig,
    tokenizer: &TextTokenizer,
    train_counts: &[u32],
) -> Result<ItemFeatures> {
    let failure = RefCell::new(None);
    let features = ItemFeatures::from_catalog(catalog, config, |text| {
        tokenizer.encode(text).unwrap_or_else(|error| {
            failure.borrow_mut().get_or_insert(error);
            Vec::new()
        })
    });
    if let Some(error) = failure.into_inner() {
        return Err(error.into());
    }
    let mut features = features?;
    let known: Vec<bool> = train_counts.iter().map(|&count| count > 0).collect();
    features.set_known_items(&known)?;
    Ok(features)
}

/// One vector per item with text, from the frozen pretrained encoder in `dir`, over the text the
/// item tower reads.
fn pretrained_text_vectors<I: Backend>(
    dir: &Path,
    catalog: &Catalog,
    config: &ItemFeaturesConfig,
    device: &I::Device,
) -> Result<ItemVectors> {
    let embedder = PretrainedTextEmbedder::<I>::load(dir, device)?;
    let texts: Vec<(ItemIdx, String)> = (0..catalog.len() as ItemIdx)
        .map(|item| (item, config.item_text(catalog, item)))
        .filter(|(_, text)| !text.is_empty())
        .collect();
    if texts.is_empty() {
        return Err(CoreError::config(
            "text_encoder",
            "the catalog has no item text to embed (ids only): use the scratch text encoder",
        ));
    }
    let dim = embedder.d_model();
    let mut vectors = ItemVectors::new(catalog.len(), dim)?;
    for chunk in texts.chunks(EMBED_BATCH * 16) {
        let refs: Vec<&str> = chunk.iter().map(|(_, text)| text.as_str()).collect();
        let values = embedder
            .embed(&refs, EMBED_BATCH)?
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| CoreError::Backend(format!("reading text vectors back: {e:?}")))?;
        for ((item, _), vector) in chunk.iter().zip(values.chunks(dim)) {
            vectors.set(*item, vector)?;
        }
    }
    Ok(vectors)
}

/// Builds a fresh engine: pretrained text vectors (if configured) on the engine's backend, then
/// the model.
struct Build<'a> {
    config: &'a RecommenderConfig,
    catalog: &'a Catalog,
    tokenizer: &'a TextTokenizer,
    features: ItemFeatures,
    /// Receives the pretrained text vectors, which are saved with the recommender.
    text_vectors: &'a mut Option<ItemVectors>,
}

impl MakeEngine for Build<'_> {
    fn make<B: AutodiffBackend>(self, device: B::Device) -> Result<Engine<B>> {
        let mut features = self.features;
        if let TextEncoder::Pretrained { dir } = &self.config.text_encoder {
            let vectors = pretrained_text_vectors::<B::InnerBackend>(
                Path::new(dir),
                self.catalog,
                &self.config.features,
                &device,
            )?;
            features = features.with_text_vectors(vectors.clone())?;
            *self.text_vectors = Some(vectors);
        }
        let model = self.config.model(&features, self.tokenizer)?;
        let head: MatchingHead = self.config.trainer.matching.init()?;
        Engine::init(&model, self.config.trainer.seed, features, head, device)
    }
}

/// Loads a saved model into an engine.
struct Load<'a> {
    dir: &'a Path,
    config: &'a instructrec_model::InstructRecConfig,
    features: ItemFeatures,
    head: MatchingHead,
}

impl MakeEngine for Load<'_> {
    fn make<B: AutodiffBackend>(self, device: B::Device) -> Result<Engine<B>> {
        Engine::load(self.dir, self.config, self.features, self.head, device)
    }
}
