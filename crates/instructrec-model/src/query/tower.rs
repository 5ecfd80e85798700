//! The query tower: one transformer over `[instruction tokens ; history items ; query token]`.

use burn::module::{Initializer, Param};
use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig};
use burn::prelude::*;

use super::layout::{LayoutTensors, Segment, SequenceLayout};
use crate::transformer::{
    AttentionBias, FeedForwardActivation, TransformerLayer, TransformerLayerConfig,
};
use crate::{check, ModelError, Result};
use instructrec_fusion::dropout::{HostDropout, HostDropoutConfig};

/// Hyper-parameters of a [`QueryTower`].
#[derive(Config, Debug)]
pub struct QueryTowerConfig {
    /// Width of every state (the item vectors and instruction states must have this width).
    pub d_model: usize,
    /// Number of transformer layers.
    #[config(default = 2)]
    pub n_layers: usize,
    /// Number of attention heads; must divide `d_model`.
    #[config(default = 2)]
    pub n_heads: usize,
    /// Width of the feed-forward sub-layers.
    #[config(default = 256)]
    pub d_ff: usize,
    /// Dropout on the input embeddings, attention weights and residual branches, in `[0, 1)`.
    #[config(default = 0.2)]
    pub dropout: f64,
    /// Pre-norm layers with a final LayerNorm (`true`) or post-norm layers (`false`).
    #[config(default = true)]
    pub norm_first: bool,
    /// The feed-forward non-linearity.
    #[config(default = "FeedForwardActivation::Relu")]
    pub activation: FeedForwardActivation,
    /// The longest history (number of learned recency positions).
    #[config(default = 50)]
    pub max_history: usize,
    /// The longest instruction in tokens (number of learned instruction positions).
    #[config(default = 32)]
    pub max_instruction_tokens: usize,
}

impl QueryTowerConfig {
    /// Checks that the hyper-parameters are usable.
    pub fn validate(&self) -> Result<()> {
        check::positive(&[
            ("n_layers", self.n_layers),
            ("max_history", self.max_history),
            ("max_instruction_tokens", self.max_instruction_tokens),
        ])?;
        // Widths, heads and dropout are the layers' (the input dropout shares the probability).
        self.layer().validate()
    }

    /// The config every layer is built from.
    fn layer(&self) -> TransformerLayerConfig {
        TransformerLayerConfig::new(self.d_model, self.n_heads, self.d_ff)
            .with_dropout(self.dropout)
            .with_norm_first(self.norm_first)
            .with_activation(self.activation)
    }

    /// Validates the config and builds a randomly initialised tower.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<QueryTower<B>> {
        self.validate()?;
        let init = Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        let embedding = |rows| {
            EmbeddingConfig::new(rows, self.d_model)
                .with_initializer(init.clone())
                .init(device)
        };
        let layer = self.layer();
        Ok(QueryTower {
            segment_embedding: embedding(Segment::COUNT),
            position_embedding: embedding(self.max_instruction_tokens + self.max_history + 1),
            query_token: init.init([1, self.d_model], device),
            dropout: HostDropoutConfig::new(self.dropout).init(),
            layers: (0..self.n_layers)
                .map(|_| layer.init(device))
                .collect::<Result<_>>()?,
            output_norm: self
                .norm_first
                .then(|| LayerNormConfig::new(self.d_model).init(device)),
            max_history: self.max_history,
            max_instruction_tokens: self.max_instruction_tokens,
        })
    }
}

/// The input of [`QueryTower::forward`].
#[derive(Debug, Clone)]
pub struct QueryTowerInput<B: Backend> {
    /// Instruction token states; rows at padding slots are ignored (must be finite).
    ///
    /// # Shapes
    /// `[batch, layout.instruction_len(), d_model]`
    pub instruction: Tensor<B, 3>,
    /// History item vectors, oldest first; rows at padding slots are ignored (must be finite).
    ///
    /// # Shapes
    /// `[batch, layout.history_len(), d_model]`
    pub history: Tensor<B, 3>,
    /// Which slots are real.
    pub layout: SequenceLayout,
    /// Whether to return the query token's attention (for explanations).
    pub with_attention: bool,
}

