//! `tokenhunt functions`: every tokenhunt SQL function with its signature, one
//! sentence and an example.

use std::io::Write;

use anyhow::Result;
use tokenhunt_udfs::{FunctionKind, function_docs};

/// Prints the catalogue, optionally only names containing `pattern`.
pub fn run(pattern: Option<&str>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for doc in function_docs() {
        if pattern.is_some_and(|p| !doc.name.contains(p)) {
            continue;
        }
        let kind = match doc.kind {
            FunctionKind::Scalar => "scalar",
            FunctionKind::Aggregate => "aggregate",
            FunctionKind::Window => "window",
        };
        writeln!(
            out,
            "{} ({kind})\n  {}\n  {}\n  example: {}\n",
            doc.name, doc.signature, doc.description, doc.example
        )?;
    }
    Ok(())
}
