//! The state of findings: what was alerted, when it was first and last reported, and
//! what a person decided about it (suppressed, closed), kept in the lake so every
//! machine hunting it agrees.
//!
//! ```text
//! <lake>/_tokenhunt/findings/state.jsonl   one tracked item (finding or incident) a line
//! ```
//!
//! The file is small (one line per alert ever raised) and is rewritten whole with an
//! atomic put, always under the lake's write lease ([`crate::lake::lease`]), after
//! reading it under the same lease: two `hunt --new` runs, or a hunt and a
//! `tokenhunt suppress`, cannot interleave their read and write, so nothing is reported
//! twice and no decision is lost. Readers (`sql`, the prompt, a plain `hunt`) read it
//! without the lease: the put is atomic, so they see one version or the next.
//!
//! **Identity.** A finding's id is stable across reruns; an incident's is a hash of its
//! findings' ids, so it changes when a finding joins. An item therefore keeps the ids
//! of its findings (`members`) and the ids it had before (`previous_ids`): an alert is
//! the same item as a tracked one when it has its id, one of its previous ids, or any
//! finding in common. An incident that grows takes its new id; the old one stays an
//! alias, so `tokenhunt suppress <old id>` still finds it.
//!
//! **New and updated.** An alert is *new* when no tracked item matches it, or the one
//! that does was never reported (it was suppressed from the start, or only named by
//! `tokenhunt suppress`). It is *updated* when it has evidence the tracked item did
//! not: a finding that was not among its members, a later `last_seen`, or a higher
//! score. Anything else was reported already. Reporting an update records the new
//! evidence, so the same growth is reported once.

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::MemTable;
use datafusion::prelude::SessionContext;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use super::findings::Finding;
use super::incidents::group_incidents;
use super::suppression::{MANUAL, RULE_PREFIX, Suppression, SuppressionRules};
use crate::error::{EngineError, Result};
use crate::lake::Lake;
use crate::lake::lease::{Lease, LeaseOptions};
use crate::timerange::rfc3339;

/// The name of the queryable table over the state.
pub const TABLE: &str = "findings";

/// What is wrong with the findings state or a request to change it.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state file is not what tokenhunt writes.
    #[error(
        "{location}: line {line} is not a tracked finding ({message}); restore it or delete the file"
    )]
    Corrupt {
        location: String,
        line: usize,
        message: String,
    },
    /// `close`/`reopen` of an id nothing was ever recorded under.
    #[error(
        "no finding or incident {0} in the lake's findings state (`tokenhunt findings` lists them)"
    )]
    Unknown(String),
    /// An id that belongs to an incident, not to an item of its own.
    #[error("{id} is a finding of incident {incident}; {action} the incident instead")]
    MemberOf {
        id: String,
        incident: String,
        action: &'static str,
    },
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Reported once, not seen alerting again since.
    New,
    /// Reported and seen alerting again (or reported again as updated, or reopened).
    Open,
    /// Not alerted: `tokenhunt suppress` or a `[[suppress]]` rule, with its reason.
    Suppressed,
    /// Dealt with (`tokenhunt close`): reported again only when it grows.
    Closed,
}

impl Status {
    /// The name used in the state, the table and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Suppressed => "suppressed",
            Status::Closed => "closed",
        }
    }
}

/// One tracked finding or incident, as stored (a line of `state.jsonl`) and as the
/// `findings` table shows it. Times are RFC 3339 UTC, as in the findings contract.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrackedItem {
    /// The finding id, or the incident id it had when it last grew.
    pub id: String,
    /// `finding` or `incident`; `None` for an id only named by `tokenhunt suppress`.
    pub kind: Option<String>,
    pub status: Status,
    /// Why it is suppressed or closed.
    pub status_reason: Option<String>,
    /// Who set the status: `tokenhunt suppress`, `tokenhunt close`, `tokenhunt.toml rule <n>`.
    pub status_by: Option<String>,
    /// When a suppression ends.
    pub status_until: Option<String>,
    pub status_changed: Option<String>,
    /// When a run first recorded it.
    pub first_recorded: String,
    /// When it was first reported (`None` while it has only been suppressed).
    pub first_reported: Option<String>,
    pub last_reported: Option<String>,
    /// How many times it was reported (first, then each update).
    pub reports: u64,
    /// The last run that saw it at or above its threshold.
    pub last_alerted: Option<String>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// The highest score it reached.
    pub score: Option<f64>,
    pub severity: Option<String>,
    pub hunt: Option<String>,
    pub technique: Option<String>,
    pub user: Option<String>,
    pub session_id: Option<String>,
    pub source: Option<String>,
    pub ips: Vec<String>,
    pub asns: Vec<i64>,
    pub countries: Vec<String>,
    pub apps: Vec<String>,
    /// The finding's (the incident lead's) reason sentence.
    pub reason: Option<String>,
    /// The ids of the findings it holds (itself, for a finding).
    pub members: Vec<String>,
    /// Ids it was reported under before it grew.
    pub previous_ids: Vec<String>,
}

