//! Rule-style suppressions from `tokenhunt.toml` (`[[suppress]]`), compiled once per
//! run and matched against findings and incidents.
//!
//! A rule covers a finding when every criterion it gives holds. Users and hunts are
//! single values per finding; addresses, ASNs and apps are lists, and a rule covers
//! them only when it covers every one: a finding about an approved VPN range that also
//! lists an address outside it is about more than the VPN, so it still alerts. An
//! incident is covered when one rule covers every finding it merged (the same reason
//! holds for all of it).

use std::net::IpAddr;

use tokenhunt_udfs::ip::cidr::Cidr;
use tokenhunt_udfs::ip::parse::parse_ip;

use super::findings::Finding;
use crate::config::SuppressRule;
use crate::parse::time::parse_timestamp_micros;

/// What is wrong with a `[[suppress]]` rule or a suppression request.
#[derive(Debug, thiserror::Error)]
pub enum SuppressionError {
    /// A rule in `tokenhunt.toml` that cannot be used.
    #[error("tokenhunt.toml [[suppress]] rule {number}: {message}")]
    Rule { number: usize, message: String },
    /// An `until` that is neither a date, a time nor a duration.
    #[error("until {0:?}: not a date (2027-01-31), an RFC 3339 time or a duration (30d)")]
    Until(String),
}

/// Why an item is suppressed, as recorded beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub reason: String,
    /// `tokenhunt.toml rule <n>`, or `tokenhunt suppress` for a manual one.
    pub by: String,
    /// RFC 3339; `None` is for good.
    pub until: Option<String>,
}

/// Where a suppression set by `tokenhunt suppress` says it came from.
pub const MANUAL: &str = "tokenhunt suppress";
/// Prefix of where a rule's suppression says it came from.
pub const RULE_PREFIX: &str = "tokenhunt.toml rule ";

/// One compiled rule.
#[derive(Debug, Clone)]
struct Rule {
    number: usize,
    reason: String,
    users: Vec<String>,
    cidrs: Vec<Cidr>,
    asns: Vec<i64>,
    apps: Vec<String>,
    hunts: Vec<String>,
    until: Option<i64>,
}

/// The configuration's rules, ready to match.
#[derive(Debug, Clone, Default)]
pub struct SuppressionRules {
    rules: Vec<Rule>,
}

/// Parses an `until`: a date (through that day, UTC), an RFC 3339 time, or a duration
/// (`30d`, `12h`) forward from `now_micros`. Returns microseconds since the epoch.
pub fn parse_until(text: &str, now_micros: i64) -> Result<i64, SuppressionError> {
    let trimmed = text.trim();
    let is_date = trimmed.len() == 10 && trimmed.as_bytes().get(4) == Some(&b'-');
    if let Ok(micros) = parse_timestamp_micros(trimmed) {
        // "until 2027-01-31" reads as "through the 31st".
        return Ok(if is_date {
            micros + 86_400_000_000
        } else {
            micros
        });
    }
    // A duration counts forward: `crate::timerange` counts back from its `now`.
    match crate::timerange::parse_bound(trimmed, 0) {
        Ok(back) if back < 0 => Ok(now_micros - back),
        _ => Err(SuppressionError::Until(text.to_string())),
    }
}

