//! The instructrec attention recommender: text encoders, query tower and heads (burn).