impl TrackedItem {
    fn named(id: &str, now: &str) -> TrackedItem {
        TrackedItem {
            id: id.to_string(),
            kind: None,
            status: Status::New,
            status_reason: None,
            status_by: None,
            status_until: None,
            status_changed: None,
            first_recorded: now.to_string(),
            first_reported: None,
            last_reported: None,
            reports: 0,
            last_alerted: None,
            first_seen: None,
            last_seen: None,
            score: None,
            severity: None,
            hunt: None,
            technique: None,
            user: None,
            session_id: None,
            source: None,
            ips: Vec::new(),
            asns: Vec::new(),
            countries: Vec::new(),
            apps: Vec::new(),
            reason: None,
            // Filled from the alerts that match it (by id until then).
            members: Vec::new(),
            previous_ids: Vec::new(),
        }
    }

    /// Whether an alert with `id` and `members` is this item.
    fn matches(&self, id: &str, members: &[String]) -> bool {
        self.id == id
            || self.previous_ids.iter().any(|p| p == id)
            || members.iter().any(|m| self.members.contains(m))
    }

    /// The suppression in force at `now_micros`, if any.
    fn suppression(&self, now_micros: i64) -> Option<Suppression> {
        if self.status != Status::Suppressed {
            return None;
        }
        if let Some(until) = &self.status_until
            && crate::parse::time::parse_timestamp_micros(until).is_ok_and(|u| u <= now_micros)
        {
            return None;
        }
        Some(Suppression {
            reason: self.status_reason.clone().unwrap_or_default(),
            by: self.status_by.clone().unwrap_or_else(|| MANUAL.to_string()),
            until: self.status_until.clone(),
        })
    }

    fn suppressed_by_rule(&self) -> bool {
        self.status == Status::Suppressed
            && self
                .status_by
                .as_deref()
                .is_some_and(|by| by.starts_with(RULE_PREFIX))
    }
}

/// Every tracked item of a lake.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FindingsState {
    pub items: Vec<TrackedItem>,
}

/// One alert of a run: a finding or an incident at or above the threshold, the ids of
/// the findings it holds, and the suppression that keeps it quiet, if one does.
#[derive(Debug, Clone)]
pub struct Alert {
    pub finding: Finding,
    pub members: Vec<String>,
    pub kind: &'static str,
    pub suppression: Option<Suppression>,
}

/// How a run's findings become alerts.
#[derive(Debug, Clone, Copy)]
pub struct AlertOptions {
    /// Merge findings into incidents first (`--group incidents`).
    pub incidents: bool,
    /// Drop what scores under this (`--min-score`).
    pub min_score: f64,
}

