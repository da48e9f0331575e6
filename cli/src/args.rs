//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Hunt stolen-session-token replay in Entra ID and Okta sign-in logs with SQL.
#[derive(Debug, Parser)]
#[command(name = "tokenhunt", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command understands.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The lake: a local folder or an object-store URL (file://, s3://, az://, abfss://, gs://).
    #[arg(long, global = true, env = "TOKENHUNT_LAKE")]
    pub lake: Option<String>,

    /// Configuration file (default: ./tokenhunt.toml when present).
    #[arg(long, global = true, env = "TOKENHUNT_CONFIG")]
    pub config: Option<PathBuf>,

    /// Output format.
    #[arg(long, global = true, value_enum)]
    pub format: Option<OutputFormat>,

    /// Start of the time range: a duration back from now (`7d`, `12h`) or an RFC 3339 time.
    #[arg(long, global = true)]
    pub since: Option<String>,

    /// End of the time range (same spellings as --since).
    #[arg(long, global = true)]
    pub until: Option<String>,

    /// Memory the query engine may use before spilling to disk (e.g. `4GiB`, `512MiB`).
    #[arg(long, global = true)]
    pub memory_limit: Option<String>,

    /// IP databases for the IP functions: MaxMind .mmdb files or iptoasn / ip-location-db
    /// range files (repeatable; adds to the configuration's [reference]).
    #[arg(long = "geoip", alias = "asn-db", global = true, value_name = "FILE")]
    pub ip_databases: Vec<PathBuf>,

    /// Worker threads (default: all cores).
    #[arg(long, global = true)]
    pub threads: Option<usize>,

    /// How long a lake writer (`ingest`, `pull`, `compact`, `hunt --new`, `suppress`,
    /// `close`, `reopen`) waits for another run writing to the same lake before giving
    /// up (e.g. `30s`, `10m`; default 10m).
    #[arg(
        long,
        global = true,
        env = "TOKENHUNT_LEASE_WAIT",
        value_name = "DURATION"
    )]
    pub lease_wait: Option<String>,

    /// Less output on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// More output on stderr.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns fitted to the terminal.
    Table,
    Csv,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// One `column: value` line per column, rows separated by a rule.
    Vertical,
    /// Apache Parquet (needs --out).
    Parquet,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest Entra ID / Okta log files into the lake.
    Ingest(IngestArgs),
    /// Rewrite each partition's small files into one, in the lake's clustered order,
    /// swapped in atomically (--since/--until limit the dates).
    Compact(CompactArgs),
    /// Fetch new events from the Okta or Microsoft APIs into the lake (incremental).
    Pull(PullArgs),
    /// Run SQL over the lake in batch.
    Sql(SqlArgs),
    /// Run hunts over the lake and print findings.
    Hunt(HuntArgs),
    /// Pull the sources, update the baseline, hunt the new days with --new and deliver
    /// to --out: once (a systemd timer), or every --every until SIGTERM (a container).
    Watch(WatchArgs),
    /// List the hunts.
    Hunts,
    /// The lake's findings state: every finding and incident `hunt --new` reported,
    /// with status (new, open, suppressed, closed), first reported, last seen, reason.
    Findings(FindingsArgs),
    /// Stop alerting on findings or incidents (until --until, else for good); they stay
    /// in the `findings` table with the reason.
    Suppress(SuppressArgs),
    /// Mark findings or incidents as dealt with: reported again only when they grow.
    Close(CloseArgs),
    /// Undo `suppress` or `close`.
    Reopen {
        /// Finding or incident ids.
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// List tokenhunt's SQL functions with signatures and examples.
    Functions {
        /// Only functions whose name contains this.
        pattern: Option<String>,
    },
    /// Build and store per-user baselines (networks, countries, devices, browsers, apps; shared prefixes) for the hunts.
    Baseline(BaselineArgs),
    /// Configuration helpers.
    Config(ConfigArgs),
    /// Generate a synthetic tenant with planted attacks and benign look-alikes (and labels.json).
    Gen(GenArgs),
    /// Score findings against a generated tenant's labels.
    Eval(EvalArgs),
    /// Generate a tenant with planted attacks, ingest it, run every hunt, show the incidents.
    Demo(DemoArgs),
    /// Interactive SQL prompt (the default when stdin is a terminal; piped stdin
    /// runs as a script of SQL and dot commands).
    Repl,
    /// Incident response: every session, token, network and directory change derived
    /// from a user, session or IP, the attacker's infrastructure and who else used it.
    Scope(ScopeArgs),
    /// Revocation plan for a compromised user (Microsoft Graph and Okta calls, then
    /// follow-ups); --execute performs the calls.
    Respond(RespondArgs),
    /// Print a shell completion script (e.g. `tokenhunt completions bash >
    /// /etc/bash_completion.d/tokenhunt`).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff; e.g. `tokenhunt man > tokenhunt.1 && man ./tokenhunt.1`).
    Man,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["user", "session", "ip"])))]
