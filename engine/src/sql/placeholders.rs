//! `${name}` placeholders in SQL text run on someone's behalf (a hunt, a baseline
//! table): the time window (`${since}`, `${until}`, `${baseline_since}`), the shared
//! definitions ([`super::definitions`]), lists computed from the configuration
//! (`${allowlisted}`, `${mobile_asn}`, `${expected_app}`, ...) and parameters
//! (configured in tokenhunt.toml over the owner's defaults).

use crate::config::Config;
use crate::error::{EngineError, Result};
use crate::timerange::TimeRange;

use super::{in_list, in_literals, quote};

fn sql_literal(value: &toml::Value) -> Option<String> {
    Some(match value {
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => format!("{x:?}"),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::String(s) => quote(s),
        _ => return None,
    })
}

/// Fills `${...}` placeholders in any SQL text run on behalf of `owner` (a hunt id, or
/// a baseline table's name).
pub fn expand_placeholders(
    sql: &str,
    owner: &str,
    defaults: impl Fn(&str) -> Option<String>,
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
        defaults(name)
            .ok_or_else(|| EngineError::Invalid(format!("{owner}: unknown parameter ${{{name}}}")))
    };
    let lookup = |name: &str| -> Result<String> {
        match name {
            "since" => return Ok(range.since_literal()),
            "until" => return Ok(range.until_literal()),
            "baseline_since" => return Ok(range.before_since_literal(baseline_days)),
            "user_events" => {
                let allowlisted = config_placeholder(config, "allowlisted").unwrap_or_default();
                return Ok(super::definitions::user_events_sql(&allowlisted));
            }
            "user_events_profiled" => {
                let allowlisted = config_placeholder(config, "allowlisted").unwrap_or_default();
                return Ok(super::definitions::user_events_profiled_sql(
                    &super::definitions::user_events_sql(&allowlisted),
                ));
            }
            "admin_tool" => return Ok(super::definitions::ADMIN_TOOL.to_string()),
            "microsoft_client" => return Ok(super::definitions::MICROSOFT_CLIENT.to_string()),
            "known_clients" => {
                return Ok(super::definitions::known_clients_sql(&parameter(
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
                .map(|cidr| format!("ip_in_cidr(ip, {})", quote(cidr)))
                .collect();
            let asns: Vec<String> = allow.asns.iter().map(i64::to_string).collect();
            if !asns.is_empty() {
                terms.push(in_literals("asn", &asns));
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
                in_literals("asn", &asns)
            )
        }
        "expected_app" => {
            let apps = &config.expected.apps;
            format!("({} OR {})", in_list("app", apps), in_list("app_id", apps))
        }
        "expected_service_principal" => {
            let names = &config.expected.service_principals;
            format!(
                "({} OR {})",
                in_list("app", names),
                in_list("app_id", names)
            )
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_client_definitions_are_spelled_out_in_a_hunt() {
        let sql = expand_placeholders(
            "SELECT app FROM network_events WHERE ${microsoft_client} AND NOT ${admin_tool}",
            "some_hunt",
            |_| None,
            &Config::default(),
            &TimeRange::default(),
        )
        .unwrap();
        assert!(!sql.contains("${"), "{sql}");
        // Office's client id is Microsoft's own client, Azure CLI's an admin tool.
        assert!(
            sql.contains("'d3590ed6-52b3-4102-aeff-aad2292ab01c'"),
            "{sql}"
        );
        assert!(
            sql.contains("'04b07795-8ddb-461a-bbee-02f9e1bf7b46'"),
            "{sql}"
        );
    }
}