/// Turns a run's findings into alerts the same way for every output (`hunt` in every
/// format, `.run` at the prompt, the demo): grouped into incidents when asked, under
/// `min_score` dropped, highest score first (earliest first among equals), each with
/// the suppression that applies — a rule of `tokenhunt.toml` covering it, or a
/// suppression recorded in the lake's state for it.
pub fn alerts(
    findings: &[Finding],
    options: AlertOptions,
    rules: &SuppressionRules,
    state: &FindingsState,
    now_micros: i64,
) -> Vec<Alert> {
    let items = if options.incidents {
        group_incidents(findings)
    } else {
        findings.to_vec()
    };
    let by_id: std::collections::HashMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.finding_id.as_str(), f))
        .collect();
    let mut alerts: Vec<Alert> = items
        .into_iter()
        .filter(|item| item.score >= options.min_score)
        .map(|item| {
            // An incident of one finding is that finding (same id); a larger one
            // lists its findings in its evidence.
            let members: Vec<String> = if by_id.contains_key(item.finding_id.as_str()) {
                vec![item.finding_id.clone()]
            } else {
                item.evidence["findings"]
                    .as_array()
                    .map(|ids| {
                        ids.iter()
                            .filter_map(|id| id.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_else(|| vec![item.finding_id.clone()])
            };
            let member_findings: Vec<&Finding> = members
                .iter()
                .filter_map(|id| by_id.get(id.as_str()).copied())
                .collect();
            let suppression = state
                .suppression(&item.finding_id, &members, now_micros)
                .or_else(|| rules.covering(&member_findings));
            Alert {
                kind: if options.incidents {
                    "incident"
                } else {
                    "finding"
                },
                finding: item,
                members,
                suppression,
            }
        })
        .collect();
    alerts.sort_by(|a, b| {
        b.finding
            .score
            .total_cmp(&a.finding.score)
            .then_with(|| a.finding.first_seen.cmp(&b.finding.first_seen))
    });
    alerts
}

/// Whether a reported alert is new or an update of one reported before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Updated,
}

impl Change {
    pub fn name(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Updated => "updated",
        }
    }
}

/// What `hunt --new` reports: the alert and why.
#[derive(Debug, Clone)]
pub struct Reported {
    pub finding: Finding,
    pub change: Change,
}

fn path(lake: &Lake) -> Path {
    lake.meta_path(&["findings", "state.jsonl"])
}

/// Where the state lives, for messages.
pub fn location(lake: &Lake) -> String {
    lake.display_path(&path(lake))
}

/// Reads the lake's findings state (empty when nothing was recorded yet).
pub async fn load(lake: &Lake) -> Result<FindingsState> {
    let bytes = match lake.store.get(&path(lake)).await {
        Ok(result) => result.bytes().await?,
        Err(object_store::Error::NotFound { .. }) => return Ok(FindingsState::default()),
        Err(error) => return Err(error.into()),
    };
    let mut items = Vec::new();
    for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let item: TrackedItem = serde_json::from_slice(line).map_err(|e| StateError::Corrupt {
            location: location(lake),
            line: index + 1,
            message: e.to_string(),
        })?;
        items.push(item);
    }
    Ok(FindingsState { items })
}

async fn store(lake: &Lake, state: &FindingsState) -> Result<()> {
    let mut bytes = Vec::new();
    for item in &state.items {
        serde_json::to_writer(&mut bytes, item).map_err(|e| EngineError::Invalid(e.to_string()))?;
        bytes.push(b'\n');
    }
    lake.put_durable(&path(lake), bytes).await
}

fn union<T: Ord + Clone>(into: &mut Vec<T>, more: &[T]) {
    let mut all: BTreeSet<T> = into.drain(..).collect();
    all.extend(more.iter().cloned());
    into.extend(all);
}

fn max_text(a: &Option<String>, b: &str) -> String {
    match a {
        Some(a) if a.as_str() > b => a.clone(),
        _ => b.to_string(),
    }
}

impl FindingsState {
    /// The suppression in force for an alert with `id` and `members`, if any.
    pub fn suppression(
        &self,
        id: &str,
        members: &[String],
        now_micros: i64,
    ) -> Option<Suppression> {
        self.items
            .iter()
            .filter(|item| !item.suppressed_by_rule())
            .filter(|item| item.matches(id, members))
            .find_map(|item| item.suppression(now_micros))
    }

