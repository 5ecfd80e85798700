//! A list of variable-length rows stored flat: one value array plus row offsets.

/// Rows of `T` in one contiguous array; row `i` is `values[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ragged<T> {
    offsets: Vec<u32>,
    values: Vec<T>,
}

impl<T> Default for Ragged<T> {
    fn default() -> Self {
        Self {
            offsets: vec![0],
            values: Vec::new(),
        }
    }
}

impl<T: Copy> Ragged<T> {
    /// Appends a row.
    pub fn push(&mut self, row: &[T]) {
        self.values.extend_from_slice(row);
        self.offsets.push(self.values.len() as u32);
    }

    /// Appends an empty row.
    pub fn push_empty(&mut self) {
        self.offsets.push(self.values.len() as u32);
    }

    /// Row `i` (empty when out of range).
    pub fn row(&self, i: usize) -> &[T] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&start), Some(&end)) => &self.values[start as usize..end as usize],
            _ => &[],
        }
    }

    /// The flat values and the offsets (for fingerprints).
    pub fn parts(&self) -> (&[T], &[u32]) {
        (&self.values, &self.offsets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_in_order() {
        let mut rows = Ragged::default();
        rows.push(&[1u32, 2, 3]);
        rows.push_empty();
        rows.push(&[4]);
        assert_eq!(rows.row(0), &[1, 2, 3]);
        assert!(rows.row(1).is_empty());
        assert_eq!(rows.row(2), &[4]);
        assert!(rows.row(3).is_empty());
        assert_eq!(rows.parts().1, &[0, 3, 3, 4]);
    }
}
