//! Embeds the hunt library (`data/hunts/*.sql`) and the baseline queries
//! (`data/baselines/*.sql`) in the binary, so `tokenhunt hunt` works from any folder.

use std::fmt::Write as _;
use std::path::Path;

/// Writes `pub static <name>: &[(&str, &str)]` listing every `*.sql` of `data/<folder>`.
fn embed_folder(folder: &str, name: &str, doc: &str, out_file: &str) {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data")
        .join(folder);
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "sql"));
    files.sort();
    let mut code = format!("/// {doc}\npub static {name}: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let file = path.file_name().unwrap().to_string_lossy();
        let absolute = path.canonicalize().unwrap().display().to_string();
        writeln!(code, "    ({file:?}, include_str!({absolute:?})),").unwrap();
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join(out_file);
    std::fs::write(out, code).unwrap();
}

fn main() {
    embed_folder(
        "hunts",
        "BUILTIN_HUNTS",
        "Built-in hunts: (file name, SQL with its metadata header).",
        "builtin_hunts.rs",
    );
    embed_folder(
        "baselines",
        "BUILTIN_BASELINES",
        "Baseline tables: (file name, SQL).",
        "builtin_baselines.rs",
    );
}