    /// The items matching an alert, merged into one (an alert that bridges two
    /// tracked items makes them one), taken out with the position of the first.
    fn take_match(&mut self, id: &str, members: &[String]) -> Option<(usize, TrackedItem)> {
        let matched: Vec<usize> = (0..self.items.len())
            .filter(|&i| self.items[i].matches(id, members))
            .collect();
        let (&first, rest) = matched.split_first()?;
        let mut merged = self.items[first].clone();
        for &index in rest {
            let other = &self.items[index];
            union(&mut merged.members, &other.members);
            let mut ids = other.previous_ids.clone();
            ids.push(other.id.clone());
            union(&mut merged.previous_ids, &ids);
            merged.first_recorded = merged
                .first_recorded
                .clone()
                .min(other.first_recorded.clone());
            merged.first_reported = match (&merged.first_reported, &other.first_reported) {
                (Some(a), Some(b)) => Some(a.clone().min(b.clone())),
                (a, b) => a.clone().or_else(|| b.clone()),
            };
            merged.last_reported = merged
                .last_reported
                .clone()
                .max(other.last_reported.clone());
            merged.reports += other.reports;
            // A person's decision on either part holds for the whole.
            if matches!(merged.status, Status::New | Status::Open)
                && matches!(other.status, Status::Suppressed | Status::Closed)
            {
                merged.status = other.status;
                merged.status_reason = other.status_reason.clone();
                merged.status_by = other.status_by.clone();
                merged.status_until = other.status_until.clone();
                merged.status_changed = other.status_changed.clone();
            }
        }
        for &index in rest.iter().rev() {
            self.items.remove(index);
        }
        self.items.remove(first);
        Some((first, merged))
    }

    /// Records one run's alerts and says which to report: new ones, and updates of
    /// ones reported before. Suppressed alerts are recorded (with their reason), never
    /// reported. `now_micros` stamps the run.
    pub fn record(&mut self, alerts: &[Alert], now_micros: i64) -> Vec<Reported> {
        let now = rfc3339(now_micros);
        let mut reported = Vec::new();
        for alert in alerts {
            let finding = &alert.finding;
            // Read under the lease: a suppression stored since the alerts were
            // computed counts; a rule's comes with the alert.
            let by_rule = alert
                .suppression
                .clone()
                .filter(|s| s.by.starts_with(RULE_PREFIX));
            let suppression = self
                .suppression(&finding.finding_id, &alert.members, now_micros)
                .or_else(|| by_rule.clone());
            let (position, existing) = match self.take_match(&finding.finding_id, &alert.members) {
                Some((position, item)) => (position, Some(item)),
                None => (self.items.len(), None),
            };
            let mut item = existing
                .clone()
                .unwrap_or_else(|| TrackedItem::named(&finding.finding_id, &now));
            // A rule that no longer covers it lets it go; a person's decision stays.
            if item.suppressed_by_rule() && by_rule.is_none() {
                item.status = if item.first_reported.is_some() {
                    Status::Open
                } else {
                    Status::New
                };
                item.status_reason = None;
                item.status_by = None;
                item.status_until = None;
                item.status_changed = Some(now.clone());
            }
            let grew = |old: &TrackedItem| {
                alert.members.iter().any(|m| !old.members.contains(m))
                    || old
                        .last_seen
                        .as_deref()
                        .is_none_or(|l| finding.last_seen.as_str() > l)
                    || old.score.is_none_or(|s| finding.score > s + 0.05)
            };
            let change = match (&suppression, &existing) {
                (Some(_), _) => None,
                (None, Some(old)) if old.first_reported.is_some() => {
                    grew(old).then_some(Change::Updated)
                }
                (None, _) => Some(Change::New),
            };
            match (&suppression, change) {
                (Some(suppression), _) => {
                    if item.status != Status::Suppressed
                        || item.status_by.as_deref() != Some(suppression.by.as_str())
                    {
                        item.status = Status::Suppressed;
                        item.status_changed = Some(now.clone());
                        item.status_reason = Some(suppression.reason.clone());
                        item.status_by = Some(suppression.by.clone());
                        item.status_until = suppression.until.clone();
                    }
                }
                (None, Some(change)) => {
                    if item.first_reported.is_none() {
                        item.first_reported = Some(now.clone());
                    }
                    item.last_reported = Some(now.clone());
                    item.reports += 1;
                    // An expired suppression, or a closed item that grew, is open again.
                    item.status = match change {
                        Change::New => Status::New,
                        Change::Updated => Status::Open,
                    };
                    item.status_reason = None;
                    item.status_by = None;
                    item.status_until = None;
                    reported.push(Reported {
                        finding: finding.clone(),
                        change,
                    });
                }
                (None, None) => {
                    if item.status == Status::New
                        || (item.status == Status::Suppressed
                            && item.suppression(now_micros).is_none())
                    {
                        item.status = Status::Open;
                        item.status_reason = None;
                        item.status_by = None;
                        item.status_until = None;
                    }
                }
            }
            // The item follows the alert's evidence; it takes the alert's id when it
            // grew (an incident's id changes with its findings) and keeps the old one
            // as an alias either way.
            let grew_members = alert.members.iter().any(|m| !item.members.contains(m));
            if item.id != finding.finding_id {
                if grew_members {
                    let old = std::mem::replace(&mut item.id, finding.finding_id.clone());
                    union(&mut item.previous_ids, &[old]);
                } else {
                    union(
                        &mut item.previous_ids,
                        std::slice::from_ref(&finding.finding_id),
                    );
                }
            }
            item.previous_ids.retain(|p| *p != item.id);
            union(&mut item.members, &alert.members);
            item.kind = Some(alert.kind.to_string());
            item.last_alerted = Some(now.clone());
            item.first_seen = Some(match &item.first_seen {
                Some(first) if first.as_str() < finding.first_seen.as_str() => first.clone(),
                _ => finding.first_seen.clone(),
            });
            item.last_seen = Some(max_text(&item.last_seen, &finding.last_seen));
            item.score = Some(item.score.map_or(finding.score, |s| s.max(finding.score)));
            item.severity = Some(finding.severity.clone());
            item.hunt = Some(finding.hunt.clone());
            item.technique = Some(finding.technique.clone());
            item.user = finding.user.clone();
            item.session_id = finding.session_id.clone();
            item.source = Some(finding.source.clone());
            union(&mut item.ips, &finding.ips);
            union(&mut item.asns, &finding.asns);
            union(&mut item.countries, &finding.countries);
            union(&mut item.apps, &finding.apps);
            item.reason = Some(finding.reason.clone());
            self.items.insert(position.min(self.items.len()), item);
        }
        reported
    }

