//! Regenerates `data/bigram.bin`, the character-bigram table of `sprawl_verify::randomness`.
//!
//! ```text
//! cargo run -p sprawl-verify --release --example randomness_train
//! ```
//!
//! Reads identifiers, single-line string literals and comment/docstring lines from Python's
//! standard library (`/root/.pyenv/versions/3.11.7/lib/python3.11`, test suites excluded) and
//! from the crate sources under `~/.cargo/registry/src` (at most 400 kB per crate, tests,
//! benches and examples excluded), counts character bigrams with add-0.1 smoothing and writes
//! `round(-8 log2 P(next | previous))`, clamped to 1..=255, as 97 rows of 96 bytes. Only the
//! table is committed; the text stays where it is. The output depends on the exact sources
//! installed; `randomness_measure` shows how much that matters (each half alone does as well).

mod common;

use std::path::Path;

fn main() -> std::io::Result<()> {
    let py = common::harvest_python();
    let rs = common::harvest_rust();
    let n = |c: &common::Corpus| c.idents.len() + c.strings.len() + c.comments.len();
    if n(&py) == 0 || n(&rs) == 0 {
        eprintln!("training text not found: python {} texts, rust {} texts", n(&py), n(&rs));
        std::process::exit(2);
    }
    let table = common::train_bigram(py.texts().chain(rs.texts()), common::ALPHA);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("data").join("bigram.bin");
    std::fs::write(&out, &table)?;
    eprintln!(
        "trained on {} python and {} rust texts ({} + {} files); wrote {} bytes to {}",
        n(&py),
        n(&rs),
        py.paths.len(),
        rs.paths.len(),
        table.len(),
        out.display()
    );
    Ok(())
}