pub struct ScopeArgs {
    /// Scope a user (UPN or Okta login).
    #[arg(long)]
    pub user: Option<String>,

    /// Scope one session (Entra SessionId or Okta externalSessionId).
    #[arg(long)]
    pub session: Option<String>,

    /// Scope an IP address: the sessions used from it and their users.
    #[arg(long)]
    pub ip: Option<String>,

    /// Also write a self-contained HTML report (timeline, map, tables) to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// The most rows one of the scope's lake queries may return: every row is held
    /// in memory, so a wider window fails naming this cap rather than exhausting it.
    #[arg(long, value_name = "ROWS", default_value_t = tokenhunt_engine::sql::MAX_ROWS)]
    pub max_rows: u64,
}

#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The compromised user (UPN or Okta login).
    #[arg(long)]
    pub user: String,

    /// The compromised session (an Okta session is ended on its own as well).
    #[arg(long)]
    pub session: Option<String>,

    /// Perform the revocation calls (tokens from GRAPH_TOKEN and OKTA_API_TOKEN).
    #[arg(long)]
    pub execute: bool,

    /// Do not ask for confirmation before --execute.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// The Okta org: https://<org>.okta.com (or just <org>).
    #[arg(long, env = "OKTA_ORG_URL", value_name = "URL")]
    pub okta_org: Option<String>,

    /// Microsoft Graph base URL override, for tests against a local server (loopback only).
    #[arg(long, hide = true, value_name = "URL")]
    pub graph_url: Option<String>,

    /// Okta base URL override, for tests against a local server (loopback only).
    #[arg(long, hide = true, value_name = "URL")]
    pub okta_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Files, folders, globs or object-store URLs (plain or gzip).
    #[arg(required = true)]
    pub inputs: Vec<String>,

    /// Force the input format instead of detecting it.
    #[arg(long, default_value = "auto", value_parser = clap::builder::PossibleValuesParser::new(tokenhunt_engine::input::InputFormat::NAMES))]
    pub input_format: String,

    /// Bytes of parsed rows buffered before writing (bounds memory; e.g. 192MiB).
    #[arg(long)]
    pub buffer: Option<String>,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Add the days since the stored baseline was built to it (from its stored rollups)
    /// instead of recomputing the whole history; the tables equal a full rebuild's.
    /// Falls back to a full build, saying why, when older events arrived since.
    #[arg(long)]
    pub incremental: bool,
}

#[derive(Debug, Args)]
pub struct CompactArgs {
    /// List the partitions that would be rewritten (files and bytes); change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// How long the replaced files stay after the swap, for queries that listed them
    /// before it (e.g. `60s`, `5m`; default 60s).
    #[arg(long, value_name = "DURATION")]
    pub grace: Option<String>,

    /// The most data one rewritten file holds, decoded (e.g. `256MiB`, the default):
    /// a partition holding more is rewritten into several files. A file's rows are
    /// sorted in memory, so this bounds the memory compaction uses.
    #[arg(long, value_name = "SIZE")]
    pub target_size: Option<String>,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(subcommand)]
    pub source: PullSource,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PullSource {
    /// Okta System Log (`/api/v1/logs`); API token in OKTA_API_TOKEN.
    Okta(PullOktaArgs),
    /// Entra ID sign-ins (interactive, non-interactive, service principal, managed
    /// identity) and directory audits through Microsoft Graph; token in GRAPH_TOKEN, or
    /// AZURE_CLIENT_ID and AZURE_CLIENT_SECRET.
    Entra(PullEntraArgs),
    /// Entra ID tables of a Log Analytics workspace; token in LOG_ANALYTICS_TOKEN, or
    /// AZURE_CLIENT_ID and AZURE_CLIENT_SECRET with --tenant.
    #[command(name = "entra-la")]
    EntraLa(PullLogAnalyticsArgs),
}

