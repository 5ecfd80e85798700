//! The built-in generator: every instruction axis derived from a dataset's own data.

use instructrec_data::{Dataset, InteractionRef, ItemIdx, UserIdx};
use rand::{Rng, RngCore};

use super::item_profile::{build_profiles, ItemProfile};
use super::needs::NeedPhrasebook;
use super::review_index::ReviewIndex;
use super::{GeneratorConfig, InstructionGenerator, InstructionRequest};
use crate::{
    InstructError, Instruction, InstructionSpec, Intention, IntentionKind, Preference,
    PreferenceKind, Result, TaskKind, TemplateRegistry,
};

/// Generates instructions from a dataset's histories, ratings, reviews and item content.
///
/// Construction reads the whole dataset once (word rarity over titles, descriptions and reviews,
/// per-item attributes); each instruction then costs a few microseconds.
#[derive(Debug, Clone)]
pub struct DatasetGenerator<'a> {
    pub(super) dataset: &'a Dataset,
    pub(super) config: GeneratorConfig,
    pub(super) registry: TemplateRegistry,
    pub(super) phrasebook: NeedPhrasebook,
    pub(super) profiles: Vec<ItemProfile>,
    pub(super) reviews: ReviewIndex,
}

impl<'a> DatasetGenerator<'a> {
    /// Reads `dataset` once; uses the built-in templates.
    pub fn new(dataset: &'a Dataset, config: GeneratorConfig) -> Result<Self> {
        config.validate()?;
        let phrasebook = NeedPhrasebook::builtin();
        let profiles = build_profiles(&dataset.catalog, config.description_keywords, |category| {
            phrasebook.is_ignored(category)
        });
        Ok(Self {
            dataset,
            config,
            registry: TemplateRegistry::builtin(),
            phrasebook,
            profiles,
            reviews: ReviewIndex::build(dataset),
        })
    }

    /// Words instructions with `registry` instead of the built-in templates.
    pub fn with_registry(mut self, registry: TemplateRegistry) -> Self {
        self.registry = registry;
        self
    }

    /// The templates in use.
    pub fn registry(&self) -> &TemplateRegistry {
        &self.registry
    }

    /// The dataset it reads.
    pub fn dataset(&self) -> &'a Dataset {
        self.dataset
    }

    /// The content of the instruction for `request`, before it is worded (and validated: see
    /// [`InstructionSpec::render`]).
    pub fn spec(
        &self,
        request: &InstructionRequest,
        rng: &mut dyn RngCore,
    ) -> Result<InstructionSpec> {
        self.check(request)?;
        let InstructionRequest {
            kind,
            user,
            history_len,
            target,
            ..
        } = *request;
        let preference = match kind.preference() {
            PreferenceKind::None => Preference::None,
            PreferenceKind::Implicit => self.implicit_preference(user, history_len, target)?,
            PreferenceKind::Explicit => self.explicit_preference(user, history_len, target, rng)?,
        };
        let intention = match self.intention_kind(kind, target, rng) {
            IntentionKind::None => Intention::None,
            IntentionKind::Vague => self.vague_intention(target, rng)?,
            IntentionKind::Specific => self.specific_intention(target, rng)?,
        };
        Ok(InstructionSpec {
            kind,
            preference,
            intention,
            form: request.form.resolve(&self.dataset.catalog)?,
            context: request.context.clone(),
        })
    }

    /// The user's visible interactions with their positions: the first `history_len`, without
    /// those with the target. Every axis reads the history through this one rule.
    pub(super) fn visible_history(
        &self,
        user: UserIdx,
        history_len: usize,
        target: ItemIdx,
    ) -> Result<impl Iterator<Item = (usize, InteractionRef<'a>)> + 'a> {
        self.sequence_len(user)?;
        Ok(self
            .dataset
            .interactions_of(user)
            .enumerate()
            .take(history_len)
            .filter(move |(_, interaction)| interaction.item != target))
    }

    /// Number of interactions of a known user.
    fn sequence_len(&self, user: UserIdx) -> Result<usize> {
        if user as usize >= self.dataset.num_users() {
            return Err(InstructError::UnknownUser(user));
        }
        Ok(self.dataset.sequence(user).len())
    }

    pub(super) fn profile(&self, item: ItemIdx) -> Result<&ItemProfile> {
        self.profiles
            .get(item as usize)
            .ok_or(InstructError::UnknownItem(item))
    }

    /// The intention a task states. The explicit-preference task adds a vague one at random,
    /// and only for targets with a category to phrase it from.
    fn intention_kind(
        &self,
        kind: TaskKind,
        target: ItemIdx,
        rng: &mut dyn RngCore,
    ) -> IntentionKind {
        match kind.intentions() {
            [only] => *only,
            _ => {
                let has_category = self
                    .profiles
                    .get(target as usize)
                    .is_some_and(|profile| !profile.categories.is_empty());
                if has_category && rng.random_bool(self.config.explicit_vague_probability) {
                    IntentionKind::Vague
                } else {
                    IntentionKind::None
                }
            }
        }
    }

    fn check(&self, request: &InstructionRequest) -> Result<()> {
        let available = self.sequence_len(request.user)?;
        self.profile(request.target)?;
        if request.history_len > available {
            return Err(InstructError::InvalidInstruction(format!(
                "history_len {} exceeds user {}'s {available} interactions",
                request.history_len, request.user
            )));
        }
        Ok(())
    }
}

impl InstructionGenerator for DatasetGenerator<'_> {
    fn generate(&self, request: &InstructionRequest, rng: &mut dyn RngCore) -> Result<Instruction> {
        self.spec(request, rng)?.render(&self.registry, rng)
    }
}
