//! `tokenhunt sql`: run SQL in batch and print the results to stdout.

use std::io::Write;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;

use crate::args::{OutputFormat, SqlArgs};
use crate::context::Context;
use crate::output::{TableStyle, parquet_bytes, write_batches};

pub async fn run(context: &Context, args: &SqlArgs) -> Result<()> {
    let text = match (&args.command, &args.file) {
        (Some(command), _) => command.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?,
        (None, None) => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
            text
        }
    };
    let ctx = context.session().await?;
    let format = context.format_or(OutputFormat::Table);
    run_statements(
        context,
        &ctx,
        &text,
        format,
        args.out.as_deref(),
        args.max_rows,
    )
    .await
}

/// Runs each statement of `text`, printing each result.
pub async fn run_statements(
    context: &Context,
    ctx: &SessionContext,
    text: &str,
    format: OutputFormat,
    out: Option<&str>,
    max_rows: usize,
) -> Result<()> {
    let statements = split_statements(text);
    if statements.is_empty() {
        bail!("no SQL statement given");
    }
    for statement in statements {
        let started = Instant::now();
        let frame = ctx.sql(&statement).await?;
        let schema = frame.schema().inner().clone();
        let batches: Vec<RecordBatch> = frame.collect().await?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        match (format, out) {
            (OutputFormat::Parquet, None) => bail!("--format parquet needs --out <file>"),
            (OutputFormat::Parquet, Some(path)) => {
                std::fs::write(path, parquet_bytes(&schema, &batches)?)
                    .with_context(|| format!("cannot write {path}"))?;
            }
            (_, Some(path)) => {
                let mut file = std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("cannot write {path}"))?,
                );
                write_batches(
                    format,
                    &schema,
                    &batches,
                    &TableStyle {
                        width: None,
                        max_rows,
                        color: false,
                    },
                    &mut file,
                )?;
                file.flush()?;
            }
            (_, None) => {
                let mut stdout = std::io::stdout().lock();
                write_batches(
                    format,
                    &schema,
                    &batches,
                    &TableStyle::for_stdout(max_rows),
                    &mut stdout,
                )?;
                stdout.flush()?;
            }
        }
        if !context.global.quiet && format == OutputFormat::Table {
            eprintln!("{rows} row(s) in {:.3} s", started.elapsed().as_secs_f64());
        }
    }
    Ok(())
}

/// Splits SQL text on `;` outside quotes and comments.
pub fn split_statements(text: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(ch) = chars.next() {
        match quote {
            Some(q) => {
                current.push(ch);
                if ch == q {
                    quote = None;
                }
            }
            None => match ch {
                '\'' | '"' => {
                    quote = Some(ch);
                    current.push(ch);
                }
                '-' if chars.peek() == Some(&'-') => {
                    for next in chars.by_ref() {
                        if next == '\n' {
                            current.push('\n');
                            break;
                        }
                    }
                }
                ';' => {
                    if !current.trim().is_empty() {
                        statements.push(current.trim().to_string());
                    }
                    current.clear();
                }
                _ => current.push(ch),
            },
        }
    }
    if !current.trim().is_empty() {
        statements.push(current.trim().to_string());
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    #[test]
    fn statements_split_outside_quotes_and_comments() {
        let parts = split_statements("SELECT ';' AS a; -- c;\nSELECT 2;;");
        assert_eq!(parts, vec!["SELECT ';' AS a", "SELECT 2"]);
    }
}