#[derive(Debug, Clone, Args)]
pub struct PullOktaArgs {
    /// The Okta org, e.g. https://acme.okta.com.
    #[arg(long, env = "OKTA_ORG_URL")]
    pub org: String,

    /// Send the requests to this base URL instead of the org (tests, proxies).
    #[arg(long, env = "TOKENHUNT_OKTA_URL")]
    pub okta_url: Option<String>,

    #[command(flatten)]
    pub common: PullCommonArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PullEntraArgs {
    /// The tenant: its id or a verified domain.
    #[arg(long, env = "AZURE_TENANT_ID")]
    pub tenant: String,

    /// Microsoft Graph base URL.
    #[arg(
        long,
        env = "TOKENHUNT_GRAPH_URL",
        default_value = "https://graph.microsoft.com"
    )]
    pub graph_url: String,

    /// Microsoft Entra sign-in base URL (for AZURE_CLIENT_ID / AZURE_CLIENT_SECRET).
    #[arg(
        long,
        env = "TOKENHUNT_LOGIN_URL",
        default_value = "https://login.microsoftonline.com"
    )]
    pub login_url: String,

    #[command(flatten)]
    pub common: PullCommonArgs,
}

#[derive(Debug, Clone, Args)]
pub struct PullLogAnalyticsArgs {
    /// The Log Analytics workspace id (a GUID).
    #[arg(long)]
    pub workspace: String,

    /// The tenant (needed with AZURE_CLIENT_ID / AZURE_CLIENT_SECRET).
    #[arg(long, env = "AZURE_TENANT_ID")]
    pub tenant: Option<String>,

    /// Log Analytics query API base URL.
    #[arg(
        long,
        env = "TOKENHUNT_LA_URL",
        default_value = "https://api.loganalytics.io"
    )]
    pub la_url: String,

    /// Microsoft Entra sign-in base URL (for AZURE_CLIENT_ID / AZURE_CLIENT_SECRET).
    #[arg(
        long,
        env = "TOKENHUNT_LOGIN_URL",
        default_value = "https://login.microsoftonline.com"
    )]
    pub login_url: String,

    #[command(flatten)]
    pub common: PullCommonArgs,
}

/// Options of every `pull` source. The range comes from the global --since/--until:
/// --since overrides the checkpoint; --until defaults to now.
#[derive(Debug, Clone, Args)]
pub struct PullCommonArgs {
    /// Length of the windows fetched, ingested and checkpointed one at a time.
    #[arg(long, default_value = "1d")]
    pub window: String,

    /// How far before the checkpoint a run starts again (late events; deduplicated).
    /// Default per source: entra 2h (Graph sign-ins arrive late), okta 15m,
    /// entra-la 5m (its windows are in ingestion time).
    #[arg(long)]
    pub overlap: Option<String>,

    /// Where a source without a checkpoint starts, when --since is not given.
    #[arg(long, default_value = "7d")]
    pub lookback: String,

    /// Events per page (Log Analytics: rows per query); default the API's largest.
    #[arg(long)]
    pub page_size: Option<u32>,

    /// Attempts per request before a transient failure (5xx, 429, timeout) is fatal.
    #[arg(long, default_value_t = 8)]
    pub max_attempts: u32,

    /// Time allowed for one request.
    #[arg(long, default_value = "120s")]
    pub timeout: String,

    /// First retry delay; doubles with each retry (with jitter).
    #[arg(long, default_value = "1s")]
    pub backoff: String,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The SQL to run (several statements separated by `;`).
    // SQL may start with a `--` comment: that is not an option.
    #[arg(
        short = 'c',
        long = "command",
        conflicts_with = "file",
        allow_hyphen_values = true
    )]
    pub command: Option<String>,

    /// A file of SQL statements.
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,

    /// Write the result here instead of stdout (required for parquet).
    #[arg(long)]
    pub out: Option<String>,

    /// At most this many rows in table output (0: all).
    #[arg(long, default_value_t = 0)]
    pub max_rows: usize,
}

