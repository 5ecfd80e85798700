//! Joining words into an English list.

/// "a", "a and b", "a, b and c".
pub(crate) fn natural_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [only] => only.as_ref().to_owned(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_with_commas_and_a_final_and() {
        assert_eq!(natural_list::<&str>(&[]), "");
        assert_eq!(natural_list(&["comedy"]), "comedy");
        assert_eq!(natural_list(&["comedy", "drama"]), "comedy and drama");
        assert_eq!(natural_list(&["a", "b", "c"]), "a, b and c");
    }
}
