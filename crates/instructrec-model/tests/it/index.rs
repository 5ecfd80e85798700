//! Inference: top-k with exclusions, reranking, explanations, bad requests.

use burn::prelude::*;
use instructrec_model::heads::{MatchingHeadConfig, PointwiseHead};
use instructrec_model::{
    CatalogIndex, Instruction, InstructionEncoderConfig, ItemSet, ModelError, RecommenderHead,
    Request,
};

use crate::common::{config, features, tokenize, B, ITEMS};

fn index() -> CatalogIndex<B, PointwiseHead> {
    let device = Default::default();
    let model = config(InstructionEncoderConfig::SharedTokens)
        .init::<B>(&device)
        .unwrap();
    CatalogIndex::new(model, &features(), PointwiseHead, &device).unwrap()
}

fn request(history: Vec<u32>, exclude: Vec<u32>) -> Request {
    Request {
        instruction: Instruction::Tokens(tokenize("something with crime")),
        history,
        exclude,
    }
}

/// Every catalog score of a request, computed directly with the model.
fn all_scores(index: &CatalogIndex<B, PointwiseHead>, request: &Request) -> Vec<f32> {
    let Instruction::Tokens(tokens) = &request.instruction else {
        unreachable!()
    };
    let batch = index
        .model()
        .batch_builder()
        .tokens::<B>(
            std::slice::from_ref(tokens),
            std::slice::from_ref(&request.history),
            &mut ItemSet::full(ITEMS),
            &Default::default(),
        )
        .unwrap();
    let query = index
        .model()
        .encode_query(&batch, index.catalog().clone())
        .unwrap()
        .query;
    RecommenderHead::<B>::score(&PointwiseHead, query, index.catalog().clone())
        .into_data()
        .to_vec::<f32>()
        .unwrap()
}

#[test]
fn top_k_is_the_best_unexcluded_items_in_order() {
    let index = index();
    let requests = [
        request(vec![1, 2, 3], vec![1, 2, 3, 7]),
        request(vec![], vec![]),
    ];
    let answers = index.recommend(&requests, 4, false).unwrap();
    for (request, answer) in requests.iter().zip(&answers) {
        let scores = all_scores(&index, request);
        let mut expected: Vec<u32> = (0..ITEMS as u32)
            .filter(|i| !request.exclude.contains(i))
            .collect();
        expected.sort_by(|&a, &b| scores[b as usize].total_cmp(&scores[a as usize]));
        let got: Vec<u32> = answer.items.iter().map(|s| s.item).collect();
        assert_eq!(got, expected[..4]);
        for scored in &answer.items {
            assert!((scored.score - scores[scored.item as usize]).abs() < 1e-5);
        }
        assert!(answer.explanation.is_none());
    }
    // k beyond the catalog returns what is left.
    let all = index.recommend(&requests[..1], 100, false).unwrap();
    assert_eq!(all[0].items.len(), ITEMS - 4);
}

#[test]
fn rerank_orders_each_candidate_list_by_score() {
    let index = index();
    let requests = [request(vec![5], vec![]), request(vec![0, 6], vec![])];
    let candidates = [vec![3, 9, 1, 0], vec![11, 2]];
    let answers = index.rerank(&requests, &candidates, false).unwrap();
    for ((request, list), answer) in requests.iter().zip(&candidates).zip(&answers) {
        let scores = all_scores(&index, request);
        let mut expected = list.clone();
        expected.sort_by(|&a, &b| scores[b as usize].total_cmp(&scores[a as usize]));
        let got: Vec<u32> = answer.items.iter().map(|s| s.item).collect();
        assert_eq!(got, expected);
    }
}

#[test]
fn explanations_weigh_history_items_and_instruction_tokens() {
    let index = index();
    let answers = index
        .recommend(&[request(vec![4, 8, 2], vec![])], 3, true)
        .unwrap();
    let explanation = answers[0].explanation.as_ref().unwrap();
    let mut items: Vec<u32> = explanation.history.iter().map(|s| s.item).collect();
    items.sort_unstable();
    assert_eq!(items, vec![2, 4, 8]);
    assert!(explanation
        .history
        .windows(2)
        .all(|w| w[0].score >= w[1].score));
    assert_eq!(explanation.instruction.len(), 3);
    let total: f32 = explanation
        .history
        .iter()
        .map(|s| s.score)
        .chain(explanation.instruction.iter().copied())
        .sum();
    assert!(total > 0.0 && total < 1.0 + 1e-5, "{total}");
}

#[test]
fn rejects_bad_requests_and_catalogs() {
    let index = index();
    let bad = [
        index.recommend(&[request(vec![ITEMS as u32], vec![])], 3, false),
        index.recommend(&[request(vec![], vec![ITEMS as u32])], 3, false),
        index.recommend(&[request(vec![], vec![])], 0, false),
        index.rerank(&[request(vec![], vec![])], &[vec![ITEMS as u32]], false),
        index.rerank(&[request(vec![], vec![])], &[], false),
    ];
    for answer in bad {
        assert!(
            matches!(answer, Err(ModelError::InvalidInput { .. })),
            "{answer:?}"
        );
    }
    let device = Default::default();
    let model = index.model().clone();
    let wrong = Tensor::<B, 2>::zeros([ITEMS + 1, 8], &device);
    assert!(CatalogIndex::from_catalog(model.clone(), wrong, PointwiseHead).is_err());
    let nan = Tensor::<B, 2>::zeros([ITEMS, 8], &device).div_scalar(0.0);
    assert!(CatalogIndex::from_catalog(model.clone(), nan, PointwiseHead).is_err());
    // Any head ranks: here a matching head with a temperature.
    let head = MatchingHeadConfig::new()
        .with_temperature(0.5)
        .init()
        .unwrap();
    let index = CatalogIndex::from_catalog(model, index.catalog().clone(), head).unwrap();
    assert_eq!(
        index
            .recommend(&[request(vec![1], vec![])], 2, false)
            .unwrap()[0]
            .items
            .len(),
        2
    );
}
