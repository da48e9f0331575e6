//! The DataFusion session every command runs in: memory pool with spilling, our
//! functions, the lake's tables and views.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::execution::disk_manager::{DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{FairSpillPool, MemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};

use tokenhunt_udfs::ReferenceData;

use crate::error::Result;
use crate::lake::Lake;
use crate::lake::catalog::{register_lake, register_views};

/// How a session is sized.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// Memory the query engine may use before it spills to disk (bytes).
    pub memory_limit: usize,
    /// Query parallelism (default: the machine's cores).
    pub threads: usize,
    /// Where spill files go (default: the system temporary folder).
    pub spill_dir: Option<PathBuf>,
    /// IP databases and ASN lists behind the IP functions.
    pub reference: Arc<ReferenceData>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            memory_limit: default_memory_limit(),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            spill_dir: None,
            reference: Arc::new(ReferenceData::builtin()),
        }
    }
}

/// Half the machine's memory, at most 8 GiB: enough for hunts over months of one
/// tenant, and it leaves room for the OS page cache that Parquet reads rely on.
fn default_memory_limit() -> usize {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("MemTotal:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<usize>().ok())
        })
        .map_or(8 << 30, |kib| kib * 1024);
    (total / 2).min(8 << 30)
}

/// The longest `IN (...)` list used to prune files, row groups and pages.
pub const MAX_PRUNING_IN_LIST: usize = 1000;

/// The session configuration tokenhunt runs with.
pub fn session_config(threads: usize) -> SessionConfig {
    let mut config = SessionConfig::new()
        .with_target_partitions(threads.max(1))
        .with_information_schema(true)
        .with_extension(Arc::new(crate::sql::counter::ScanCounter::default()));
    let options = config.options_mut();
    // KQL and Sentinel names are case-sensitive mixed case (`SigninLogs`,
    // `UserPrincipalName`): keep identifiers as typed.
    options.sql_parser.enable_ident_normalization = false;
    // Evaluate filters while decoding Parquet, and use the row groups' bloom
    // filters and page indexes: lookups of one user, session or IP skip most data.
    options.execution.parquet.pushdown_filters = true;
    options.execution.parquet.reorder_filters = true;
    options.execution.parquet.bloom_filter_on_read = true;
    options.execution.parquet.enable_page_index = true;
    // A scope asks for a user's 30-200 addresses, an incident for its victims: lists
    // past DataFusion's default of 20 would otherwise prune nothing at all.
    options.execution.parquet.max_in_list_size = MAX_PRUNING_IN_LIST;
    config
}

/// How long a session reuses a table's file listing. Compaction keeps replaced files
/// well beyond it ([`crate::compact::DEFAULT_GRACE`]).
pub const LISTING_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The memory pool: DataFusion's fair pool (each sort and aggregation may use an equal
/// share of what the hash joins leave), naming its five largest consumers when a query
/// runs out. The greedy pool was measured against it on the 79 M-event lake (README,
/// Benchmarks): two hunts that fail under this one complete under it, but
/// `entra_country_change`, which completes under this one, fails under it, and so do four
/// hunts not yet measured unsliced under this one.
fn memory_pool(limit: usize) -> Arc<dyn MemoryPool> {
    Arc::new(TrackConsumersPool::new(
        FairSpillPool::new(limit),
        NonZeroUsize::new(5).expect("five is not zero"),
    ))
}

/// Builds a session: memory pool with spilling, functions, and the lake if given.
pub async fn open_session(lake: Option<&Lake>, options: &SessionOptions) -> Result<SessionContext> {
    let mut disk = DiskManagerBuilder::default();
    if let Some(dir) = &options.spill_dir {
        disk = disk.with_mode(DiskManagerMode::Directories(vec![dir.clone()]));
    }
    let runtime = RuntimeEnvBuilder::new()
        // DataFusion keeps a table's listing forever by default: a prompt open for
        // hours would never see new ingests, and would read files a compaction
        // replaced long after it deleted them.
        .with_object_list_cache_ttl(Some(LISTING_CACHE_TTL))
        .with_memory_pool(memory_pool(options.memory_limit))
        .with_disk_manager_builder(disk)
        .build_arc()?;
    let state = SessionStateBuilder::new()
        .with_config(session_config(options.threads))
        .with_runtime_env(runtime)
        .with_default_features()
        .build();
    // A file or folder path in quotes is a table (`FROM 'findings.parquet'`),
    // as in datafusion-cli and DuckDB: hunters read exported findings back.
    let ctx = SessionContext::new_with_state(state).enable_url_table();
    // DataFusion 55's leaf-expression pushdown fails on views that project one
    // column under two names and are read through a struct field
    // (`LocationDetails['city']` on SigninLogs): "duplicate qualified field name".
    // Our files hold no nested columns, so the rules buy nothing here.
    ctx.remove_optimizer_rule("push_down_leaf_projections");
    ctx.remove_optimizer_rule("extract_leaf_expressions");
    crate::functions::register(&ctx, options.reference.clone())?;
    match lake {
        Some(lake) => {
            register_lake(&ctx, lake).await?;
            // A stored baseline is queryable like any table (and used by hunts).
            if let Some(manifest) = crate::baseline::stored_manifest(lake).await? {
                crate::baseline::register_stored(&ctx, lake, &manifest).await?;
            }
            // What was alerted and decided (`hunt --new`, `suppress`), as a table.
            crate::hunt::state::register(&ctx, lake).await?;
        }
        None => {
            register_views_without_lake(&ctx).await?;
            crate::hunt::state::register_empty(&ctx)?;
        }
    }
    Ok(ctx)
}

/// Without a lake, the tables exist but are empty, so the views still resolve.
async fn register_views_without_lake(ctx: &SessionContext) -> Result<()> {
    use crate::lake::catalog::table_schema;
    use crate::schema::Table;
    for table in Table::ALL {
        let empty = datafusion::catalog::MemTable::try_new(table_schema(table), vec![vec![]])?;
        ctx.register_table(table.name(), Arc::new(empty))?;
    }
    register_views(ctx).await
}