#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Hunt ids to run (see `tokenhunt hunts`).
    pub ids: Vec<String>,

    /// Run every enabled hunt.
    #[arg(long, conflicts_with = "ids")]
    pub all: bool,

    /// Merge findings about the same user and session (or attacker infrastructure) into incidents.
    #[arg(long, value_enum)]
    pub group: Option<GroupBy>,

    /// Drop findings (or incidents, with --group) scoring below this (0-100). Weak
    /// signals on their own stay below the default; they count when they compound.
    #[arg(long, default_value_t = 50.0)]
    pub min_score: f64,

    /// Write findings to this file or object-store URL instead of stdout, or deliver
    /// them as JSON: a webhook (`https://…`, JSON Lines; bearer token from
    /// TOKENHUNT_WEBHOOK_TOKEN if set), Splunk HEC (`hec+https://host:8088[?index=…&
    /// sourcetype=…]`, token from SPLUNK_HEC_TOKEN) or the Azure Monitor Logs ingestion
    /// API (`dcr+https://<endpoint host>/<dcr immutable id>/<stream>`, AZURE_MONITOR_TOKEN
    /// or AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET). A failed delivery
    /// exits with status 4.
    #[arg(long)]
    pub out: Option<String>,

    /// Exit with status 3 when anything alerted (a finding, or an incident with --group,
    /// at or above --min-score), 0 when nothing did, 1 on an error (4 when a delivery
    /// failed): for cron and CI, as `git diff --exit-code`. The findings are written
    /// either way.
    #[arg(long)]
    pub exit_code: bool,

    /// Report only what was not reported before: new findings or incidents, and
    /// incidents that grew (a finding joined, later activity, a higher score), once.
    /// Records what it reports in the lake's findings state (under the write lease,
    /// so concurrent runs never report an item twice).
    #[arg(long)]
    pub new: bool,

    /// Run each hunt over consecutive slices of this length (`7d`) of the range rather
    /// than all of it at once: over months of history memory then follows a slice, as
    /// in a daily run. Each slice looks back before its start as the daily run does; a
    /// finding that straddles two slices is reported once, spanning both.
    #[arg(long, value_name = "DURATION")]
    pub slice: Option<String>,
}

/// `tokenhunt watch`: the sources to pull (none: the lake is fed some other way), the
/// pull options, and where the new alerts go.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Pull this Okta org's System Log (as `pull okta --org`; token in OKTA_API_TOKEN).
    #[arg(long, env = "OKTA_ORG_URL", value_name = "ORG")]
    pub okta: Option<String>,

    /// Send the Okta requests to this base URL instead of the org (tests, proxies).
    #[arg(long, env = "TOKENHUNT_OKTA_URL")]
    pub okta_url: Option<String>,

    /// Pull this Entra tenant's sign-ins and audits through Microsoft Graph (as `pull
    /// entra --tenant`; GRAPH_TOKEN, or AZURE_CLIENT_ID and AZURE_CLIENT_SECRET).
    #[arg(long, value_name = "TENANT")]
    pub entra: Option<String>,

    /// Pull the Entra tables of this Log Analytics workspace (as `pull entra-la
    /// --workspace`; its tenant from AZURE_TENANT_ID).
    #[arg(long, value_name = "WORKSPACE")]
    pub entra_la: Option<String>,

    /// Microsoft Graph base URL.
    #[arg(
        long,
        env = "TOKENHUNT_GRAPH_URL",
        default_value = "https://graph.microsoft.com"
    )]
    pub graph_url: String,

    /// Log Analytics query API base URL.
    #[arg(
        long,
        env = "TOKENHUNT_LA_URL",
        default_value = "https://api.loganalytics.io"
    )]
    pub la_url: String,

    /// Microsoft Entra sign-in base URL (for AZURE_CLIENT_ID / AZURE_CLIENT_SECRET).
    #[arg(
        long,
        env = "TOKENHUNT_LOGIN_URL",
        default_value = "https://login.microsoftonline.com"
    )]
    pub login_url: String,

    #[command(flatten)]
    pub pull: PullCommonArgs,

    /// Where new alerts go, as `hunt --out`: a file, an object-store URL, a webhook,
    /// Splunk HEC or Azure Monitor (default: stdout).
    #[arg(long, env = "TOKENHUNT_OUT")]
    pub out: Option<String>,

    /// Drop incidents (findings, with --findings) scoring below this (0-100).
    #[arg(long, default_value_t = 50.0)]
    pub min_score: f64,

    /// Report findings one by one instead of merging them into incidents.
    #[arg(long)]
    pub findings: bool,

    /// Exit with status 3 when the run alerted (as `hunt --exit-code`; not with --every).
    #[arg(long, conflicts_with = "every")]
    pub exit_code: bool,

    /// Run again every DURATION (`15m`, `1h`) until SIGTERM or Ctrl-C; a run that fails
    /// is reported and the next one tries again. Without it: one run.
    #[arg(long, value_name = "DURATION")]
    pub every: Option<String>,
}