impl SuppressionRules {
    /// Compiles the configuration's rules; rules past their `until` are dropped.
    pub fn compile(rules: &[SuppressRule], now_micros: i64) -> Result<Self, SuppressionError> {
        let mut compiled = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let number = index + 1;
            let bad = |message: String| SuppressionError::Rule { number, message };
            if rule.reason.trim().is_empty() {
                return Err(bad("needs a reason".into()));
            }
            if rule.users.is_empty()
                && rule.cidrs.is_empty()
                && rule.asns.is_empty()
                && rule.apps.is_empty()
                && rule.hunts.is_empty()
            {
                // A rule without criteria would silence everything.
                return Err(bad(
                    "needs at least one of users, cidrs, asns, apps, hunts".into()
                ));
            }
            let cidrs = rule
                .cidrs
                .iter()
                .map(|text| {
                    Cidr::parse(text).ok_or_else(|| bad(format!("{text:?} is not a CIDR block")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let until = rule
                .until
                .as_deref()
                .map(|text| parse_until(text, now_micros))
                .transpose()
                .map_err(|e| bad(e.to_string()))?;
            if until.is_some_and(|until| until <= now_micros) {
                continue;
            }
            compiled.push(Rule {
                number,
                reason: rule.reason.trim().to_string(),
                users: rule.users.iter().map(|u| u.trim().to_lowercase()).collect(),
                cidrs,
                asns: rule.asns.clone(),
                apps: rule.apps.iter().map(|a| a.trim().to_lowercase()).collect(),
                hunts: rule.hunts.iter().map(|h| h.trim().to_string()).collect(),
                until,
            });
        }
        Ok(SuppressionRules { rules: compiled })
    }

    /// True when there are no rules in force.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The first rule covering every one of `members` (an incident's findings, or a
    /// finding alone).
    pub fn covering(&self, members: &[&Finding]) -> Option<Suppression> {
        if members.is_empty() {
            return None;
        }
        self.rules
            .iter()
            .find(|rule| members.iter().all(|finding| rule.covers(finding)))
            .map(|rule| Suppression {
                reason: rule.reason.clone(),
                by: format!("{RULE_PREFIX}{}", rule.number),
                until: rule.until.map(crate::timerange::rfc3339),
            })
    }
}

impl Rule {
    fn covers(&self, finding: &Finding) -> bool {
        if !self.users.is_empty()
            && !finding
                .user
                .as_deref()
                .is_some_and(|user| self.users.contains(&user.to_lowercase()))
        {
            return false;
        }
        if !self.hunts.is_empty()
            && !finding
                .hunt
                .split(',')
                .all(|h| self.hunts.iter().any(|r| r == h))
        {
            return false;
        }
        if !self.cidrs.is_empty() {
            let inside = |text: &String| {
                parse_ip(text).is_some_and(|ip: IpAddr| self.cidrs.iter().any(|c| c.contains(ip)))
            };
            if finding.ips.is_empty() || !finding.ips.iter().all(inside) {
                return false;
            }
        }
        if !self.asns.is_empty()
            && (finding.asns.is_empty() || !finding.asns.iter().all(|a| self.asns.contains(a)))
        {
            return false;
        }
        if !self.apps.is_empty()
            && (finding.apps.is_empty()
                || !finding
                    .apps
                    .iter()
                    .all(|app| self.apps.contains(&app.to_lowercase())))
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::findings::test_finding;

    fn rule(reason: &str) -> SuppressRule {
        SuppressRule {
            reason: reason.into(),
            ..SuppressRule::default()
        }
    }

    #[test]
    fn every_criterion_must_hold_and_lists_must_cover_every_value() {
        let mut finding = test_finding(80.0, "r", serde_json::json!({}));
        finding.user = Some("alice@contoso.com".into());
        finding.ips = vec!["203.0.113.7".into()];
        finding.asns = vec![64500];
        let vpn = SuppressRule {
            users: vec!["Alice@Contoso.com".into()],
            cidrs: vec!["203.0.113.0/24".into()],
            ..rule("travel router")
        };
        let rules = SuppressionRules::compile(&[vpn], 0).unwrap();
        let found = rules.covering(&[&finding]).unwrap();
        assert_eq!(found.reason, "travel router");
        assert_eq!(found.by, "tokenhunt.toml rule 1");
        // One address outside the block: about more than the router.
        finding.ips.push("198.51.100.9".into());
        assert!(rules.covering(&[&finding]).is_none());
        finding.ips.pop();
        finding.user = Some("bob@contoso.com".into());
        assert!(rules.covering(&[&finding]).is_none());
    }

    #[test]
    fn rules_need_a_reason_and_a_criterion_and_expire() {
        assert!(SuppressionRules::compile(&[rule("")], 0).is_err());
        let err = SuppressionRules::compile(&[rule("why")], 0).unwrap_err();
        assert!(err.to_string().contains("rule 1"), "{err}");
        let bad_cidr = SuppressRule {
            cidrs: vec!["300.1.1.1/8".into()],
            ..rule("why")
        };
        assert!(SuppressionRules::compile(&[bad_cidr], 0).is_err());
        let expired = SuppressRule {
            hunts: vec!["h".into()],
            until: Some("2026-01-31".into()),
            ..rule("why")
        };
        let now = parse_timestamp_micros("2026-01-31T23:00:00Z").unwrap();
        let finding = test_finding(80.0, "r", serde_json::json!({}));
        let rules = SuppressionRules::compile(std::slice::from_ref(&expired), now).unwrap();
        assert!(rules.covering(&[&finding]).is_some(), "through the 31st");
        let later = parse_timestamp_micros("2026-02-01T00:00:01Z").unwrap();
        assert!(
            SuppressionRules::compile(&[expired], later)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn until_reads_dates_times_and_durations_forward() {
        let day = 86_400_000_000;
        assert_eq!(parse_until("30d", 0).unwrap(), 30 * day);
        assert_eq!(
            parse_until("1970-01-02T00:00:00Z", 0).unwrap(),
            day,
            "a time is that time"
        );
        assert_eq!(parse_until("1970-01-02", 0).unwrap(), 2 * day);
        assert!(parse_until("soon", 0).is_err());
    }
}
