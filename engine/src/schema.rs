//! The normalized schema every source is mapped into.
//!
//! Two tables: `signins` (one row per authentication or session event, whichever
//! source) and `audit` (directory changes). Column names are ours; the per-source
//! mapping lives beside each parser (`parse::entra_signin`, `parse::okta`, ...) and in
//! the README.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

/// The time zone every timestamp is stored in.
pub const UTC: &str = "UTC";

/// Arrow type of every event time: microseconds since the epoch, UTC.
pub fn time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))
}

/// Column names of the `signins` table, in schema order.
pub mod signin_columns {
    pub const TIME: &str = "time";
    pub const SOURCE: &str = "source";
    pub const LOG_TYPE: &str = "log_type";
    pub const EVENT_TYPE: &str = "event_type";
    pub const EVENT_ID: &str = "event_id";
    pub const USER: &str = "user";
    pub const SESSION_ID: &str = "session_id";
    pub const IP: &str = "ip";
}

/// Schema of the `signins` table as stored in Parquet.
///
/// `source` is stored in the files as well as in the partition path, so a file read
/// on its own (e.g. by DuckDB) is complete.
pub static SIGNIN_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("time", time_type(), false),
        Field::new("source", DataType::Utf8, false),
        Field::new("log_type", DataType::Utf8, false),
        Field::new("event_type", DataType::Utf8, false),
        Field::new("event_id", DataType::Utf8, false),
        text("user"),
        text("user_id"),
        text("session_id"),
        text("root_session_id"),
        text("token_id"),
        text("correlation_id"),
        text("tenant_id"),
        text("ip"),
        Field::new("asn", DataType::Int64, true),
        text("as_org"),
        text("isp"),
        Field::new("is_proxy", DataType::Boolean, true),
        text("country"),
        text("region"),
        text("city"),
        Field::new("lat", DataType::Float64, true),
        Field::new("lon", DataType::Float64, true),
        text("user_agent"),
        text("device_id"),
        text("device_os"),
        text("browser"),
        text("device_trust"),
        text("app"),
        text("app_id"),
        text("resource"),
        text("client_app"),
        text("incoming_token_type"),
        text("token_issuer_type"),
        text("auth_requirement"),
        text("result"),
        text("result_code"),
        text("risk"),
        text("auth_protocol"),
        Field::new("raw", DataType::Utf8, false),
    ]))
});

/// Schema of the `audit` table as stored in Parquet.
pub static AUDIT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    Arc::new(Schema::new(vec![
        Field::new("time", time_type(), false),
        Field::new("source", DataType::Utf8, false),
        Field::new("event_id", DataType::Utf8, false),
        Field::new("operation", DataType::Utf8, false),
        text("category"),
        text("actor"),
        text("actor_ip"),
        text("target"),
        text("target_id"),
        text("result"),
        text("details"),
        Field::new("raw", DataType::Utf8, false),
    ]))
});

/// The two tables of the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Signins,
    Audit,
}

impl Table {
    pub const ALL: [Table; 2] = [Table::Signins, Table::Audit];

    /// The table's name in SQL and its folder in the lake.
    pub fn name(self) -> &'static str {
        match self {
            Table::Signins => "signins",
            Table::Audit => "audit",
        }
    }

    pub fn schema(self) -> SchemaRef {
        match self {
            Table::Signins => SIGNIN_SCHEMA.clone(),
            Table::Audit => AUDIT_SCHEMA.clone(),
        }
    }

    /// The column rows are clustered by within a file (then time): the one an
    /// investigation starts from, so its lookups skip most row groups.
    pub fn cluster_column(self) -> &'static str {
        match self {
            Table::Signins => "user",
            Table::Audit => "actor",
        }
    }

    /// Columns whose lookups by equality are common enough to carry Parquet bloom filters.
    pub fn bloom_filter_columns(self) -> &'static [&'static str] {
        match self {
            Table::Signins => &["user", "session_id", "ip"],
            Table::Audit => &["actor", "target"],
        }
    }
}

/// Which product a row came from; also the `source=` partition of the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Source {
    Entra,
    Okta,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Entra => "entra",
            Source::Okta => "okta",
        }
    }

    pub fn from_name(name: &str) -> Option<Source> {
        match name {
            "entra" => Some(Source::Entra),
            "okta" => Some(Source::Okta),
            _ => None,
        }
    }
}

/// Columns that live in the lake's folder names, not inside the Parquet files.
pub const PARTITION_COLUMNS: [&str; 2] = ["source", "date"];

/// The schema of a table's Parquet files: the table schema without `source`, which
/// the `source=` folder carries.
pub fn file_schema(table: Table) -> SchemaRef {
    let schema = table.schema();
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .filter(|field| field.name() != "source")
            .cloned()
            .collect::<Vec<_>>(),
    ))
}

/// The columns an ingest deduplicates on, besides `source` and `time`: the event's
/// kind and its id.
pub fn dedup_columns(table: Table) -> (&'static str, &'static str) {
    match table {
        Table::Signins => ("event_type", "event_id"),
        Table::Audit => ("operation", "event_id"),
    }
}
