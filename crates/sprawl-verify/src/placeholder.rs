//! Values that have the shape of a secret but are documentation, templates or masks.

/// Values that, once lowercased and stripped of everything but letters and digits, are the
/// name of what should be there rather than a value.
const NAMES: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"pass",
    b"pwd",
    b"secret",
    b"secretkey",
    b"apikey",
    b"token",
    b"accesstoken",
    b"authtoken",
    b"changeit",
    b"clientsecret",
    b"privatekey",
    b"credentials",
    b"value",
];

/// Why `secret` looks like a placeholder, or `None` if it does not. Percent-encoded values
/// (`pass%20word` in a URL) are judged decoded.
pub fn reason(secret: &[u8]) -> Option<&'static str> {
    if secret.contains(&b'%')
        && let Some(decoded) = crate::decode::decode(secret, crate::decode::Encoding::Percent).filter(|d| d != secret)
    {
        return reason(&decoded);
    }
    let lower = secret.to_ascii_lowercase();
    // Undo the usual substitutions (`p@ssw0rd`, `s3cr3t`) before comparing with the names.
    let name: Vec<u8> = lower
        .iter()
        .map(|&c| match c {
            b'@' | b'4' => b'a',
            b'$' | b'5' => b's',
            b'0' => b'o',
            b'3' => b'e',
            b'1' | b'!' => b'i',
            c => c,
        })
        .filter(u8::is_ascii_alphanumeric)
        .collect();
    if NAMES.contains(&name.as_slice()) {
        return Some("names what should be there (`password`, `secret`, `token`…)");
    }
    const WORDS: &[(&[u8], &str)] = &[
        (b"example", "contains `example`"),
        (b"xxxx", "contains `xxxx`"),
        (b"****", "masked with `*`"),
        (b"your_", "contains `your_`"),
        (b"your-", "contains `your-`"),
        (b"yourkey", "contains `yourkey`"),
        (b"placeholder", "contains `placeholder`"),
        (b"changeme", "contains `changeme`"),
        (b"change_me", "contains `change_me`"),
        (b"replace_me", "contains `replace_me`"),
        (b"redacted", "contains `redacted`"),
        (b"dummy", "contains `dummy`"),
        (b"fake", "contains `fake`"),
        (b"sample", "contains `sample`"),
        (b"mock", "contains `mock`"),
        (b"${", "a `${…}` template"),
        (b"{{", "a `{{…}}` template"),
        (b"%(", "a `%(name)s` template"),
        (b"<", "an `<…>` placeholder"),
        (b"process.env", "an environment variable reference"),
        (b"os.environ", "an environment variable reference"),
        (b"getenv(", "an environment variable reference"),
        (b"secrets.", "a CI secret reference"),
        (b"...", "elided with `...`"),
        ("…".as_bytes(), "elided with `…`"),
        ("••".as_bytes(), "masked with `•`"),
        (b"insert_", "contains `insert_`"),
        (b"_here", "contains `_here`"),
        (b"todo", "contains `todo`"),
        (b"fixme", "contains `fixme`"),
    ];
    for (word, why) in WORDS {
        if memmem(&lower, word) {
            return Some(why);
        }
    }
    if is_variable_reference(secret) {
        return Some("a variable reference such as `$TOKEN` or `%TOKEN%`");
    }
    if has_run(&lower, 6) {
        return Some("a run of one repeated character");
    }
    if has_sequence(&lower, 8) {
        return Some("a counting sequence such as `12345678` or `abcdefgh`");
    }
    None
}

/// Why `secret` is a value its provider publishes by design (so a context rule such as
/// `access_token = '…'` must not report it), or `None`.
pub fn public_reason(secret: &[u8]) -> Option<&'static str> {
    const PUBLIC: &[(&[u8], &str)] = &[
        (b"pk.eyJ", "a Mapbox public token"),
        (b"pk_live_", "a Stripe publishable key"),
        (b"pk_test_", "a Stripe publishable key"),
    ];
    PUBLIC.iter().find(|(prefix, _)| secret.starts_with(prefix)).map(|(_, why)| *why)
}

/// `$NAME`, `$name`, `%NAME%`, `@NAME@`: the whole value names a variable instead of holding one.
fn is_variable_reference(s: &[u8]) -> bool {
    let ident = |b: &[u8]| !b.is_empty() && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    match s {
        [b'$', rest @ ..] => ident(rest),
        [b'%', mid @ .., b'%'] | [b'@', mid @ .., b'@'] => ident(mid),
        _ => false,
    }
}

fn memmem(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `n` or more copies of one alphanumeric byte in a row.
fn has_run(s: &[u8], n: usize) -> bool {
    let mut run = 1;
    for w in s.windows(2) {
        if w[0] == w[1] && w[0].is_ascii_alphanumeric() {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// `n` or more alphanumeric bytes each one more than the last (`0123…`, `abcd…`).
fn has_sequence(s: &[u8], n: usize) -> bool {
    let mut run = 1;
    for w in s.windows(2) {
        if w[1] == w[0].wrapping_add(1) && w[0].is_ascii_alphanumeric() && w[1].is_ascii_alphanumeric() {
            run += 1;
            if run >= n {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{public_reason, reason};

    #[test]
    fn placeholders_are_caught() {
        for p in [
            &b"AKIAIOSFODNN7EXAMPLE"[..],
            concat!("gh", "p_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx").as_bytes(),
            b"sk-************************",
            b"your_api_key_here",
            b"${GITHUB_TOKEN}",
            b"{{ secrets.TOKEN }}",
            b"%(password)s",
            b"<your-token>",
            concat!("sk", "_live_000000000000000000000000").as_bytes(),
            concat!("gh", "p_123456789012345678901234567890123456").as_bytes(),
            b"changeme",
            b"$GITHUB_TOKEN",
            b"%API_KEY%",
            b"sk-proj-abc...xyz",
            b"process.env.STRIPE_KEY",
            b"your-api-key-here",
            b"ya29.fake-access-token",
            b"pass%20word",
            b"p%40ss%3Aword",
            b"Pass_Word",
            b"s3cr3t",
        ] {
            assert!(reason(p).is_some(), "{}", String::from_utf8_lossy(p));
        }
    }

    #[test]
    fn public_tokens_are_named() {
        assert_eq!(public_reason(b"pk.eyJ1IjoiYWNtZSIsImEiOiJjbHh4In0.abc"), Some("a Mapbox public token"));
        assert_eq!(public_reason(b"pk_live_51H8x"), Some("a Stripe publishable key"));
        assert_eq!(public_reason(b"sk.eyJ1IjoiYWNtZSJ9.abc"), None);
    }

    #[test]
    fn random_values_pass() {
        for p in [
            concat!("gh", "p_R8xK2mQ9vL4tZ7wN1cB5hJ3gF6dS0aP2yE8u").as_bytes(),
            concat!("AK", "IA2E0A8F3B244C9986").as_bytes(),
            concat!("xo", "xb-2931847562-5839201746382-Jh3kQ9wLm2Zx7Vb4Nc8Rt1Yp").as_bytes(),
        ] {
            assert_eq!(reason(p), None, "{}", String::from_utf8_lossy(p));
        }
    }
}
