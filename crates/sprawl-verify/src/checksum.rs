//! Offline checksum and structure checks for formats that carry one.
//!
//! Each check has a `verify` (does this token's checksum hold?) and, where the format allows, a
//! `make_valid` that rewrites a token's checksum part so it holds. Tests use the latter to
//! generate valid-looking fixtures at test time instead of committing real-looking tokens.

/// A named checksum a rule can ask for with `verify: { checksum: NAME }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// GitHub's token format (and npm's, which copied it): `prefix_` + 30 random base62
    /// characters + the CRC32 of those 30 characters in 6 base62 digits.
    GithubCrc32,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Check {
    pub const NAMES: &'static [&'static str] = &["github-crc32"];

    pub fn by_name(name: &str) -> Option<Check> {
        match name {
            "github-crc32" => Some(Check::GithubCrc32),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Check::GithubCrc32 => "github-crc32",
        }
    }

    pub fn verify(self, token: &[u8]) -> bool {
        match self {
            Check::GithubCrc32 => github_crc32(token),
        }
    }

    /// A copy of `token` with its checksum part rewritten to be valid, or `None` if the token
    /// does not have the format's shape.
    pub fn make_valid(self, token: &[u8]) -> Option<Vec<u8>> {
        match self {
            Check::GithubCrc32 => {
                let (body, _) = github_parts(token)?;
                let mut out = token[..token.len() - 6].to_vec();
                out.extend_from_slice(&base62_fixed(crc32fast::hash(body), 6));
                Some(out)
            }
        }
    }
}

/// Splits `prefix_RANDOM30CHECK6` into the 30 random characters and the 6 checksum digits.
fn github_parts(token: &[u8]) -> Option<(&[u8], &[u8])> {
    let underscore = token.iter().rposition(|&b| b == b'_')?;
    let tail = &token[underscore + 1..];
    if tail.len() != 36 || !tail.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(tail.split_at(30))
}

fn github_crc32(token: &[u8]) -> bool {
    let Some((body, check)) = github_parts(token) else { return false };
    base62_fixed(crc32fast::hash(body), 6) == check
}

/// `n` base62 digits of `v`, most significant first, zero-padded.
fn base62_fixed(mut v: u32, n: usize) -> Vec<u8> {
    let mut out = vec![b'0'; n];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(v % 62) as usize];
        v /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base62_digits() {
        assert_eq!(base62_fixed(0, 6), b"000000");
        assert_eq!(base62_fixed(61, 6), b"00000z");
        assert_eq!(base62_fixed(62, 6), b"000010");
        assert_eq!(base62_fixed(u32::MAX, 6), b"4gfFC3");
    }

    #[test]
    fn github_checksum_round_trip() {
        // The body is arbitrary; the checksum is computed here, at test time.
        let fake = b"ghp_Zq8Rk2LmX4vT9pW1nB6cH3jY7sF0dG000000";
        assert!(!Check::GithubCrc32.verify(fake));
        let valid = Check::GithubCrc32.make_valid(fake).unwrap();
        assert!(Check::GithubCrc32.verify(&valid));
        // One changed character in the body breaks it.
        let mut broken = valid.clone();
        broken[5] = if broken[5] == b'a' { b'b' } else { b'a' };
        assert!(!Check::GithubCrc32.verify(&broken));
        // Wrong shapes never verify.
        assert!(!Check::GithubCrc32.verify(b"ghp_short"));
        assert!(Check::GithubCrc32.make_valid(b"ghp_short").is_none());
    }

    #[test]
    fn crc32_is_the_ieee_polynomial() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }
}
