//! `-- materialize: <cte>, ...`: CTEs a hunt computes once per run.
//!
//! DataFusion plans a CTE inline at every place the query names it, so a hunt whose
//! `tagged` CTE scans the lake, classifies every address and joins the baselines, and
//! is then read by four other CTEs, does all of that four times. A materialised CTE is
//! run once, streamed to a temporary Parquet file (memory stays bounded by the engine's
//! pool), registered under its own name for the rest of the hunt, and removed from the
//! `WITH` clause; the remaining query reads the file instead.

use std::collections::HashSet;

use datafusion::prelude::{ParquetReadOptions, SessionContext};
use datafusion::sql::sqlparser::ast::{Query, Statement, With};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

use crate::error::{EngineError, Result};

/// Tables registered for one hunt run; [`Materialized::release`] removes them.
pub struct Materialized {
    names: Vec<String>,
    // Holds the Parquet files until the hunt has finished reading them.
    _dir: Option<tempfile::TempDir>,
}

impl Materialized {
    /// Deregisters the tables (the files go with the temporary directory).
    pub fn release(self, ctx: &SessionContext) {
        for name in &self.names {
            let _ = ctx.deregister_table(name.as_str());
        }
    }
}

/// Runs the named CTEs of `sql` into temporary Parquet tables and returns the query
/// without them. `owner` names the hunt in errors.
pub async fn materialize_ctes(
    ctx: &SessionContext,
    owner: &str,
    sql: &str,
    names: &[String],
) -> Result<(String, Materialized)> {
    if names.is_empty() {
        return Ok((
            sql.to_string(),
            Materialized {
                names: Vec::new(),
                _dir: None,
            },
        ));
    }
    let error = |message: String| EngineError::Invalid(format!("hunt {owner}: {message}"));
    let mut statements = Parser::parse_sql(&GenericDialect {}, sql)
        .map_err(|e| error(format!("cannot parse the SQL to materialize CTEs: {e}")))?;
    let Some(Statement::Query(query)) = statements.pop().filter(|_| statements.is_empty()) else {
        return Err(error("materialize needs one SELECT statement".into()));
    };
    let mut query: Box<Query> = query;
    let Some(with) = query.with.take() else {
        return Err(error(
            "materialize names CTEs but the query has no WITH".into(),
        ));
    };
    let wanted: HashSet<&str> = names.iter().map(String::as_str).collect();
    let known: HashSet<String> = with
        .cte_tables
        .iter()
        .map(|cte| cte.alias.name.value.clone())
        .collect();
    if let Some(missing) = names.iter().find(|name| !known.contains(name.as_str())) {
        return Err(error(format!(
            "materialize names {missing:?}, which is not a CTE of the query"
        )));
    }
    let dir = tempfile::Builder::new()
        .prefix("tokenhunt-hunt-")
        .tempdir()
        .map_err(|e| error(format!("cannot create a temporary folder: {e}")))?;
    let mut materialized = Materialized {
        names: Vec::new(),
        _dir: None,
    };
    let mut inline = Vec::new();
    for cte in with.cte_tables {
        let name = cte.alias.name.value.clone();
        if !wanted.contains(name.as_str()) {
            inline.push(cte);
            continue;
        }
        // The CTE's query with the CTEs before it that stay inline (materialised
        // ones are tables by now).
        let mut body = cte.query.clone();
        if !inline.is_empty() {
            let mut ctes = inline.clone();
            if let Some(own) = body.with.take() {
                ctes.extend(own.cte_tables);
            }
            body.with = Some(With {
                with_token: with.with_token.clone(),
                recursive: with.recursive,
                cte_tables: ctes,
            });
        }
        let path = dir.path().join(format!("{name}.parquet"));
        if let Err(failure) = write_and_register(ctx, &name, &body.to_string(), &path).await {
            materialized.release(ctx);
            return Err(error(format!("materializing CTE {name:?}: {failure}")));
        }
        materialized.names.push(name);
    }
    materialized._dir = Some(dir);
    if !inline.is_empty() {
        query.with = Some(With {
            with_token: with.with_token,
            recursive: with.recursive,
            cte_tables: inline,
        });
    }
    Ok((query.to_string(), materialized))
}

async fn write_and_register(
    ctx: &SessionContext,
    name: &str,
    sql: &str,
    path: &std::path::Path,
) -> Result<()> {
    if ctx.table_exist(name)? {
        return Err(EngineError::Invalid(format!(
            "a table named {name:?} exists"
        )));
    }
    let path = path.to_string_lossy();
    // Read once, soon, by this process: fast compression and no statistics beat
    // the lake's zstd and bloom filters here. Written with COPY so the scans it runs
    // are counted like the hunt's own. The writer's row groups sit in memory outside
    // the engine's pool until flushed: 64 Ki rows keep that small when a CTE holds
    // months of events (the default, 1 Mi rows, held hundreds of MB of them).
    let copy = format!(
        "COPY ({sql}) TO {} STORED AS PARQUET OPTIONS ('format.compression' 'lz4_raw', \
         'format.statistics_enabled' 'none', 'format.bloom_filter_on_write' 'false', \
         'format.max_row_group_size' '65536')",
        crate::sql::quote(&path)
    );
    crate::sql::counter::collect(ctx.sql(&copy).await?).await?;
    ctx.register_parquet(name, &path, ParquetReadOptions::default())
        .await?;
    Ok(())
}