    /// Sets the status of the items named by `ids` (an id, or an id the item had
    /// before it grew). `suppress` also accepts ids nothing was recorded under yet (a
    /// finding printed by a plain `hunt`): the suppression waits for it.
    pub fn set_status(
        &mut self,
        ids: &[String],
        action: &StatusAction,
        now_micros: i64,
    ) -> Result<Vec<TrackedItem>> {
        let now = rfc3339(now_micros);
        let mut changed = Vec::new();
        for id in ids {
            let id = id.trim();
            let position = self
                .items
                .iter()
                .position(|item| item.id == id || item.previous_ids.iter().any(|p| p == id));
            let position = match position {
                Some(position) => position,
                None => {
                    if let Some(incident) = self
                        .items
                        .iter()
                        .find(|item| item.members.iter().any(|m| m == id))
                    {
                        return Err(StateError::MemberOf {
                            id: id.to_string(),
                            incident: incident.id.clone(),
                            action: action.verb(),
                        }
                        .into());
                    }
                    if !matches!(action, StatusAction::Suppress { .. }) {
                        return Err(StateError::Unknown(id.to_string()).into());
                    }
                    self.items.push(TrackedItem::named(id, &now));
                    self.items.len() - 1
                }
            };
            let item = &mut self.items[position];
            match action {
                StatusAction::Suppress { reason, until } => {
                    item.status = Status::Suppressed;
                    item.status_reason = Some(reason.clone());
                    item.status_by = Some(MANUAL.to_string());
                    item.status_until = until.map(rfc3339);
                }
                StatusAction::Close { reason } => {
                    item.status = Status::Closed;
                    item.status_reason = reason.clone();
                    item.status_by = Some("tokenhunt close".to_string());
                    item.status_until = None;
                }
                StatusAction::Reopen => {
                    item.status = if item.first_reported.is_some() {
                        Status::Open
                    } else {
                        Status::New
                    };
                    item.status_reason = None;
                    item.status_by = None;
                    item.status_until = None;
                }
            }
            item.status_changed = Some(now.clone());
            changed.push(item.clone());
        }
        Ok(changed)
    }
}