/// The query token's attention in the last layer, averaged over heads.
///
/// Padding slots get weight 0. The weights over instruction and history slots sum to one minus
/// the weight the query token puts on itself.
#[derive(Debug, Clone)]
pub struct QueryAttention<B: Backend> {
    /// Weight on each instruction slot.
    ///
    /// # Shapes
    /// `[batch, instruction_len]`
    pub instruction: Tensor<B, 2>,
    /// Weight on each history slot (oldest first, like the input).
    ///
    /// # Shapes
    /// `[batch, history_len]`
    pub history: Tensor<B, 2>,
}

/// The output of the query tower.
#[derive(Debug, Clone)]
pub struct QueryOutput<B: Backend> {
    /// The query token's final state: the representation of the whole request.
    ///
    /// # Shapes
    /// `[batch, d_model]`
    pub query: Tensor<B, 2>,
    /// The final state at each history slot: the representation of the history prefix ending
    /// there (with the whole instruction), for training on every prefix. Padding slots carry no
    /// meaning.
    ///
    /// # Shapes
    /// `[batch, history_len, d_model]`
    pub per_position: Tensor<B, 3>,
    /// The query token's attention, when asked for.
    pub attention: Option<QueryAttention<B>>,
}

impl<B: Backend> QueryOutput<B> {
    /// The states at the given flattened history slots (`row * history_len + slot`), e.g. the
    /// [`QueryBatch::prefix_targets`](crate::QueryBatch::prefix_targets) positions.
    ///
    /// Errors if a slot is out of range.
    ///
    /// # Shapes
    /// - output: `[slots.len(), d_model]`
    pub fn positions(&self, slots: &[u32]) -> Result<Tensor<B, 2>> {
        let [batch, len, d_model] = self.per_position.dims();
        let rows = crate::item_set::rows_tensor(slots, batch * len, "slots", &self.query.device())?;
        Ok(self
            .per_position
            .clone()
            .reshape([batch * len, d_model])
            .select(0, rows))
    }
}

/// Reads the instruction tokens and the history in one sequence with a prefix-LM attention
/// pattern (see [`SequenceLayout`]), plus a learned query token that sees everything.
///
/// Each slot's input is its content (instruction state, item vector or the learned query token)
/// plus a segment embedding (instruction / history / query) and a position embedding
/// (instruction token index; history recency counted back from the most recent item).
#[derive(Module, Debug)]
pub struct QueryTower<B: Backend> {
    segment_embedding: Embedding<B>,
    position_embedding: Embedding<B>,
    query_token: Param<Tensor<B, 2>>,
    dropout: HostDropout,
    layers: Vec<TransformerLayer<B>>,
    output_norm: Option<LayerNorm<B>>,
    max_history: usize,
    max_instruction_tokens: usize,
}

impl<B: Backend> QueryTower<B> {
    /// Width of the states.
    pub fn d_model(&self) -> usize {
        self.query_token.dims()[1]
    }

    /// The longest history the tower accepts.
    pub fn max_history(&self) -> usize {
        self.max_history
    }

    /// The longest instruction (in tokens) the tower accepts.
    pub fn max_instruction_tokens(&self) -> usize {
        self.max_instruction_tokens
    }

