//! Running hunts: parameters substituted, SQL executed, rows turned into findings.

use std::time::Instant;

use datafusion::prelude::SessionContext;

use super::findings::{Finding, findings_from_batches};
use super::library::Hunt;
use super::metadata::HuntParameter;
use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::lake::Lake;
use crate::timerange::TimeRange;

/// The outcome of one hunt.
#[derive(Debug, Clone)]
pub struct HuntRun {
    pub hunt: String,
    pub findings: Vec<Finding>,
    pub seconds: f64,
    /// Set when the hunt failed; the other hunts still ran.
    pub error: Option<String>,
}

fn sql_literal(value: &toml::Value) -> Option<String> {
    Some(match value {
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => format!("{x:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        _ => return None,
    })
}

/// The hunt's SQL with `${since}`, `${until}`, `${baseline_since}`, the
/// configuration placeholders and its parameters filled in (configured values over
/// header defaults).
pub fn expand_sql(hunt: &Hunt, config: &Config, range: &TimeRange) -> Result<String> {
    expand_placeholders(
        &hunt.sql,
        &hunt.metadata.id,
        &hunt.metadata.parameters,
        config,
        range,
    )
}

/// Fills `${...}` placeholders in any SQL text run on behalf of `owner` (a hunt id, or
/// a baseline table's name).
pub fn expand_placeholders(
    sql: &str,
    owner: &str,
    parameters: &[HuntParameter],
    config: &Config,
    range: &TimeRange,
) -> Result<String> {
    let baseline_days = config
        .hunt_parameter(owner, "baseline_days")
        .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|n| n as f64)))
        .unwrap_or(30.0);
    // A configured placeholder, the hunt's own parameter from tokenhunt.toml, else its
    // header default.
    let parameter = |name: &str| -> Result<String> {
        if let Some(expression) = config_placeholder(config, name) {
            return Ok(expression);
        }
        if let Some(value) = config.hunt_parameter(owner, name) {
            return sql_literal(value).ok_or_else(|| {
                EngineError::Invalid(format!(
                    "[hunts.{owner}] {name}: only numbers, strings and booleans"
                ))
            });
        }
        parameters
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.default.clone())
            .ok_or_else(|| EngineError::Invalid(format!("{owner}: unknown parameter ${{{name}}}")))
    };
    let lookup = |name: &str| -> Result<String> {
        match name {
            "since" => return Ok(range.since_literal()),
            "until" => return Ok(range.until_literal()),
            "baseline_since" => return Ok(range.before_since_literal(baseline_days)),
            "user_events" => {
                let allowlisted = config_placeholder(config, "allowlisted").unwrap_or_default();
                return Ok(super::user_events::user_events_sql(&allowlisted));
            }
            "known_clients" => {
                return Ok(super::user_events::known_clients_sql(&parameter(
                    "regular_days",
                )?));
            }
            _ => {}
        }
        parameter(name)
    };
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .ok_or_else(|| EngineError::Invalid(format!("{owner}: unclosed ${{")))?;
        out.push_str(&lookup(&rest[start + 2..start + end])?);
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `expr IN (a, b)`, or `false` for an empty list (an empty `IN ()` is not SQL).
fn in_list(expr: &str, items: &[String]) -> String {
    if items.is_empty() {
        "false".to_string()
    } else {
        format!("({expr} IN ({}))", items.join(", "))
    }
}

/// Placeholders computed from the configuration's lists. They expect the columns
/// `ip`, `asn`, `app` and `app_id` in scope where they are used.
fn config_placeholder(config: &Config, name: &str) -> Option<String> {
    let allow = &config.allowlist;
    Some(match name {
        // The tenant's own egress and trusted ASNs, and Microsoft's infrastructure.
        "allowlisted" => {
            let mut terms: Vec<String> = allow
                .egress_cidrs
                .iter()
                .map(|cidr| format!("ip_in_cidr(ip, {})", quoted(cidr)))
                .collect();
            let asns: Vec<String> = allow.asns.iter().map(i64::to_string).collect();
            if !asns.is_empty() {
                terms.push(in_list("asn", &asns));
            }
            // Microsoft 365 and Entra ID front ends, by their published ranges. The rest
            // of Microsoft's AS (Azure, where anyone can rent a VM) stays in: hunts weigh
            // it by behaviour, since proxying shows up as one or two events in a session.
            if allow.exclude_microsoft {
                terms.push("ip_category(ip) = 'microsoft'".into());
            }
            if terms.is_empty() {
                "false".into()
            } else {
                format!("coalesce({}, false)", terms.join(" OR "))
            }
        }
        // Mobile carriers: built-in list plus the configured ones.
        "mobile_asn" => {
            let asns: Vec<String> = config.mobile.asns.iter().map(i64::to_string).collect();
            format!(
                "(coalesce(asn_category(asn) = 'mobile', false) OR {})",
                in_list("asn", &asns)
            )
        }
        "expected_app" => {
            let apps: Vec<String> = config.expected.apps.iter().map(|a| quoted(a)).collect();
            format!(
                "({} OR {})",
                in_list("app", &apps),
                in_list("app_id", &apps)
            )
        }
        "expected_service_principal" => {
            let names: Vec<String> = config
                .expected
                .service_principals
                .iter()
                .map(|a| quoted(a))
                .collect();
            format!(
                "({} OR {})",
                in_list("app", &names),
                in_list("app_id", &names)
            )
        }
        _ => return None,
    })
}

