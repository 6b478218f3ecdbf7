//! Small vector arithmetic shared by the embedders and their callers.

/// Scales `vector` to unit Euclidean length in place. Returns `false`, leaving it unchanged, when
/// it cannot be normalised: its length is zero or not finite.
pub fn l2_normalise(vector: &mut [f32]) -> bool {
    // Summing in f64 keeps the norm exact enough for the unit-length promise even for vectors
    // with thousands of components.
    let norm = vector.iter().map(|&value| f64::from(value) * f64::from(value)).sum::<f64>().sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return false;
    }
    for value in vector.iter_mut() {
        *value = (f64::from(*value) / norm) as f32;
    }
    true
}

/// The cosine similarity of two vectors of equal length; 0 when either has no length.
///
/// For the unit vectors an [`Embedder`](crate::Embedder) returns this is their dot product.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "cosine of vectors of different lengths");
    let (mut dot, mut norm_a, mut norm_b) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        norm_a += x * x;
        norm_b += y * y;
    }
    if norm_a == 0.0 || norm_b == 0.0 {
        return 0.0;
    }
    (dot / (norm_a.sqrt() * norm_b.sqrt())) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_gives_unit_length_and_keeps_the_direction() {
        let mut vector = vec![3.0, 4.0];
        assert!(l2_normalise(&mut vector));
        assert_eq!(vector, [0.6, 0.8]);
    }

    #[test]
    fn a_zero_or_infinite_vector_is_refused_and_left_alone() {
        let mut zero = vec![0.0; 3];
        assert!(!l2_normalise(&mut zero));
        assert_eq!(zero, [0.0; 3]);
        let mut infinite = vec![f32::INFINITY, 1.0];
        assert!(!l2_normalise(&mut infinite));
        assert_eq!(infinite, [f32::INFINITY, 1.0]);
    }

    #[test]
    fn cosine_of_parallel_orthogonal_and_opposite_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 5.0]), 0.0);
        assert!((cosine(&[1.0, 1.0], &[-1.0, -1.0]) + 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }
}