    /// Encodes a batch of requests.
    ///
    /// Errors if the tensors disagree with the layout or the model width, a segment is wider
    /// than the tower's maximum.
    ///
    /// # Shapes
    /// - input: see [`QueryTowerInput`]
    /// - output: see [`QueryOutput`]
    pub fn forward(&self, input: QueryTowerInput<B>) -> Result<QueryOutput<B>> {
        let QueryTowerInput {
            instruction,
            history,
            layout,
            with_attention,
        } = input;
        let (batch, li, lh, len, d) = (
            layout.batch_size(),
            layout.instruction_len(),
            layout.history_len(),
            layout.seq_len(),
            self.d_model(),
        );
        self.check_widths(&layout)?;
        check::shape("instruction", instruction.dims(), [batch, li, d])?;
        check::shape("history", history.dims(), [batch, lh, d])?;

        let device = instruction.device();
        let LayoutTensors {
            segments,
            positions,
            attention_mask,
        } = layout.tensors::<B>(self.max_instruction_tokens, self.max_history, &device);
        let query = self
            .query_token
            .val()
            .unsqueeze_dim::<3>(0)
            .expand([batch, 1, d]);
        let mut x = Tensor::cat(vec![instruction, history, query], 1)
            + self.segment_embedding.forward(segments)
            + self.position_embedding.forward(positions);
        x = self.dropout.forward(x);

        let bias = AttentionBias::from_mask(attention_mask.unsqueeze_dim::<4>(1));
        let mut last_weights = None;
        // Training takes the explicit softmax (it drops out attention weights, which the fused
        // kernel cannot), and so does a request for attention; plain inference (serving,
        // evaluation) takes the fused kernel, which gives the same output.
        let fused = !with_attention && !B::ad_enabled(&device);
        for layer in &self.layers {
            if fused {
                x = layer.forward(x, &bias);
            } else {
                let (next, weights) = layer.forward_with_attention(x, &bias);
                x = next;
                last_weights = Some(weights);
            }
        }
        if let Some(norm) = &self.output_norm {
            x = norm.forward(x);
        }

        let attention = match last_weights {
            Some(weights) if with_attention => {
                let row = weights
                    .slice(s![.., .., len - 1])
                    .mean_dim(1)
                    .reshape([batch, len]);
                Some(QueryAttention {
                    instruction: row.clone().slice(s![.., 0..li]),
                    history: row.slice(s![.., li..li + lh]),
                })
            }
            _ => None,
        };
        Ok(QueryOutput {
            query: x.clone().slice(s![.., len - 1]).reshape([batch, d]),
            per_position: x.slice(s![.., li..li + lh]),
            attention,
        })
    }

