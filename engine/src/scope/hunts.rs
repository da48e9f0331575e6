//! The hunt library, run for a scope.
//!
//! Running every hunt over every user of a months-long lake takes minutes; a scope has
//! to answer in seconds. So the hunts run, through [`run_hunts`], in a session of their
//! own whose `signins` and `audit` tables hold only what the scope's users' findings
//! can depend on:
//!
//! * every event of the scope's users in the window (their sessions, networks and
//!   history: what the per-user CTEs and baselines look at);
//! * for each /24 or /64 those users were seen on, one event of each of up to
//!   [`NEIGHBOURS`] other users seen on the same addresses — the hunts only ask whether
//!   a prefix is shared by more than a threshold (8 by default) of users, so a capped
//!   count answers the same (counted over the same addresses rather than the whole
//!   prefix, so that bloom filters answer the lookup; for a prefix the stored
//!   baseline already knows as widely shared, over the last day the users were on it);
//! * the sign-ins of the applications the users consented to or added credentials to,
//!   and every consent to those applications (first consent in the tenant or not);
//! * the users' directory changes;
//! * the last event of each source, so "quiet before the data ends" reads the same.
//!
//! Baselines come from the lake when `tokenhunt baseline` stored them (exact,
//! tenant-wide); otherwise they are computed over these rows, which is exact for the
//! per-user tables and the shared-prefix test, and approximate only for network
//! roaming (a network seen roaming across the whole tenant may not look so here, which
//! can add findings, never hide one).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;
use serde::Deserialize;

use super::events::{Event, computed_columns};
use crate::config::Config;
use crate::error::Result;
use crate::hunt::{Finding, load_hunts, run_hunts, select};
use crate::lake::Lake;
use crate::lake::catalog::{register_views, table_schema};
use crate::schema::{Source, Table};
use crate::session::{SessionOptions, open_session};
use crate::sql::window::date_of;
use crate::sql::{ScanStats, fetch, run, typed_rows};
use crate::sql::{in_list, quote, window_predicate};
use crate::timerange::TimeRange;

/// Other users kept per prefix: above every `shared_users` threshold the hunts use.
pub const NEIGHBOURS: usize = 32;

/// Columns added to the table's own for the scope's reading; dropped before the rows
/// become the hunts' tables.
const EXTRA_SIGNIN_COLUMNS: [&str; 4] = ["t", "prefix", "category", "client"];