#[derive(Debug, Args)]
pub struct SuppressArgs {
    /// Finding or incident ids (`finding_id` as `hunt` prints it; an incident's
    /// earlier id works too).
    #[arg(required = true)]
    pub ids: Vec<String>,

    /// Why (kept with the item in the `findings` table).
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct CloseArgs {
    /// Finding or incident ids.
    #[arg(required = true)]
    pub ids: Vec<String>,

    /// How it was dealt with.
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// Only items with these statuses (repeatable or comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub status: Vec<StatusArg>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusArg {
    New,
    Open,
    Suppressed,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    Incidents,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Write the commented default configuration (to tokenhunt.toml, or stdout with `-`).
    Init {
        #[arg(default_value = "tokenhunt.toml")]
        path: String,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProfileArg {
    Small,
    Medium,
    Large,
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Tenant size.
    #[arg(long, value_enum, default_value = "small")]
    pub profile: ProfileArg,
    /// Number of users (overrides the profile).
    #[arg(long)]
    pub users: Option<u32>,
    /// Number of days (overrides the profile).
    #[arg(long)]
    pub days: Option<u32>,
    /// Random seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Formats to write, comma-separated: entra-la, entra-diagnostic, okta (default: entra-la,okta).
    #[arg(long, value_delimiter = ',')]
    pub formats: Vec<String>,
    /// First day of the tenant (YYYY-MM-DD; default 2026-09-01).
    #[arg(long)]
    pub start: Option<String>,
    /// Gzip every file.
    #[arg(long)]
    pub gzip: bool,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// labels.json written by `tokenhunt gen`.
    #[arg(long)]
    pub labels: PathBuf,
    /// Findings as JSON Lines (`tokenhunt hunt --format jsonl`).
    #[arg(long)]
    pub findings: PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the generated tenant and its lake in this folder (default: a temporary folder).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Seed of the generated tenant.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Show (and score) incidents at or above this score, as `hunt --min-score`.
    #[arg(long, default_value_t = 50.0)]
    pub min_score: f64,
}

/// A duration option (`--window`, `--every`, `--grace`, `--lease-wait`, ...) in the one
/// grammar ([`tokenhunt_engine::timerange::parse_duration`]), its errors naming the option.
pub fn parse_duration(text: &str, option: &str) -> anyhow::Result<std::time::Duration> {
    tokenhunt_engine::timerange::parse_duration(text)
        .map_err(|error| anyhow::anyhow!("{option}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn duration_options_name_the_option() {
        assert_eq!(
            parse_duration("250ms", "x").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(parse_duration("5m", "x").unwrap(), Duration::from_secs(300));
        assert_eq!(
            parse_duration("1d", "x").unwrap(),
            Duration::from_secs(86_400)
        );
        assert_eq!(parse_duration("90", "x").unwrap(), Duration::from_secs(90));
        assert!(parse_duration("5 parsecs", "x").is_err());
        let error = parse_duration("-1s", "--grace").unwrap_err().to_string();
        assert!(error.starts_with("--grace: "), "{error}");
    }
}
