//! The run: build the tenant, plan confounders and attacks, then walk time hour by hour — every user's
//! hour, the background and planned look-alikes, the attacks starting in that hour, plus queued records
//! falling in it — sort the hour's records by time and write them to every selected format. Memory holds
//! the per-user state and one hour of records, never the whole data set.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::path::Path;
use std::time::Instant;

use crate::entra::{EntraContext, diagnostic, la};
use crate::event::{Event, EventKind};
use crate::labels::{ConfounderLog, Labels, TenantInfo};
use crate::network::NetworkTable;
use crate::tenant::Tenant;
use crate::time::{DAY, HOUR, Ticks};
use crate::timeline::{UserState, World};
use crate::writer::{BucketedFiles, OktaPages, diagnostic_path, la_path};
use crate::{GenError, GenOptions, GenProgress, GenSummary, OutputFormat, attacks, confounders};

/// A queued record ordered by time, then by queue order (deterministic).
struct Queued {
    t: Ticks,
    seq: u64,
    event: Event,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.t, self.seq) == (other.t, other.seq)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.t, self.seq).cmp(&(other.t, other.seq))
    }
}

const LA_TABLES: [&str; 5] = [
    "SigninLogs",
    "AADNonInteractiveUserSignInLogs",
    "AADServicePrincipalSignInLogs",
    "AADManagedIdentitySignInLogs",
    "AuditLogs",
];

fn slot(kind: EventKind) -> usize {
    match kind {
        EventKind::EntraInteractive => 0,
        EventKind::EntraNonInteractive => 1,
        EventKind::EntraServicePrincipal => 2,
        EventKind::EntraManagedIdentity => 3,
        _ => 4,
    }
}

