//! Printing query results in every output format.
//!
//! Results arrive batch by batch; a [`ResultSink`] writes each format as it comes
//! (CSV, JSON, Parquet stream straight through) or keeps what it needs to lay out
//! a table, so memory stays bounded by `--max-rows` / `.maxrows` for tables.

pub mod delivery;
pub mod error;
pub mod findings;
pub mod progress;
pub mod sanitize;
mod table;

use std::io::{self, Write};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::Writer as CsvWriter;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::json::writer::{
    JsonArray, LineDelimited, Writer as JsonWriter, WriterBuilder,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::ArrowWriter;

pub use sanitize::{terminal_lines, terminal_text};
pub use table::{TableStyle, no_color};

use crate::args::OutputFormat;

/// How cells are spelled in text formats.
pub fn format_options() -> FormatOptions<'static> {
    FormatOptions::default()
        .with_null("")
        .with_timestamp_tz_format(Some("%Y-%m-%dT%H:%M:%S%.fZ"))
        .with_timestamp_format(Some("%Y-%m-%dT%H:%M:%S%.f"))
}

fn arrow_error(error: ArrowError) -> io::Error {
    // Writers wrap the destination's own I/O errors (a closed pipe, a full disk):
    // keep their kind so callers can tell a reader that went away from a failure.
    match error {
        ArrowError::IoError(_, source) => source,
        other => io::Error::other(other),
    }
}

/// Every cell of the batches as display text, row by row.
pub fn cell_texts(batches: &[RecordBatch]) -> io::Result<Vec<Vec<String>>> {
    let options = format_options();
    let mut rows = Vec::new();
    for batch in batches {
        let formatters = batch
            .columns()
            .iter()
            .map(|column| ArrayFormatter::try_new(column.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()
            .map_err(arrow_error)?;
        for row in 0..batch.num_rows() {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    Ok(rows)
}

/// Receives one result, batch by batch, and writes it in one format.
pub trait ResultSink {
    /// Takes the next batch.
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()>;
    /// Writes whatever the format keeps for the end (the table, the closing `]`).
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// A sink writing `format` to `out`. Parquet streams too: `out` should be a file.
pub fn sink<'a>(
    format: OutputFormat,
    schema: SchemaRef,
    style: TableStyle,
    out: &'a mut (dyn Write + Send),
) -> io::Result<Box<dyn ResultSink + 'a>> {
    Ok(match format {
        OutputFormat::Table | OutputFormat::Vertical => Box::new(TextSink {
            schema,
            style,
            vertical: format == OutputFormat::Vertical,
            kept: Vec::new(),
            kept_rows: 0,
            total_rows: 0,
            out,
        }),
        OutputFormat::Csv => Box::new(CsvSink {
            schema,
            writer: datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .with_timestamp_tz_format("%Y-%m-%dT%H:%M:%S%.fZ".to_string())
                .build(out),
            wrote: false,
        }),
        OutputFormat::Jsonl => Box::new(JsonLinesSink(
            WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, LineDelimited>(out),
        )),
        OutputFormat::Json => Box::new(JsonArraySink(
            WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, JsonArray>(out),
        )),
        OutputFormat::Parquet => {
            use datafusion::parquet::basic::{Compression, ZstdLevel};
            use datafusion::parquet::file::properties::WriterProperties;
            let properties = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build();
            let writer =
                ArrowWriter::try_new(out, schema, Some(properties)).map_err(io::Error::other)?;
            Box::new(ParquetSink(writer))
        }
    })
}

/// Tables and the vertical layout: keeps up to `max_rows` rows, counts the rest.
struct TextSink<'a> {
    schema: SchemaRef,
    style: TableStyle,
    vertical: bool,
    kept: Vec<RecordBatch>,
    kept_rows: usize,
    total_rows: usize,
    out: &'a mut (dyn Write + Send),
}

impl ResultSink for TextSink<'_> {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.total_rows += batch.num_rows();
        let room = match self.style.max_rows {
            0 => batch.num_rows(),
            limit => limit.saturating_sub(self.kept_rows).min(batch.num_rows()),
        };
        if room > 0 {
            self.kept.push(batch.slice(0, room));
            self.kept_rows += room;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        let rows = cell_texts(&self.kept)?;
        if self.vertical {
            table::write_vertical(&self.schema, &rows, self.total_rows, &self.style, self.out)
        } else {
            table::write_table(&self.schema, &rows, self.total_rows, &self.style, self.out)
        }
    }
}

struct CsvSink<'a> {
    schema: SchemaRef,
    writer: CsvWriter<&'a mut (dyn Write + Send)>,
    wrote: bool,
}