/// Runs the hunts one after another (each uses every core), after making the
/// baseline tables available (stored in the lake, or computed now).
pub async fn run_hunts(
    ctx: &SessionContext,
    lake: Option<&Lake>,
    hunts: &[&Hunt],
    config: &Config,
    range: &TimeRange,
) -> Result<Vec<HuntRun>> {
    let texts: Vec<String> = hunts
        .iter()
        .map(|hunt| super::user_events::spelled_out(&hunt.sql))
        .collect();
    let queries: Vec<&str> = texts.iter().map(String::as_str).collect();
    crate::baseline::prepare(ctx, lake, config, range, &queries).await?;
    let mut runs = Vec::with_capacity(hunts.len());
    for hunt in hunts {
        let started = Instant::now();
        let outcome = run_one(ctx, hunt, config, range).await;
        let seconds = started.elapsed().as_secs_f64();
        runs.push(match outcome {
            Ok(findings) => HuntRun {
                hunt: hunt.metadata.id.clone(),
                findings,
                seconds,
                error: None,
            },
            Err(error) => HuntRun {
                hunt: hunt.metadata.id.clone(),
                findings: Vec::new(),
                seconds,
                error: Some(error.to_string()),
            },
        });
    }
    // The baselines are in place (stored or computed above) whenever a hunt reads them.
    if let Ok(Some(days)) = super::history::history_days(ctx).await {
        for run in &mut runs {
            super::history::note_short_history(&mut run.findings, days);
        }
    }
    Ok(runs)
}

async fn run_one(
    ctx: &SessionContext,
    hunt: &Hunt,
    config: &Config,
    range: &TimeRange,
) -> Result<Vec<Finding>> {
    let sql = expand_sql(hunt, config, range)?;
    let (sql, materialized) = super::materialize::materialize_ctes(
        ctx,
        &hunt.metadata.id,
        &sql,
        &hunt.metadata.materialize,
    )
    .await?;
    // A hunt is a query and nothing else: hunt files come from `hunt_dirs` too, and
    // must not write files (`COPY ... TO`), create tables or change settings.
    let only_queries = datafusion::execution::context::SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let batches = match ctx.state().create_logical_plan(&sql).await {
        Ok(plan) => match only_queries.verify_plan(&plan) {
            Ok(()) => match ctx.execute_logical_plan(plan).await {
                Ok(frame) => frame.collect().await,
                Err(error) => Err(error),
            },
            Err(refused) => {
                materialized.release(ctx);
                return Err(crate::error::EngineError::Invalid(format!(
                    "hunt {} ({}): a hunt must be only a query (SELECT or WITH ... SELECT): {refused}",
                    hunt.metadata.id, hunt.origin
                )));
            }
        },
        Err(error) => Err(error),
    };
    materialized.release(ctx);
    findings_from_batches(&hunt.metadata, &batches?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::metadata::parse_hunt;

    #[test]
    fn parameters_and_time_bounds_are_substituted() {
        let (metadata, sql) = parse_hunt(
            "x.sql",
            "-- id: x\n-- title: t\n-- technique: T1\n-- severity: low\n-- param: min_networks = 2\n\
             SELECT * FROM signins WHERE time >= ${since} AND n >= ${min_networks} AND tag = ${tag}",
        )
        .unwrap();
        let hunt = Hunt {
            metadata,
            sql,
            origin: "test".into(),
        };
        let config = Config::parse("[hunts.x]\ntag = \"it's\"\n").unwrap();
        let range = TimeRange {
            since: Some(0),
            until: None,
        };
        let expanded = expand_sql(&hunt, &config, &range).unwrap();
        assert_eq!(
            expanded,
            "SELECT * FROM signins WHERE time >= TIMESTAMP '1970-01-01T00:00:00Z' AND n >= 2 AND tag = 'it''s'"
        );
        let bad = Hunt {
            sql: "SELECT ${nope}".into(),
            ..hunt
        };
        assert!(
            expand_sql(&bad, &config, &range)
                .unwrap_err()
                .to_string()
                .contains("unknown parameter")
        );
    }
}