/// A person's decision about tracked items.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusAction {
    /// Not alerted again (until `until`, microseconds), kept with `reason`.
    Suppress { reason: String, until: Option<i64> },
    /// Dealt with: reported again only when it grows.
    Close { reason: Option<String> },
    /// Back to alerting as before.
    Reopen,
}

impl StatusAction {
    fn verb(&self) -> &'static str {
        match self {
            StatusAction::Suppress { .. } => "suppress",
            StatusAction::Close { .. } => "close",
            StatusAction::Reopen => "reopen",
        }
    }
}

/// Records a run's alerts under the lake's write lease and reports the new and
/// updated ones through `emit` before the state is stored: an alert counts as
/// reported only once `emit` has written it (at least once: a failed `emit` records
/// nothing, and the next run reports it again). Returns what was reported.
pub async fn record_run(
    lake: &Lake,
    alerts: &[Alert],
    run_id: &str,
    lease: &LeaseOptions,
    now_micros: i64,
    emit: impl FnOnce(&[Reported]) -> Result<()>,
) -> Result<Vec<Reported>> {
    let held = Lease::acquire(lake, run_id, lease).await?;
    let result: Result<Vec<Reported>> = async {
        let mut state = load(lake).await?;
        let reported = state.record(alerts, now_micros);
        emit(&reported)?;
        held.check()?;
        store(lake, &state).await?;
        Ok(reported)
    }
    .await;
    let released = held.release().await;
    let reported = result?;
    released?;
    Ok(reported)
}

/// Applies a person's decision to the items named by `ids`, under the lease.
pub async fn change_status(
    lake: &Lake,
    ids: &[String],
    action: &StatusAction,
    run_id: &str,
    lease: &LeaseOptions,
    now_micros: i64,
) -> Result<Vec<TrackedItem>> {
    let held = Lease::acquire(lake, run_id, lease).await?;
    let result: Result<Vec<TrackedItem>> = async {
        let mut state = load(lake).await?;
        let changed = state.set_status(ids, action, now_micros)?;
        held.check()?;
        store(lake, &state).await?;
        Ok(changed)
    }
    .await;
    let released = held.release().await;
    let changed = result?;
    released?;
    Ok(changed)
}

/// The `findings` table's schema: the stored fields, lists as lists.
pub fn table_schema() -> SchemaRef {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let list = |name: &str, item: DataType| {
        Field::new(
            name,
            DataType::List(Arc::new(Field::new("item", item, true))),
            true,
        )
    };
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        text("kind"),
        Field::new("status", DataType::Utf8, false),
        text("status_reason"),
        text("status_by"),
        text("status_until"),
        text("status_changed"),
        Field::new("first_recorded", DataType::Utf8, false),
        text("first_reported"),
        text("last_reported"),
        Field::new("reports", DataType::UInt64, false),
        text("last_alerted"),
        text("first_seen"),
        text("last_seen"),
        Field::new("score", DataType::Float64, true),
        text("severity"),
        text("hunt"),
        text("technique"),
        text("user"),
        text("session_id"),
        text("source"),
        list("ips", DataType::Utf8),
        list("asns", DataType::Int64),
        list("countries", DataType::Utf8),
        list("apps", DataType::Utf8),
        text("reason"),
        list("members", DataType::Utf8),
        list("previous_ids", DataType::Utf8),
    ]))
}

/// The state as one record batch in [`table_schema`].
pub fn state_batch(items: &[TrackedItem]) -> Result<RecordBatch> {
    let schema = table_schema();
    let mut decoder =
        datafusion::arrow::json::ReaderBuilder::new(schema.clone()).build_decoder()?;
    decoder.serialize(items)?;
    Ok(decoder
        .flush()?
        .unwrap_or_else(|| RecordBatch::new_empty(schema)))
}

/// Registers the `findings` table (the lake's state when the session opened; empty
/// when nothing was recorded), so `sql` and the prompt can query it.
pub async fn register(ctx: &SessionContext, lake: &Lake) -> Result<()> {
    let state = load(lake).await?;
    let batch = state_batch(&state.items)?;
    let table = MemTable::try_new(table_schema(), vec![vec![batch]])?;
    ctx.register_table(TABLE, Arc::new(table))?;
    Ok(())
}