/// A table's columns as a select list, `raw` left empty (hunts never read it and it is
/// most of a row's size).
fn table_columns(table: Table, alias: &str) -> String {
    table_schema(table)
        .fields()
        .iter()
        .map(|f| match f.name().as_str() {
            "raw" => "CAST('' AS VARCHAR) AS raw".to_string(),
            name => format!("{alias}.\"{name}\""),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows read from the lake, for the scope and for the hunts' session.
pub struct ScopedRows {
    pub events: Vec<Event>,
    signin_batches: Vec<RecordBatch>,
    signin_schema: SchemaRef,
}

/// Every event of `users` in the window, with all columns the hunts need.
pub async fn user_rows(
    ctx: &SessionContext,
    users: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<ScopedRows> {
    let sql = format!(
        "SELECT {}, {} FROM signins s WHERE {} AND {} ORDER BY s.time, s.event_id",
        table_columns(Table::Signins, "s"),
        computed_columns("s"),
        in_list("s.user", users),
        window_predicate(range, Some("s")),
    );
    let (schema, batches) = run(ctx, &sql, stats).await?;
    let events = typed_rows(&batches)?;
    Ok(ScopedRows {
        events,
        signin_batches: batches,
        signin_schema: schema,
    })
}

/// One event of each of up to [`NEIGHBOURS`] other users on each prefix, among the
/// events from the scope users' own addresses (an equality lookup the `ip` bloom
/// filters answer, where a prefix test would read the whole window).
///
/// Each search is a predicate over `s.ip` (and, to narrow it, `s.date`); each becomes
/// its own scan, so its partition and bloom-filter pruning stay its own.
async fn neighbour_rows(
    ctx: &SessionContext,
    users: &[String],
    searches: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let scans: Vec<String> = searches
        .iter()
        .map(|search| {
            format!(
                "SELECT {columns}, ip_network(s.ip) AS near_prefix FROM signins s \
                 WHERE {window} AND s.user IS NOT NULL AND s.result = 'success' \
                   AND {search} AND NOT ({users})",
                columns = table_columns(Table::Signins, "s"),
                window = window_predicate(range, Some("s")),
                users = in_list("s.user", users),
            )
        })
        .collect();
    // Prefer an event with a session (the Okta hunt counts only those) and the
    // earliest one.
    let sql = format!(
        "WITH near AS ({scans}), firsts AS ( \
            SELECT *, row_number() OVER (PARTITION BY source, near_prefix, \"user\" \
                ORDER BY session_id IS NULL, time) AS pick FROM near \
         ), ranked AS ( \
            SELECT *, row_number() OVER (PARTITION BY source, near_prefix ORDER BY \"user\") AS rank \
            FROM firsts WHERE pick = 1 \
         ) \
         SELECT {plain} FROM ranked WHERE rank <= {NEIGHBOURS}",
        scans = scans.join(" UNION ALL "),
        plain = table_schema(Table::Signins)
            .fields()
            .iter()
            .map(|f| format!("\"{}\"", f.name()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    run(ctx, &sql, stats).await
}

/// Prefixes the stored baseline has seen with at least [`NEIGHBOURS`] users.
async fn shared_prefixes(ctx: &SessionContext, prefixes: &[String]) -> Result<HashSet<String>> {
    #[derive(Deserialize)]
    struct Shared {
        prefix: String,
    }
    if prefixes.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<Shared> = fetch(
        ctx,
        &format!(
            "SELECT DISTINCT prefix FROM baseline_prefix_users WHERE {} AND users >= {NEIGHBOURS}",
            in_list("prefix", prefixes)
        ),
        &mut ScanStats::default(),
    )
    .await?;
    Ok(rows.into_iter().map(|r| r.prefix).collect())
}

/// The `s.ip` predicates of the neighbour searches. An address on a prefix the
/// stored baseline already knows as widely shared (a corporate egress every user
/// passes through) is in nearly every row group, so searching the whole window for
/// it reads the whole lake; its neighbours are taken from the last day the scope's
/// users were on it, which holds plenty when the prefix is that shared. Every other
/// address is searched over the whole window, where the bloom filters find its few
/// row groups.
fn neighbour_searches(events: &[Event], ips: &[String], shared: &HashSet<String>) -> Vec<String> {
    let mut last_seen: HashMap<&str, i64> = HashMap::new();
    for event in events {
        if let (Some(ip), Some(prefix)) = (&event.ip, &event.prefix)
            && shared.contains(prefix)
        {
            let last = last_seen.entry(ip.as_str()).or_insert(event.t);
            *last = (*last).max(event.t);
        }
    }
    let rare: Vec<&String> = ips
        .iter()
        .filter(|ip| !last_seen.contains_key(ip.as_str()))
        .collect();
    let mut by_day: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (ip, last) in &last_seen {
        by_day.entry(date_of(*last)).or_default().push(ip);
    }
    let mut searches = Vec::new();
    if !rare.is_empty() {
        searches.push(in_list("s.ip", &rare));
    }
    // One search per day: an `OR` across days would keep neither the listing's
    // partition pruning nor the bloom filters.
    searches.extend(
        by_day
            .iter()
            .map(|(day, ips)| format!("s.date = {} AND {}", quote(day), in_list("s.ip", ips))),
    );
    searches
}

/// The last date partition of a source inside the window, from the lake's listing.
async fn last_date(lake: &Lake, source: Source, range: &TimeRange) -> Result<Option<String>> {
    let folder = lake.path(&[Table::Signins.name(), &format!("source={}", source.name())]);
    let listing = match lake.store.list_with_delimiter(Some(&folder)).await {
        Ok(listing) => listing,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let first = range.since.map(date_of);
    let last = range.until.map(|t| date_of(t - 1));
    Ok(listing
        .common_prefixes
        .iter()
        .filter_map(|p| p.filename()?.strip_prefix("date=").map(str::to_string))
        .filter(|d| first.as_ref().is_none_or(|f| d >= f) && last.as_ref().is_none_or(|l| d <= l))
        .max())
}

/// The latest event of each source in the window: hunts compare when a pattern stops
/// with when the data stops ("the application went quiet a day before the end"), so
/// the scope's rows must end where the lake does. One partition is read per source.
async fn lake_end_rows(
    ctx: &SessionContext,
    lake: &Lake,
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<Vec<RecordBatch>> {
    let mut batches = Vec::new();
    for source in [Source::Entra, Source::Okta] {
        let Some(date) = last_date(lake, source, range).await? else {
            continue;
        };
        let sql = format!(
            "SELECT {} FROM signins s WHERE s.source = {} AND s.date = {} AND {} \
             ORDER BY s.time DESC LIMIT 1",
            table_columns(Table::Signins, "s"),
            quote(source.name()),
            quote(&date),
            window_predicate(range, Some("s")),
        );
        batches.extend(run(ctx, &sql, stats).await?.1);
    }
    Ok(batches)
}

/// Sign-ins of the given applications' service principals.
async fn application_rows(
    ctx: &SessionContext,
    ids: &[String],
    names: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<(SchemaRef, Vec<RecordBatch>, Vec<Event>)> {
    // Service principals have no user: `user IS NULL` lets the row groups' null counts
    // skip every group of people (they are clustered apart from the principals' rows).
    let sql = format!(
        "SELECT {}, {} FROM signins s WHERE {} AND s.log_type IN ('service_principal', 'managed_identity') \
         AND ({} OR (s.user IS NULL AND ({} OR {}))) ORDER BY s.time, s.event_id",
        table_columns(Table::Signins, "s"),
        computed_columns("s"),
        window_predicate(range, Some("s")),
        in_list("s.user", names),
        in_list("s.user_id", ids),
        in_list("s.app", names),
    );
    let (schema, batches) = run(ctx, &sql, stats).await?;
    let events = typed_rows(&batches)?;
    Ok((schema, batches, events))
}

/// The audit rows the hunts get: the users' changes and every change to the
/// applications they touched.
async fn audit_rows(
    ctx: &SessionContext,
    users: &[String],
    application_ids: &[String],
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let sql = format!(
        "SELECT {} FROM audit a WHERE ({} OR {} OR {}) AND {}",
        table_columns(Table::Audit, "a"),
        in_list("a.actor", users),
        in_list("a.target", users),
        in_list("a.target_id", application_ids),
        window_predicate(range, Some("a")),
    );
    run(ctx, &sql, stats).await
}

/// Drops the scope's extra columns so the rows fit the table's schema.
fn table_batches(
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let keep: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| !EXTRA_SIGNIN_COLUMNS.contains(&f.name().as_str()))
        .map(|(i, _)| i)
        .collect();
    let projected = Arc::new(schema.project(&keep)?);
    let batches = batches
        .iter()
        .map(|b| b.project(&keep))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((projected, batches))
}

/// A user's history on one network, from `baseline_user_networks`.
#[derive(Debug, Clone, Deserialize)]
pub struct UserNetwork {
    pub source: String,
    pub user: String,
    pub network: String,
    pub days: i64,
    pub sessions: i64,
    pub first: i64,
}

/// What running the hunts for a scope gave.
pub struct HuntOutcome {
    /// Findings about the scope's users.
    pub findings: Vec<Finding>,
    /// `hunt: error` for hunts that failed.
    pub errors: Vec<String>,
    /// Where the baselines came from.
    pub baseline: String,
    pub user_networks: Vec<UserNetwork>,
    /// Users and days per (source, prefix); users capped at [`NEIGHBOURS`] + the
    /// scope's users.
    pub prefix_users: HashMap<(String, String), (i64, i64)>,
    /// Service-principal sign-ins of the applications the users touched.
    pub application_events: Vec<Event>,
}

/// The inputs of [`run_for_scope`].
pub struct HuntInputs<'a> {
    pub lake: &'a Lake,
    pub options: &'a SessionOptions,
    pub config: &'a Config,
    pub range: &'a TimeRange,
    pub users: &'a [String],
    pub rows: &'a ScopedRows,
    /// Applications (ids and names) the users consented to or changed.
    pub application_ids: &'a [String],
    pub application_names: &'a [String],
    /// Addresses the users' directory changes came from.
    pub extra_ips: &'a [String],
}

/// Runs every enabled hunt over the scope's rows (see the module comment).
pub async fn run_for_scope(
    ctx: &SessionContext,
    inputs: HuntInputs<'_>,
    stats: &mut ScanStats,
) -> Result<HuntOutcome> {
    let HuntInputs {
        lake,
        options,
        config,
        range,
        users,
        rows,
        application_ids,
        application_names,
        extra_ips,
    } = inputs;
    let mut ips: Vec<String> = rows
        .events
        .iter()
        .filter_map(|e| e.ip.clone())
        .chain(extra_ips.iter().cloned())
        .collect();
    ips.sort();
    ips.dedup();
    let mut prefixes: Vec<String> = rows
        .events
        .iter()
        .filter_map(|e| e.prefix.clone())
        .collect();
    prefixes.extend(prefixes_of(ctx, extra_ips).await?);
    prefixes.sort();
    prefixes.dedup();

    let (signin_schema, mut signins) = table_batches(&rows.signin_schema, &rows.signin_batches)?;
    let manifest = crate::baseline::stored_manifest(lake).await?;
    let shared = if manifest.is_some() {
        shared_prefixes(ctx, &prefixes).await?
    } else {
        HashSet::new()
    };
    let searches = neighbour_searches(&rows.events, &ips, &shared);
    if !searches.is_empty() {
        let (_, near) = neighbour_rows(ctx, users, &searches, range, stats).await?;
        signins.extend(near);
    }
    signins.extend(lake_end_rows(ctx, lake, range, stats).await?);
    let mut application_events = Vec::new();
    if !application_ids.is_empty() || !application_names.is_empty() {
        let (schema, batches, events) =
            application_rows(ctx, application_ids, application_names, range, stats).await?;
        let (_, batches) = table_batches(&schema, &batches)?;
        signins.extend(batches);
        application_events = events;
    }
    let (audit_schema, audit) = audit_rows(ctx, users, application_ids, range, stats).await?;

    let scoped = open_session(None, options).await?;
    scoped.register_object_store(&lake.store_url, lake.store.clone());
    replace_table(&scoped, Table::Signins, signin_schema, signins)?;
    replace_table(&scoped, Table::Audit, audit_schema, audit)?;
    register_views(&scoped).await?;

    let library = load_hunts(config)?;
    let selected = select(&library, &[], config)?;
    let runs = run_hunts(&scoped, Some(lake), &selected, config, range).await?;
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    for run in runs {
        if let Some(error) = run.error {
            errors.push(format!("{}: {error}", run.hunt));
        }
        findings.extend(
            run.findings
                .into_iter()
                .filter(|f| f.user.as_ref().is_some_and(|u| users.contains(u))),
        );
    }
    findings.sort_by(|a, b| {
        a.first_seen
            .cmp(&b.first_seen)
            .then_with(|| a.hunt.cmp(&b.hunt))
    });
    let baseline = match manifest {
        Some(manifest) => format!("stored by `tokenhunt baseline` at {}", manifest.built_at),
        None => {
            "computed over the scope's rows (run `tokenhunt baseline` for tenant-wide baselines)"
                .to_string()
        }
    };
    let mut unused = ScanStats::default();
    let user_networks: Vec<UserNetwork> = fetch(
        &scoped,
        &format!(
            "SELECT source, \"user\", network, days, sessions, CAST(first_seen AS BIGINT) AS first \
             FROM baseline_user_networks WHERE {}",
            in_list("\"user\"", users)
        ),
        &mut unused,
    )
    .await?;
    #[derive(Deserialize)]
    struct PrefixUsers {
        source: String,
        prefix: String,
        users: i64,
        days: i64,
    }
    let shared: Vec<PrefixUsers> = fetch(
        &scoped,
        &format!(
            "SELECT source, prefix, users, days FROM baseline_prefix_users WHERE {}",
            in_list("prefix", &prefixes)
        ),
        &mut unused,
    )
    .await?;
    let prefix_users = shared
        .into_iter()
        .map(|p| ((p.source, p.prefix), (p.users, p.days)))
        .collect();
    Ok(HuntOutcome {
        findings,
        errors,
        baseline,
        user_networks,
        prefix_users,
        application_events,
    })
}

fn conform(schema: &SchemaRef, batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
    batches
        .into_iter()
        .map(|batch| {
            if batch.schema().fields() == schema.fields() {
                return Ok(batch);
            }
            let columns = schema
                .fields()
                .iter()
                .map(|field| {
                    let column = batch.column_by_name(field.name()).ok_or_else(|| {
                        crate::error::EngineError::Invalid(format!(
                            "scope: column {} missing",
                            field.name()
                        ))
                    })?;
                    Ok(datafusion::arrow::compute::cast(column, field.data_type())?)
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(RecordBatch::try_new(schema.clone(), columns)?)
        })
        .collect()
}

fn replace_table(
    ctx: &SessionContext,
    table: Table,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> Result<()> {
    // Nullable everywhere: rows from several queries share the table.
    let relaxed = Arc::new(datafusion::arrow::datatypes::Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    ));
    let batches = conform(&relaxed, batches)?;
    ctx.deregister_table(table.name())?;
    ctx.register_table(
        table.name(),
        Arc::new(MemTable::try_new(relaxed, vec![batches])?),
    )?;
    Ok(())
}

/// Prefixes (`ip_network`) of a few addresses, computed by the same function the
/// hunts use.
pub async fn prefixes_of(ctx: &SessionContext, ips: &[String]) -> Result<Vec<String>> {
    if ips.is_empty() {
        return Ok(Vec::new());
    }
    #[derive(Deserialize)]
    struct Prefix {
        p: Option<String>,
    }
    let values: Vec<String> = ips.iter().map(|ip| format!("({})", quote(ip))).collect();
    let rows: Vec<Prefix> = fetch(
        ctx,
        &format!(
            "SELECT DISTINCT ip_network(column1) AS p FROM (VALUES {})",
            values.join(", ")
        ),
        &mut ScanStats::default(),
    )
    .await?;
    Ok(rows.into_iter().filter_map(|r| r.p).collect())
}
