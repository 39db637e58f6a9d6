//! Compiles the built-in catalog (`rules/*.yml` at the workspace root) into the crate, so the
//! binary needs no files beside it.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../rules");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading the built-in rules directory {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// `(name, YAML text)` of every built-in rule file, sorted by name.\npub static BUILTIN_RULE_FILES: &[(&str, &str)] = &[\n",
    );
    for f in &files {
        println!("cargo::rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).expect("rule file names are UTF-8");
        let abs = f.canonicalize().expect("rule file exists");
        writeln!(out, "    ({:?}, include_str!({:?})),", format!("rules/{name}"), abs).expect("writing to a String");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    std::fs::write(dest, out).expect("writing builtin_rules.rs");
}
