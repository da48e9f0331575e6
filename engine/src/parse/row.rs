//! Normalized rows and the Arrow builders they are appended to.
//!
//! Extractors fill a row of borrowed values (no copy of the record's strings until
//! the builder appends them), validate it, then append it; a record that fails
//! validation appends nothing and goes to quarantine.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;

use crate::schema::{AUDIT_SCHEMA, SIGNIN_SCHEMA, UTC};

/// Text value of a row: borrowed from the record when possible.
pub type Text<'v> = Option<Cow<'v, str>>;

macro_rules! normalized_table {
    (
        $(#[$row_doc:meta])* row $row:ident,
        $(#[$builder_doc:meta])* builder $builder:ident,
        schema $schema:ident,
        required { $($required:ident),* }
        optional { $($field:ident : $kind:ident),* }
    ) => {
        $(#[$row_doc])*
        #[derive(Debug, Default, Clone)]
        pub struct $row<'v> {
            pub time: i64,
            $(pub $required: Cow<'v, str>,)*
            $(pub $field: normalized_table!(@row_type $kind),)*
        }

        $(#[$builder_doc])*
        pub struct $builder {
            time: TimestampMicrosecondBuilder,
            $($required: StringBuilder,)*
            $($field: normalized_table!(@builder_type $kind),)*
            raw: StringBuilder,
            rows: usize,
        }

        impl $builder {
            pub fn with_capacity(rows: usize) -> Self {
                $builder {
                    time: TimestampMicrosecondBuilder::with_capacity(rows).with_timezone(UTC),
                    $($required: StringBuilder::with_capacity(rows, rows * 16),)*
                    $($field: normalized_table!(@builder_new $kind, rows),)*
                    raw: StringBuilder::with_capacity(rows, rows * 2048),
                    rows: 0,
                }
            }

            /// Appends a row and the original record's text (the `raw` column).
            pub fn append(&mut self, row: &$row<'_>, raw: &str) {
                self.time.append_value(row.time);
                $(self.$required.append_value(&row.$required);)*
                $(normalized_table!(@append $kind, self.$field, row.$field);)*
                self.raw.append_value(raw);
                self.rows += 1;
            }

            pub fn len(&self) -> usize {
                self.rows
            }

            pub fn is_empty(&self) -> bool {
                self.rows == 0
            }

            /// Finishes the rows appended so far into a batch and starts afresh.
            pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(self.time.finish()),
                    $(Arc::new(self.$required.finish()),)*
                    $(Arc::new(self.$field.finish()),)*
                    Arc::new(self.raw.finish()),
                ];
                self.rows = 0;
                RecordBatch::try_new($schema.clone(), columns)
            }
        }
    };
    (@row_type text) => { Text<'v> };
    (@row_type int) => { Option<i64> };
    (@row_type float) => { Option<f64> };
    (@row_type bool) => { Option<bool> };
    (@builder_type text) => { StringBuilder };
    (@builder_type int) => { Int64Builder };
    (@builder_type float) => { Float64Builder };
    (@builder_type bool) => { BooleanBuilder };
    (@builder_new text, $rows:expr) => { StringBuilder::with_capacity($rows, $rows * 8) };
    (@builder_new int, $rows:expr) => { Int64Builder::with_capacity($rows) };
    (@builder_new float, $rows:expr) => { Float64Builder::with_capacity($rows) };
    (@builder_new bool, $rows:expr) => { BooleanBuilder::with_capacity($rows) };
    (@append text, $builder:expr, $value:expr) => { $builder.append_option($value.as_deref()) };
    (@append $other:ident, $builder:expr, $value:expr) => { $builder.append_option($value) };
}

normalized_table! {
    /// One row of the `signins` table (see `schema::SIGNIN_SCHEMA`).
    row SigninRow,
    /// Column builders for `signins` rows.
    builder SigninBuilder,
    schema SIGNIN_SCHEMA,
    required { source, log_type, event_type, event_id }
    optional {
        user: text, user_id: text, session_id: text, root_session_id: text, token_id: text,
        correlation_id: text, tenant_id: text, ip: text, asn: int, as_org: text, isp: text,
        is_proxy: bool, country: text, region: text, city: text, lat: float, lon: float,
        user_agent: text, device_id: text, device_os: text, browser: text, device_trust: text,
        app: text, app_id: text, resource: text, client_app: text, incoming_token_type: text,
        token_issuer_type: text, auth_requirement: text, result: text, result_code: text,
        risk: text, auth_protocol: text
    }
}

normalized_table! {
    /// One row of the `audit` table (see `schema::AUDIT_SCHEMA`).
    row AuditRow,
    /// Column builders for `audit` rows.
    builder AuditBuilder,
    schema AUDIT_SCHEMA,
    required { source, event_id, operation }
    optional {
        category: text, actor: text, actor_ip: text, target: text, target_id: text,
        result: text, details: text
    }
}
