//! Detection of repeated ids, shared by every input check that needs distinct items.

/// The smallest value that occurs more than once in `items`, if any. O(n log n) on a copy.
pub(crate) fn first_duplicate<T: Ord + Copy>(items: &[T]) -> Option<T> {
    let mut sorted = items.to_vec();
    sorted.sort_unstable();
    first_adjacent_duplicate(&sorted)
}

/// The first value repeated in an already sorted slice, if any.
pub(crate) fn first_adjacent_duplicate<T: PartialEq + Copy>(sorted: &[T]) -> Option<T> {
    sorted
        .windows(2)
        .find(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_smallest_repeated_value() {
        assert_eq!(first_duplicate(&[5, 3, 9, 3, 5]), Some(3));
        assert_eq!(first_duplicate(&[5, 3, 9]), None);
        assert_eq!(first_duplicate::<u32>(&[]), None);
        assert_eq!(first_adjacent_duplicate(&[1, 2, 2, 4, 4]), Some(2));
    }
}
