//! Compiles the built-in catalog (`rules/*.yml` at the workspace root) into the crate.
//!
//! Each file is parsed here, once, with the same serde schema the library uses
//! (`src/def.rs`), and emitted as static Rust data: starting `sprawl` then costs no YAML
//! parsing, which matters in a pre-commit hook. A file that does not parse is embedded as text
//! instead, so that the library reports its error (with file and line) at run time, in tests
//! and in `rules check`, rather than failing the build.

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/def.rs"]
mod def;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../rules");
    println!("cargo::rerun-if-changed={}", dir.display());
    println!("cargo::rerun-if-changed=src/def.rs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading the built-in rules directory {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    let mut out = String::from("pub static BUILTIN: &[StaticFile] = &[\n");
    for f in &files {
        println!("cargo::rerun-if-changed={}", f.display());
        let name = format!("rules/{}", f.file_name().and_then(|n| n.to_str()).expect("rule file names are UTF-8"));
        let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("reading {}: {e}", f.display()));
        match serde_saphyr::from_str_with_options::<def::RuleFile>(&text, def::options()) {
            Ok(parsed) => {
                writeln!(out, "    StaticFile::Parsed {{ name: {name:?}, rules: &[").expect("String write");
                for r in parsed.rules {
                    let line = u32::try_from(r.referenced.line()).unwrap_or(u32::MAX);
                    emit_rule(&mut out, &r.value, line);
                }
                out.push_str("    ] },\n");
            }
            Err(_) => {
                let abs = f.canonicalize().expect("rule file exists");
                writeln!(out, "    StaticFile::Raw {{ name: {name:?}, text: include_str!({abs:?}) }},")
                    .expect("String write");
            }
        }
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    std::fs::write(dest, out).expect("writing builtin_rules.rs");
}

fn strs(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", items.join(", "))
}

fn opt<T: std::fmt::Debug>(v: &Option<T>) -> String {
    match v {
        Some(x) => format!("Some({x:?})"),
        None => "None".to_owned(),
    }
}

fn emit_rule(out: &mut String, r: &def::RuleDef, line: u32) {
    let pair = match &r.pair_with {
        Some(p) => format!("Some(({:?}, {}))", p.rule, p.within_lines),
        None => "None".to_owned(),
    };
    let min_entropy = match r.min_entropy {
        Some(e) => format!("Some({e:?}_f64)"),
        None => "None".to_owned(),
    };
    writeln!(
        out,
        "        StaticRule {{ id: {:?}, name: {:?}, pattern: {:?}, keywords: {}, max_len: {}, min_entropy: {min_entropy}, \
         checksum: {}, placeholders: {}, random: {}, confidence: {}, pair_with: {pair}, context: {}, secret_group: {}, identity: {:?}, \
         examples: {}, negative_examples: {}, references: {}, line: {line} }},",
        r.id,
        r.name,
        r.pattern,
        strs(&r.keywords),
        r.max_len,
        opt(&r.verify.checksum),
        r.verify.placeholders,
        r.verify.random,
        opt(&r.confidence),
        opt(&r.context),
        opt(&r.secret_group),
        r.identity,
        strs(&r.examples),
        strs(&r.negative_examples),
        strs(&r.references),
    )
    .expect("String write");
}