    fn check_widths(&self, layout: &SequenceLayout) -> Result<()> {
        if layout.history_len() > self.max_history {
            return Err(ModelError::InvalidInput {
                name: "history",
                message: format!(
                    "{} history slots exceed the tower's maximum {}",
                    layout.history_len(),
                    self.max_history
                ),
            });
        }
        if layout.instruction_len() > self.max_instruction_tokens {
            return Err(ModelError::InvalidInput {
                name: "instruction",
                message: format!(
                    "{} instruction slots exceed the tower's maximum {}",
                    layout.instruction_len(),
                    self.max_instruction_tokens
                ),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::{Distribution, Tolerance};

    type B = Flex;

    fn config() -> QueryTowerConfig {
        QueryTowerConfig::new(8)
            .with_n_layers(2)
            .with_n_heads(2)
            .with_d_ff(16)
            .with_dropout(0.0)
            .with_max_history(6)
            .with_max_instruction_tokens(4)
    }

    fn random(shape: [usize; 3], scale: f64) -> Tensor<B, 3> {
        Tensor::random(
            shape,
            Distribution::Uniform(-scale, scale),
            &Default::default(),
        )
    }

    fn input(
        instruction: Tensor<B, 3>,
        history: Tensor<B, 3>,
        lengths: (Vec<usize>, Vec<usize>),
    ) -> QueryTowerInput<B> {
        let [_, li, _] = instruction.dims();
        let [_, lh, _] = history.dims();
        QueryTowerInput {
            instruction,
            history,
            layout: SequenceLayout::with_widths(lengths.0, lengths.1, li, lh).unwrap(),
            with_attention: true,
        }
    }

    fn close(a: Tensor<B, 2>, b: Tensor<B, 2>) {
        a.into_data()
            .assert_approx_eq::<f32>(&b.into_data(), Tolerance::absolute(1e-5));
    }

    #[test]
    fn output_shapes_and_attention_weights() {
        for norm_first in [true, false] {
            let activation = if norm_first {
                FeedForwardActivation::Relu
            } else {
                FeedForwardActivation::Gelu
            };
            let tower = config()
                .with_norm_first(norm_first)
                .with_activation(activation)
                .init::<B>(&Default::default())
                .unwrap();
            let out = tower
                .forward(input(
                    random([3, 4, 8], 1.0),
                    random([3, 5, 8], 1.0),
                    (vec![4, 0, 2], vec![5, 3, 0]),
                ))
                .unwrap();
            assert_eq!(out.query.dims(), [3, 8]);
            assert_eq!(out.per_position.dims(), [3, 5, 8]);
            let attention = out.attention.unwrap();
            assert_eq!(attention.instruction.dims(), [3, 4]);
            assert_eq!(attention.history.dims(), [3, 5]);
            let instruction = attention.instruction.into_data().to_vec::<f32>().unwrap();
            let history = attention.history.into_data().to_vec::<f32>().unwrap();
            // Padding slots get no weight; the rest share at most 1.
            assert!(instruction[4..8].iter().all(|&w| w == 0.0));
            assert!(instruction[10..12].iter().all(|&w| w == 0.0));
            assert!(history[8..10].iter().all(|&w| w == 0.0));
            assert!(history[10..15].iter().all(|&w| w == 0.0));
            let first: f32 = instruction[..4].iter().chain(&history[..5]).sum();
            assert!(first > 0.0 && first < 1.0, "{first}");
        }
    }

    #[test]
    fn inference_without_attention_gives_the_same_output() {
        // Without attention asked for, inference takes the fused attention kernel.
        for norm_first in [true, false] {
            let tower = config()
                .with_norm_first(norm_first)
                .init::<B>(&Default::default())
                .unwrap();
            let (instruction, history) = (random([3, 4, 8], 1.0), random([3, 5, 8], 1.0));
            let lengths = (vec![4, 0, 2], vec![5, 3, 0]);
            let explicit = tower
                .forward(input(instruction.clone(), history.clone(), lengths.clone()))
                .unwrap();
            let fused = tower
                .forward(QueryTowerInput {
                    with_attention: false,
                    ..input(instruction, history, lengths)
                })
                .unwrap();
            assert!(fused.attention.is_none());
            close(fused.query.clone(), explicit.query.clone());
            // Real history slots only: a padding slot attends to nothing real, and the two
            // kernels fill its row differently; no real slot reads it.
            for (row, real) in [(0, 5), (1, 3)] {
                let slots = |out: &QueryOutput<B>| {
                    out.per_position
                        .clone()
                        .slice(s![row..row + 1, 0..real])
                        .reshape([real, 8])
                };
                close(slots(&fused), slots(&explicit));
            }
        }
    }

    #[test]
    fn padding_content_never_changes_a_result() {
        let tower = config().init::<B>(&Default::default()).unwrap();
        let instruction = random([2, 2, 8], 1.0);
        let history = random([2, 3, 8], 1.0);
        let lengths = (vec![2, 1], vec![3, 1]);
        let reference = tower
            .forward(input(instruction.clone(), history.clone(), lengths.clone()))
            .unwrap();

        // Wider segments with huge garbage in every padding slot, and garbage in the padding
        // slots of the original width too.
        let garbage = |real: Tensor<B, 3>, width: usize, lens: &[usize]| {
            let [batch, len, d] = real.dims();
            let mut wide = random([batch, width, d], 1e4);
            for (row, &n) in lens.iter().enumerate() {
                wide = wide.slice_assign(
                    s![row..row + 1, 0..n],
                    real.clone().slice(s![row..row + 1, 0..n]),
                );
            }
            assert!(width >= len);
            wide
        };
        let padded = tower
            .forward(input(
                garbage(instruction, 4, &lengths.0),
                garbage(history, 6, &lengths.1),
                lengths.clone(),
            ))
            .unwrap();
        close(padded.query.clone(), reference.query.clone());
        for (row, &n) in lengths.1.iter().enumerate() {
            let real = |out: &QueryOutput<B>| {
                out.per_position
                    .clone()
                    .slice(s![row..row + 1, 0..n])
                    .reshape([n, 8])
            };
            close(real(&padded), real(&reference));
        }
        let (a, b) = (padded.attention.unwrap(), reference.attention.unwrap());
        close(a.history.slice(s![.., 0..3]), b.history);
        close(a.instruction.slice(s![.., 0..2]), b.instruction);
    }

    #[test]
    fn history_states_only_see_the_past() {
        let tower = config().init::<B>(&Default::default()).unwrap();
        let instruction = random([1, 2, 8], 1.0);
        let history = random([1, 4, 8], 1.0);
        let changed_last = history
            .clone()
            .slice_assign(s![.., 3..4], random([1, 1, 8], 1.0));
        let run = |history| {
            tower
                .forward(input(instruction.clone(), history, (vec![2], vec![4])))
                .unwrap()
        };
        let (a, b) = (run(history), run(changed_last));
        let prefix =
            |out: &QueryOutput<B>| out.per_position.clone().slice(s![.., 0..3]).reshape([3, 8]);
        close(prefix(&a), prefix(&b));
        let diff = (a.query - b.query).abs().sum().into_scalar();
        assert!(diff > 1e-4, "the query token sees the newest item");
    }

    #[test]
    fn empty_history_and_instruction_work() {
        let tower = config().init::<B>(&Default::default()).unwrap();
        let out = tower
            .forward(input(
                random([2, 1, 8], 1.0),
                random([2, 1, 8], 1.0),
                (vec![0, 1], vec![0, 0]),
            ))
            .unwrap();
        let values = out.query.into_data().to_vec::<f32>().unwrap();
        assert!(values.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn rejects_inputs_that_disagree_with_the_layout_or_the_config() {
        let tower = config().init::<B>(&Default::default()).unwrap();
        let bad = [
            input(
                random([2, 2, 8], 1.0),
                random([1, 3, 8], 1.0),
                (vec![1, 1], vec![1, 1]),
            ),
            input(
                random([2, 2, 7], 1.0),
                random([2, 3, 7], 1.0),
                (vec![1, 1], vec![1, 1]),
            ),
            input(
                random([1, 2, 8], 1.0),
                random([1, 7, 8], 1.0),
                (vec![1], vec![7]),
            ),
            input(
                random([1, 5, 8], 1.0),
                random([1, 3, 8], 1.0),
                (vec![5], vec![1]),
            ),
        ];
        for input in bad {
            assert!(matches!(
                tower.forward(input),
                Err(ModelError::InvalidInput { .. })
            ));
        }
        assert!(config()
            .with_n_heads(3)
            .init::<B>(&Default::default())
            .is_err());
        assert!(config().with_dropout(1.0).validate().is_err());
        assert!(config().with_max_history(0).validate().is_err());
    }

    #[test]
    fn gradients_reach_the_inputs_and_every_layer() {
        type A = Autodiff<Flex>;
        let device = Default::default();
        let tower = config().with_dropout(0.1).init::<A>(&device).unwrap();
        let history =
            Tensor::<A, 3>::random([2, 3, 8], Distribution::Default, &device).require_grad();
        let out = tower
            .forward(QueryTowerInput {
                instruction: Tensor::random([2, 2, 8], Distribution::Default, &device),
                history: history.clone(),
                layout: SequenceLayout::new(vec![2, 1], vec![3, 2]).unwrap(),
                with_attention: false,
            })
            .unwrap();
        assert!(out.attention.is_none());
        // A random read-out: a plain sum of LayerNorm outputs has (almost) no gradient.
        let readout = Tensor::<A, 2>::random([1, 8], Distribution::Default, &device);
        let real = out.positions(&[0, 1, 2, 3, 4]).unwrap();
        let grads = ((out.query + real.sum_dim(0)) * readout).sum().backward();
        let history_grad = history.grad(&grads).unwrap();
        // The padding slot (row 1, slot 2) gets no gradient; real slots do.
        let g = history_grad
            .abs()
            .sum_dim(2)
            .into_data()
            .to_vec::<f32>()
            .unwrap();
        assert!(g[0] > 0.0 && g[4] > 0.0, "{g:?}");
        assert_eq!(g[5], 0.0, "{g:?}");
        assert!(tower.query_token.grad(&grads).is_some());
        let segment = tower.segment_embedding.weight.grad(&grads).unwrap();
        assert!(segment.abs().sum().into_scalar() > 0.0);
        let position = tower.position_embedding.weight.grad(&grads).unwrap();
        assert!(position.abs().sum().into_scalar() > 0.0);
    }
}
