//! Offline checksum and structure checks for formats that carry one.
//!
//! A rule asks for one with `verify: { checksum: NAME }`. Each check returns an [`Outcome`]:
//! the structure *proves* the value is a well-formed credential (`Valid`), *describes* it
//! without proving anything (`Info`, e.g. the AWS account a key id belongs to), or shows it is
//! not what it looks like (`Invalid`, with how bad that is: some formats' failures mean "not a
//! credential at all", others only "mistyped or made up").
//!
//! Where the format allows, [`Check::make_valid`] rewrites a token's checksum so that it holds.
//! Tests use it to generate valid-looking fixtures at test time instead of committing
//! real-looking tokens.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// A named check a rule can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// GitHub's token format, also used by npm: `prefix_` + random base62 characters + the CRC32
    /// of those characters in 6 base62 digits (30 + 6 for `ghp_`/`npm_`, 70 + 6 for `ghr_`).
    GithubCrc32,
    /// PyPI API tokens: `pypi-` + base64url of a version-2 macaroon whose location is
    /// `pypi.org` or `test.pypi.org`.
    PypiMacaroon,
    /// JSON Web Tokens: three base64url parts, the first two JSON objects, the header naming
    /// an `alg`.
    Jwt,
    /// AWS access key ids: the 16 characters after the 4-character prefix are base32; new
    /// generation ids encode the 12-digit account number.
    AwsAccessKeyId,
    /// PEM or OpenSSH private key bodies: base64 decoding to an ASN.1 DER sequence or to an
    /// `openssh-key-v1` blob.
    PrivateKeyBody,
    /// Azure storage account keys: base64 of exactly 64 bytes.
    AzureStorageKey,
    /// HTTP Basic credentials: base64 of `user:password`, the password not a placeholder.
    BasicAuth,
}

/// What a check concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The structure proves a well-formed credential: report as `confirmed`.
    Valid(String),
    /// Decoded something worth telling the user; proves nothing.
    Info(String),
    /// The structure does not hold.
    Invalid { reason: String, severity: Failure },
}

/// How much an invalid structure counts against a candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Not a credential at all (a JWT-shaped string whose parts are not JSON): drop it.
    Reject,
    /// Probably a made-up, truncated or mistyped token: report at `medium` at most.
    Doubt,
    /// Unusual but plausible: report at `low`.
    Weak,
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

impl Check {
    pub const NAMES: &'static [&'static str] = &[
        "github-crc32",
        "pypi-macaroon",
        "jwt",
        "aws-access-key-id",
        "private-key-body",
        "azure-storage-key",
        "basic-auth",
    ];

    pub fn by_name(name: &str) -> Option<Check> {
        Some(match name {
            "github-crc32" => Check::GithubCrc32,
            "pypi-macaroon" => Check::PypiMacaroon,
            "jwt" => Check::Jwt,
            "aws-access-key-id" => Check::AwsAccessKeyId,
            "private-key-body" => Check::PrivateKeyBody,
            "azure-storage-key" => Check::AzureStorageKey,
            "basic-auth" => Check::BasicAuth,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Check::GithubCrc32 => "github-crc32",
            Check::PypiMacaroon => "pypi-macaroon",
            Check::Jwt => "jwt",
            Check::AwsAccessKeyId => "aws-access-key-id",
            Check::PrivateKeyBody => "private-key-body",
            Check::AzureStorageKey => "azure-storage-key",
            Check::BasicAuth => "basic-auth",
        }
    }

    /// Runs the check on a secret value.
    pub fn run(self, token: &[u8]) -> Outcome {
        match self {
            Check::GithubCrc32 => github_crc32(token),
            Check::PypiMacaroon => pypi_macaroon(token),
            Check::Jwt => jwt(token),
            Check::AwsAccessKeyId => aws_access_key_id(token),
            Check::PrivateKeyBody => private_key_body(token),
            Check::AzureStorageKey => azure_storage_key(token),
            Check::BasicAuth => basic_auth(token),
        }
    }

    /// Whether the check proves the token well-formed.
    pub fn verify(self, token: &[u8]) -> bool {
        matches!(self.run(token), Outcome::Valid(_))
    }

    /// A copy of `token` with its checksum part rewritten to be valid, or `None` if the format
    /// has no checksum or the token does not have the format's shape.
    pub fn make_valid(self, token: &[u8]) -> Option<Vec<u8>> {
        match self {
            Check::GithubCrc32 => {
                let (body, _) = github_parts(token)?;
                let mut out = token[..token.len() - 6].to_vec();
                out.extend_from_slice(&base62_fixed(crc32fast::hash(body), 6));
                Some(out)
            }
            _ => None,
        }
    }
}