impl ResultSink for CsvSink<'_> {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.wrote = true;
        self.writer.write(batch).map_err(arrow_error)
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        // An empty result still gets its header line.
        if !self.wrote {
            self.writer
                .write(&RecordBatch::new_empty(self.schema.clone()))
                .map_err(arrow_error)?;
        }
        Ok(())
    }
}

struct JsonLinesSink<'a>(JsonWriter<&'a mut (dyn Write + Send), LineDelimited>);

impl ResultSink for JsonLinesSink<'_> {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.0.write(batch).map_err(arrow_error)
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.0.finish().map_err(arrow_error)
    }
}

struct JsonArraySink<'a>(JsonWriter<&'a mut (dyn Write + Send), JsonArray>);

impl ResultSink for JsonArraySink<'_> {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.0.write(batch).map_err(arrow_error)
    }

    fn finish(mut self: Box<Self>) -> io::Result<()> {
        // Arrow writes `[]` for an empty result itself; end with a newline.
        self.0.finish().map_err(arrow_error)?;
        self.0.into_inner().write_all(b"\n")
    }
}

struct ParquetSink<'a>(ArrowWriter<&'a mut (dyn Write + Send)>);

impl ResultSink for ParquetSink<'_> {
    fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        self.0.write(batch).map_err(io::Error::other)
    }

    fn finish(self: Box<Self>) -> io::Result<()> {
        self.0.close().map(|_| ()).map_err(io::Error::other)
    }
}

/// Prints one line on stdout; a reader that went away (`| head`) is not an error.
pub fn print_line(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("user", DataType::Utf8, true),
            Field::new("n", DataType::Int64, false),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![Some("alice"), None])),
                Arc::new(Int64Array::from(vec![1, 22])),
            ],
        )
        .unwrap()
    }

    fn render(format: OutputFormat, batches: &[RecordBatch], max_rows: usize) -> String {
        let mut out: Vec<u8> = Vec::new();
        let style = TableStyle {
            width: None,
            max_rows,
            color: false,
        };
        let mut sink = sink(format, batch().schema(), style, &mut out).unwrap();
        for b in batches {
            sink.write(b).unwrap();
        }
        sink.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn streaming_formats_write_every_row() {
        assert_eq!(
            render(OutputFormat::Csv, &[batch()], 0),
            "user,n\nalice,1\n,22\n"
        );
        assert_eq!(render(OutputFormat::Csv, &[], 0), "user,n\n");
        assert_eq!(
            render(OutputFormat::Jsonl, &[batch()], 0),
            "{\"user\":\"alice\",\"n\":1}\n{\"user\":null,\"n\":22}\n"
        );
        assert_eq!(render(OutputFormat::Json, &[], 0), "[]\n");
        let json: serde_json::Value =
            serde_json::from_str(&render(OutputFormat::Json, &[batch(), batch()], 0)).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 4);
    }

    #[test]
    fn tables_keep_max_rows_and_count_the_rest() {
        let text = render(OutputFormat::Table, &[batch(), batch()], 3);
        assert!(text.contains("alice"), "{text}");
        assert!(text.contains("1 more row"), "{text}");
    }
}
