//! Randomness measures.

/// Shannon entropy of the byte distribution of `bytes`, in bits per byte (0 for empty input).
///
/// A 40-character random base62 string scores about 5; `aaaaaaaa` scores 0; English prose about
/// 4. Short strings cannot score high: a string of n distinct bytes scores log2(n).
pub fn shannon(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::shannon;

    #[test]
    fn known_values() {
        assert_eq!(shannon(b""), 0.0);
        assert_eq!(shannon(b"aaaaaaaa"), 0.0);
        assert!((shannon(b"abab") - 1.0).abs() < 1e-9);
        assert!((shannon(b"abcdefgh") - 3.0).abs() < 1e-9);
        assert!(shannon(b"q8Xf2LmZ0pR7tVb3Kc9WyNd4HsJg6Ae1") > 4.5);
    }
}