fn invalid(reason: impl Into<String>, severity: Failure) -> Outcome {
    Outcome::Invalid { reason: reason.into(), severity }
}

/// Splits `prefix_RANDOMCHECK6` into the random characters and the 6 checksum digits.
fn github_parts(token: &[u8]) -> Option<(&[u8], &[u8])> {
    let underscore = token.iter().rposition(|&b| b == b'_')?;
    let tail = &token[underscore + 1..];
    if tail.len() < 26 || !tail.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(tail.split_at(tail.len() - 6))
}

fn github_crc32(token: &[u8]) -> Outcome {
    let Some((body, check)) = github_parts(token) else {
        return invalid("not in the `prefix_` + base62 + 6-digit checksum shape", Failure::Doubt);
    };
    match base62_fixed(crc32fast::hash(body), 6) == check {
        true => Outcome::Valid("CRC32 checksum valid".to_owned()),
        false => invalid("CRC32 checksum does not match (a made-up or mistyped token?)", Failure::Doubt),
    }
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

/// Decodes base64 in any of its common spellings (standard or URL-safe, padded or not).
pub(crate) fn base64_any(s: &[u8]) -> Option<Vec<u8>> {
    [&STANDARD, &URL_SAFE, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD].iter().find_map(|e| e.decode(s).ok())
}

/// Reads a libmacaroons varint.
fn varint(b: &[u8], pos: &mut usize) -> Option<usize> {
    let mut v: usize = 0;
    for shift in (0..35).step_by(7) {
        let byte = *b.get(*pos)?;
        *pos += 1;
        v |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn pypi_macaroon(token: &[u8]) -> Outcome {
    let body = token.strip_prefix(b"pypi-").unwrap_or(token);
    let Some(raw) = base64_any(body) else {
        return invalid("not base64url", Failure::Doubt);
    };
    // Version 2 binary macaroon: 0x02, then fields (type byte, varint length, data); the
    // location (type 1) comes first, then the identifier (type 2).
    let parse = || -> Option<String> {
        if raw.first() != Some(&2) || raw.get(1) != Some(&1) {
            return None;
        }
        let mut pos = 2;
        let len = varint(&raw, &mut pos)?;
        let location = raw.get(pos..pos + len)?;
        pos += len;
        if raw.get(pos) != Some(&2) {
            return None;
        }
        Some(String::from_utf8_lossy(location).into_owned())
    };
    match parse() {
        Some(loc) if loc == "pypi.org" || loc == "test.pypi.org" => Outcome::Valid(format!("macaroon for {loc}")),
        Some(loc) => invalid(format!("macaroon for `{loc}`, not PyPI"), Failure::Weak),
        None => invalid("not a version-2 macaroon", Failure::Doubt),
    }
}

fn jwt(token: &[u8]) -> Outcome {
    let parts: Vec<&[u8]> = token.split(|&b| b == b'.').collect();
    if parts.len() != 3 {
        return invalid("not three dot-separated parts", Failure::Reject);
    }
    let json_object = |p: &[u8]| base64_any(p).filter(|d| d.first() == Some(&b'{') && d.last() == Some(&b'}'));
    let Some(header) = json_object(parts[0]) else {
        return invalid("header is not base64url JSON", Failure::Reject);
    };
    let Some(payload) = json_object(parts[1]) else {
        return invalid("payload is not base64url JSON", Failure::Reject);
    };
    if !contains(&header, b"\"alg\"") {
        return invalid("header names no `alg`", Failure::Reject);
    }
    // The token every JWT tutorial shows (jwt.io's): documentation, not a credential.
    if contains(&payload, b"\"John Doe\"") || contains(&payload, b"\"sub\":\"1234567890\"") {
        return invalid("the jwt.io example token", Failure::Reject);
    }
    if contains(&header, b"\"none\"") || parts[2].is_empty() {
        return invalid("unsigned (`alg: none`)", Failure::Weak);
    }
    // A well-formed JWT is still not proof of a live credential (most expire within hours),
    // so this describes rather than confirms.
    let claims: Vec<&str> = ["iss", "sub", "aud", "exp", "role", "scope"]
        .into_iter()
        .filter(|c| contains(&payload, format!("\"{c}\"").as_bytes()))
        .collect();
    Outcome::Info(format!(
        "a signed JWT (claims: {})",
        if claims.is_empty() { "none of iss/sub/aud/exp".to_owned() } else { claims.join(", ") }
    ))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn aws_access_key_id(token: &[u8]) -> Outcome {
    if token.len() != 20 {
        return invalid("not 20 characters", Failure::Doubt);
    }
    let mut bits: u128 = 0;
    for &c in &token[4..] {
        let Some(v) = BASE32.iter().position(|&b| b == c) else {
            return invalid("characters after the prefix are not base32", Failure::Doubt);
        };
        bits = (bits << 5) | v as u128;
    }
    // 16 base32 characters = 80 bits; the account number is bits 1..=40 of the first 48,
    // i.e. (first six bytes & 0x7fffffffff80) >> 7, in new-generation ids.
    let first48 = (bits >> 32) as u64;
    let account = (first48 & 0x7fff_ffff_ff80) >> 7;
    match account {
        0 | 1_000_000_000_000.. => Outcome::Info("an older-generation key id (no account number encoded)".to_owned()),
        _ => Outcome::Info(format!("AWS account {account:012}")),
    }
}

fn private_key_body(token: &[u8]) -> Outcome {
    // The capture may run through the END marker, hold `\n` escapes (keys inside JSON), string
    // quotes and concatenations (`"…\n" +`), and header lines (`Proc-Type:`, `Comment:`).
    let end = find(token, b"-----END").unwrap_or(token.len());
    let mut text = Vec::with_capacity(end);
    let mut i = 0;
    while i < end {
        if token[i] == b'\\' {
            text.push(b'\n');
            i += 2;
        } else {
            text.push(token[i]);
            i += 1;
        }
    }
    let mut clean = Vec::with_capacity(text.len());
    for line in text.split(|&b| b == b'\n').filter(|l| !l.contains(&b':') && !l.starts_with(b"-----")) {
        clean.extend(line.iter().filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')));
    }
    let Some(der) = base64_any(&clean) else {
        return invalid("the body is not base64", Failure::Doubt);
    };
    if der.starts_with(b"openssh-key-v1\0") {
        return Outcome::Valid("an openssh-key-v1 structure".to_owned());
    }
    let sequence = der.len() > 2
        && der[0] == 0x30
        && match der[1] {
            n @ 0..=0x7f => der.len() >= usize::from(n) + 2 && n >= 16,
            0x81..=0x83 => der.len() >= 64,
            _ => false,
        };
    if sequence {
        return Outcome::Valid("an ASN.1 DER sequence".to_owned());
    }
    invalid("the body does not decode to a key structure", Failure::Doubt)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn basic_auth(token: &[u8]) -> Outcome {
    let Some(plain) = base64_any(token) else {
        return invalid("not base64", Failure::Reject);
    };
    if !plain.iter().all(|b| b.is_ascii_graphic() || *b == b' ' || *b >= 0x80) {
        return invalid("does not decode to text", Failure::Reject);
    }
    let Some(colon) = plain.iter().position(|&b| b == b':') else {
        return invalid("no `user:password` inside", Failure::Reject);
    };
    let (user, password) = (&plain[..colon], &plain[colon + 1..]);
    if password.is_empty() {
        return invalid("empty password", Failure::Reject);
    }
    if plain == b"Aladdin:open sesame" {
        return invalid("RFC 7617's example credentials", Failure::Reject);
    }
    if let Some(why) = crate::placeholder::reason(password) {
        return invalid(format!("placeholder password: {why}"), Failure::Reject);
    }
    Outcome::Info(format!("basic credentials for user `{}`", String::from_utf8_lossy(user)))
}

fn azure_storage_key(token: &[u8]) -> Outcome {
    match base64_any(token) {
        Some(d) if d.len() == 64 => Outcome::Valid("base64 of a 64-byte key".to_owned()),
        Some(d) => invalid(format!("decodes to {} bytes, not 64", d.len()), Failure::Doubt),
        None => invalid("not base64", Failure::Doubt),
    }
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
    fn crc32_is_the_ieee_polynomial() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn github_checksum_round_trip() {
        // The body is arbitrary; the checksum is computed here, at test time.
        let fake = concat!("gh", "p_Zq8Rk2LmX4vT9pW1nB6cH3jY7sF0dG000000").as_bytes();
        assert!(!Check::GithubCrc32.verify(fake));
        let valid = Check::GithubCrc32.make_valid(fake).unwrap();
        assert!(Check::GithubCrc32.verify(&valid));
        let mut broken = valid.clone();
        broken[5] = if broken[5] == b'a' { b'b' } else { b'a' };
        assert!(!Check::GithubCrc32.verify(&broken));
        assert!(matches!(Check::GithubCrc32.run(&broken), Outcome::Invalid { severity: Failure::Doubt, .. }));
        assert!(!Check::GithubCrc32.verify(concat!("gh", "p_short").as_bytes()));
        assert!(Check::GithubCrc32.make_valid(concat!("gh", "p_short").as_bytes()).is_none());
    }

    #[test]
    fn github_checksum_covers_long_bodies() {
        // Refresh tokens: 70 random characters + 6 checksum digits.
        let fake = format!("ghr_{}000000", "aB3dE5gH7j".repeat(7));
        let valid = Check::GithubCrc32.make_valid(fake.as_bytes()).unwrap();
        assert_eq!(valid.len(), 80);
        assert!(Check::GithubCrc32.verify(&valid));
    }

    fn b64url(b: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(b)
    }

    #[test]
    fn pypi_macaroon_structure() {
        let mut mac = vec![2u8, 1, 8];
        mac.extend_from_slice(b"pypi.org");
        mac.extend_from_slice(&[2, 4]);
        mac.extend_from_slice(b"abcd");
        mac.push(0);
        let good = format!("pypi-{}", b64url(&mac));
        assert!(good.starts_with("pypi-AgEIcHlwaS5vcmc"), "{good}");
        assert_eq!(Check::PypiMacaroon.run(good.as_bytes()), Outcome::Valid("macaroon for pypi.org".into()));
        mac[3..11].copy_from_slice(b"evil.org");
        let other = format!("pypi-{}", b64url(&mac));
        assert!(matches!(Check::PypiMacaroon.run(other.as_bytes()), Outcome::Invalid { severity: Failure::Weak, .. }));
        assert!(!Check::PypiMacaroon.verify(b"pypi-AgEIcHlwaS5vcmcthisisnotamacaroon"));
    }

    #[test]
    fn jwt_structure() {
        let h = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = b64url(br#"{"sub":"1234","iat":1700000000}"#);
        let good = format!("{h}.{p}.c2lnbmF0dXJlLWJ5dGVz");
        assert_eq!(Check::Jwt.run(good.as_bytes()), Outcome::Info("a signed JWT (claims: sub)".into()));
        let doc = format!("{h}.{}.c2ln", b64url(br#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#));
        assert!(matches!(Check::Jwt.run(doc.as_bytes()), Outcome::Invalid { severity: Failure::Reject, .. }));
        let bad = format!("{h}.bm90IGpzb24.c2ln");
        assert!(matches!(Check::Jwt.run(bad.as_bytes()), Outcome::Invalid { severity: Failure::Reject, .. }));
        let none = format!("{}.{p}.", b64url(br#"{"alg":"none"}"#));
        assert!(matches!(Check::Jwt.run(none.as_bytes()), Outcome::Invalid { severity: Failure::Weak, .. }));
    }

    #[test]
    fn aws_account_from_key_id() {
        // The published worked example for the decoding (a temporary key id, long expired).
        assert_eq!(
            Check::AwsAccessKeyId.run(concat!("AS", "IAY34FZKBOKMUTVV7A").as_bytes()),
            Outcome::Info("AWS account 609629065308".into())
        );
        assert!(matches!(Check::AwsAccessKeyId.run(b"AKIA0000000000000000"), Outcome::Invalid { .. }));
    }

    #[test]
    fn private_key_bodies() {
        // An ASN.1 SEQUENCE with a two-byte length, then filler: enough structure for the check.
        let mut der = vec![0x30, 0x82, 0x01, 0x00];
        der.extend((0..256u32).map(|i| (i * 7) as u8));
        let body = STANDARD.encode(&der);
        let wrapped: Vec<u8> = body.as_bytes().chunks(64).collect::<Vec<_>>().join(&b"\n"[..]);
        assert!(Check::PrivateKeyBody.verify(&wrapped));
        let escaped: Vec<u8> = body.as_bytes().chunks(64).collect::<Vec<_>>().join(&b"\\n"[..]);
        assert!(Check::PrivateKeyBody.verify(&escaped));
        let ssh = STANDARD.encode(b"openssh-key-v1\0\0\0\0\x04none");
        assert!(Check::PrivateKeyBody.verify(ssh.as_bytes()));
        // As a rule captures it: through the END marker, with a header line.
        let captured = format!(
            "\nProc-Type: 4,ENCRYPTED\n{}\n-----END RSA PRIVATE KEY-----",
            String::from_utf8(wrapped.clone()).unwrap()
        );
        assert!(Check::PrivateKeyBody.verify(captured.as_bytes()));
        // A short Ed25519 PKCS#8 body (48 bytes, short-form length).
        let mut ed =
            vec![0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
        ed.extend([9u8; 32]);
        assert!(Check::PrivateKeyBody.verify(STANDARD.encode(&ed).as_bytes()));
        assert!(!Check::PrivateKeyBody.verify(b"...your key here..."));
    }

    #[test]
    fn basic_auth_credentials() {
        let enc = |s: &str| STANDARD.encode(s);
        assert_eq!(
            Check::BasicAuth.run(enc("ci-deploy:Wq7#kLp2Zx9v").as_bytes()),
            Outcome::Info("basic credentials for user `ci-deploy`".into())
        );
        for bad in ["Aladdin:open sesame", "username:password", "nocolon", "user:"] {
            assert!(
                matches!(Check::BasicAuth.run(enc(bad).as_bytes()), Outcome::Invalid { severity: Failure::Reject, .. }),
                "{bad}"
            );
        }
        assert!(matches!(Check::BasicAuth.run(b"not-base64!!"), Outcome::Invalid { .. }));
    }

    #[test]
    fn azure_storage_keys() {
        let key = STANDARD.encode([7u8; 64]);
        assert!(Check::AzureStorageKey.verify(key.as_bytes()));
        assert!(!Check::AzureStorageKey.verify(STANDARD.encode([7u8; 32]).as_bytes()));
    }
}