/// An empty `findings` table, for sessions without a lake.
pub fn register_empty(ctx: &SessionContext) -> Result<()> {
    let table = MemTable::try_new(table_schema(), vec![vec![]])?;
    ctx.register_table(TABLE, Arc::new(table))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hunt::findings::test_finding;

    fn alert(id: &str, members: &[&str], last_seen: &str, score: f64) -> Alert {
        let mut finding = test_finding(score, "r", serde_json::json!({}));
        finding.finding_id = id.into();
        finding.last_seen = last_seen.into();
        Alert {
            finding,
            members: members.iter().map(|m| m.to_string()).collect(),
            kind: "incident",
            suppression: None,
        }
    }

    const T1: i64 = 1_800_000_000_000_000;
    const T2: i64 = T1 + 3_600_000_000;

    #[test]
    fn reported_once_then_again_once_when_it_grows() {
        let mut state = FindingsState::default();
        let first = alert("i1", &["a", "b"], "2026-01-01T01:00:00Z", 80.0);
        let reported = state.record(std::slice::from_ref(&first), T1);
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].change, Change::New);
        assert_eq!(state.items[0].status, Status::New);
        assert!(state.record(std::slice::from_ref(&first), T2).is_empty());
        assert_eq!(state.items[0].status, Status::Open);
        // A finding joins: a new incident id, the same item, reported once as updated.
        let grown = alert("i2", &["a", "b", "c"], "2026-01-01T01:00:00Z", 80.0);
        let reported = state.record(std::slice::from_ref(&grown), T2);
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].change, Change::Updated);
        assert_eq!(state.items.len(), 1);
        assert_eq!(state.items[0].id, "i2");
        assert_eq!(state.items[0].previous_ids, vec!["i1".to_string()]);
        assert_eq!(state.items[0].reports, 2);
        assert!(state.record(&[grown], T2).is_empty());
        // A smaller view of it (a shorter --since) is nothing new either.
        assert!(state.record(&[first], T2).is_empty());
        assert_eq!(state.items[0].id, "i2");
        // Later evidence on the same findings is an update.
        let later = alert("i2", &["a", "b", "c"], "2026-01-02T01:00:00Z", 80.0);
        assert_eq!(state.record(&[later], T2)[0].change, Change::Updated);
    }

    #[test]
    fn suppressed_items_are_recorded_not_reported_and_decisions_stay() {
        let mut state = FindingsState::default();
        let action = StatusAction::Suppress {
            reason: "lab".into(),
            until: None,
        };
        // Named before any run saw it (an id from a plain `hunt`).
        state.set_status(&["i1".into()], &action, T1).unwrap();
        let mut first = alert("i1", &["a"], "2026-01-01T01:00:00Z", 80.0);
        first.suppression = state.suppression("i1", &first.members, T1);
        assert!(first.suppression.is_some());
        assert!(state.record(&[first], T2).is_empty());
        let item = &state.items[0];
        assert_eq!(item.status, Status::Suppressed);
        assert_eq!(item.status_reason.as_deref(), Some("lab"));
        assert_eq!(item.first_reported, None);
        assert_eq!(item.user.as_deref(), Some("u"));
        // Reopened, it has never been reported: it is new.
        state
            .set_status(&["i1".into()], &StatusAction::Reopen, T2)
            .unwrap();
        let again = alert("i1", &["a"], "2026-01-01T01:00:00Z", 80.0);
        assert_eq!(state.record(&[again], T2)[0].change, Change::New);
        // Closing needs a known id; a member's id points at its incident.
        assert!(
            state
                .set_status(&["zz".into()], &StatusAction::Close { reason: None }, T2)
                .is_err()
        );
    }

    #[test]
    fn the_table_holds_every_field() {
        let mut state = FindingsState::default();
        state.record(
            &[alert("i1", &["a", "b"], "2026-01-01T01:00:00Z", 80.0)],
            T1,
        );
        let batch = state_batch(&state.items).unwrap();
        assert_eq!(batch.num_rows(), 1);
        assert_eq!(batch.schema(), table_schema());
        assert_eq!(state_batch(&[]).unwrap().num_rows(), 0);
    }
}