/// Runs a generation (see [`crate::generate`]).
pub fn run(
    opts: &GenOptions,
    progress: &mut dyn FnMut(&GenProgress),
) -> Result<GenSummary, GenError> {
    let began = Instant::now();
    let (users, days) = opts.size();
    if users == 0 || days == 0 {
        return Err(GenError::Invalid(
            "users and days must be at least 1".into(),
        ));
    }
    let formats = opts.effective_formats();
    let want_la = formats.contains(&OutputFormat::EntraLogAnalytics);
    let want_diag = formats.contains(&OutputFormat::EntraDiagnostic);
    let want_okta = formats.contains(&OutputFormat::Okta);
    let want_entra = want_la || want_diag;
    std::fs::create_dir_all(&opts.out).map_err(|e| GenError::io(&opts.out, e))?;

    let nets = NetworkTable::load()?;
    let mut tenant = Tenant::build(opts.seed, users, nets);
    let start = Ticks::from_date(opts.start);
    let end = start.plus(days as i64 * DAY);
    let mut states: Vec<UserState> = (0..users)
        .map(|i| UserState::new(opts.seed, i, &tenant, start))
        .collect();
    let (mut conf_plan, busy) = confounders::plan(opts.seed, &mut tenant, &mut states, start, days);
    let mut attack_plan = attacks::plan(opts.seed, &mut tenant, &mut states, start, days, &busy);
    let tenant = &tenant;
    let world = World::new(tenant);
    let ctx = EntraContext::new(tenant);

    let mut log = ConfounderLog::default();
    let mut incidents = Vec::new();
    let mut next_incident = 0usize;
    let mut queue: BinaryHeap<Reverse<Queued>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut la_files = BucketedFiles::new(opts.out.join("entra-la"), opts.gzip, LA_TABLES.len());
    let mut diag_files = BucketedFiles::new(
        opts.out.join("entra-diagnostic"),
        opts.gzip,
        LA_TABLES.len(),
    );
    let mut okta_pages = OktaPages::new(opts.out.join("okta"), opts.gzip);
    let mut buf: Vec<Event> = Vec::new();
    let mut line = Vec::with_capacity(8192);
    let mut scratch = Vec::with_capacity(4096);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_kind = [0u64; 6];
    let mut events = 0u64;
    let hours = days as u64 * 24;

    for hour in 0..hours {
        let h = start.plus(hour as i64 * HOUR);
        let hour_end = h.plus(HOUR);
        buf.clear();
        for (i, st) in states.iter_mut().enumerate() {
            st.hour(&world, i as u32, h, &mut buf, &mut log);
        }
        confounders::hour(
            opts.seed,
            &mut conf_plan,
            tenant,
            &states,
            h,
            &mut buf,
            &mut log,
        );
        for realised in attacks::hour(
            opts.seed,
            &mut attack_plan,
            tenant,
            &mut states,
            h,
            end,
            &mut next_incident,
        ) {
            let keep = if realised.incident.source == "okta" {
                want_okta
            } else {
                want_entra
            };
            if keep {
                incidents.push(realised.incident);
            }
            for e in realised.events {
                seq += 1;
                queue.push(Reverse(Queued {
                    t: e.t,
                    seq,
                    event: e,
                }));
            }
        }
        // Records spilling past the hour (a flow's last seconds) wait for their own hour, so every file
        // bucket is written in one go.
        let mut i = 0;
        while i < buf.len() {
            if buf[i].t >= hour_end {
                let e = buf.swap_remove(i);
                seq += 1;
                queue.push(Reverse(Queued {
                    t: e.t,
                    seq,
                    event: e,
                }));
            } else {
                i += 1;
            }
        }
        while let Some(Reverse(q)) = queue.peek() {
            if q.t >= hour_end {
                break;
            }
            if let Some(Reverse(q)) = queue.pop() {
                buf.push(q.event);
            }
        }
        // swap_remove disturbed the order: sort by time, ties by a stable key.
        buf.sort_by_key(|e| (e.t, e.id));
        for e in &buf {
            if e.t < start || e.t >= end {
                continue;
            }
            let mut written = false;
            if e.kind.is_entra() {
                if want_la && let Some(table) = la::table(e.kind) {
                    line.clear();
                    la::write_row(&mut line, &mut scratch, &ctx, e);
                    la_files.write_line(
                        e.t.0.div_euclid(DAY),
                        slot(e.kind),
                        &line,
                        |root, gz| la_path(root, gz, table, e.t),
                    )?;
                    written = true;
                }
                if want_diag && let Some(cat) = diagnostic::category(e.kind) {
                    line.clear();
                    diagnostic::write_record(&mut line, &ctx, e);
                    diag_files.write_line(
                        e.t.0.div_euclid(HOUR),
                        slot(e.kind),
                        &line,
                        |root, gz| diagnostic_path(root, gz, cat, e.t),
                    )?;
                    written = true;
                }
                if written {
                    *counts
                        .entry(la::table(e.kind).unwrap_or("").to_string())
                        .or_default() += 1;
                }
            } else if want_okta {
                line.clear();
                crate::okta::write_event(&mut line, tenant, e);
                okta_pages.write_event(e.t, &line)?;
                written = true;
                *counts.entry("Okta".to_string()).or_default() += 1;
            }
            if written {
                events += 1;
                by_kind[kind_index(e.kind)] += 1;
            }
        }
        progress(&GenProgress {
            hour: hour + 1,
            hours,
            events,
        });
    }
    let s1 = la_files.finish()?;
    let s2 = diag_files.finish()?;
    let s3 = okta_pages.finish()?;

    let name_of = |i: u32| {
        if i >= confounders::SP_ACTOR_BASE {
            tenant.service_principals[(i - confounders::SP_ACTOR_BASE) as usize]
                .name
                .clone()
        } else {
            tenant.users[i as usize].upn.to_lowercase()
        }
    };
    let confounder_list = log.into_confounders(name_of, |c| {
        if c.source() == "okta" {
            want_okta
        } else {
            want_entra
        }
    });
    let labels = Labels {
        tenant: TenantInfo {
            users: users as u64,
            days: days as u64,
            start: opts.start.format("%Y-%m-%d").to_string(),
            seed: opts.seed,
            domain: tenant.domain.clone(),
            tenant_id: crate::ids::guid(tenant.tenant_id),
        },
        incidents,
        confounders: confounder_list,
    };
    let labels_bytes = write_labels(&opts.out, &labels)?;
    let mut incidents_by_kind = BTreeMap::new();
    for i in &labels.incidents {
        *incidents_by_kind.entry(i.kind.clone()).or_insert(0usize) += 1;
    }
    let mut confounders_by_category = BTreeMap::new();
    for c in &labels.confounders {
        *confounders_by_category
            .entry(c.category.clone())
            .or_insert(0usize) += 1;
    }
    let entra_total = by_kind[..5].iter().sum::<u64>();
    Ok(GenSummary {
        events,
        files: s1.files + s2.files + s3.files + 1,
        bytes: s1.bytes + s2.bytes + s3.bytes + labels_bytes,
        incidents: labels.incidents.len(),
        confounders: labels.confounders.len(),
        seconds: began.elapsed().as_secs_f64(),
        users,
        days,
        events_by_table: counts,
        non_interactive_share: if entra_total == 0 {
            0.0
        } else {
            by_kind[1] as f64 / (by_kind[0] + by_kind[1]).max(1) as f64
        },
        incidents_by_kind,
        confounders_by_category,
    })
}

fn kind_index(k: EventKind) -> usize {
    match k {
        EventKind::EntraInteractive => 0,
        EventKind::EntraNonInteractive => 1,
        EventKind::EntraServicePrincipal => 2,
        EventKind::EntraManagedIdentity => 3,
        EventKind::EntraAudit => 4,
        EventKind::Okta(_) => 5,
    }
}

fn write_labels(out: &Path, labels: &Labels) -> Result<u64, GenError> {
    let path = out.join("labels.json");
    let mut text =
        serde_json::to_vec_pretty(labels).map_err(|e| GenError::Invalid(e.to_string()))?;
    text.push(b'\n');
    std::fs::write(&path, &text).map_err(|e| GenError::io(&path, e))?;
    Ok(text.len() as u64)
}
