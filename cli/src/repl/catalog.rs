//! What the session knows, read from DataFusion's catalog and function registry:
//! tables and views with their columns, and every function (built-in or ours, so
//! functions registered by `tokenhunt-udfs` show up without a list to keep).

use std::collections::BTreeSet;

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result;
use datafusion::logical_expr::TableType;
use datafusion::prelude::SessionContext;

/// One table or view.
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// Unqualified in the default schema, `schema.table` elsewhere.
    pub name: String,
    pub kind: &'static str,
    pub columns: Vec<ColumnInfo>,
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
}

/// Every table of every schema but `information_schema`, default schema first.
pub async fn tables(ctx: &SessionContext) -> Result<Vec<TableInfo>> {
    let state = ctx.state();
    let options = &state.config().options().catalog;
    let (default_catalog, default_schema) = (
        options.default_catalog.clone(),
        options.default_schema.clone(),
    );
    let mut found = Vec::new();
    for catalog_name in ctx.catalog_names() {
        let Some(catalog) = ctx.catalog(&catalog_name) else {
            continue;
        };
        for schema_name in catalog.schema_names() {
            if schema_name == "information_schema" {
                continue;
            }
            let Some(schema) = catalog.schema(&schema_name) else {
                continue;
            };
            let is_default = catalog_name == default_catalog && schema_name == default_schema;
            let mut names = schema.table_names();
            names.sort();
            for table_name in names {
                let Some(table) = schema.table(&table_name).await? else {
                    continue;
                };
                let kind = match table.table_type() {
                    TableType::Base => "table",
                    TableType::View => "view",
                    TableType::Temporary => "temporary",
                };
                let columns = table
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| ColumnInfo {
                        name: f.name().clone(),
                        data_type: f.data_type().clone(),
                        nullable: f.is_nullable(),
                    })
                    .collect();
                let name = match (is_default, catalog_name == default_catalog) {
                    (true, _) => table_name,
                    (false, true) => format!("{schema_name}.{table_name}"),
                    (false, false) => format!("{catalog_name}.{schema_name}.{table_name}"),
                };
                found.push((
                    !is_default,
                    TableInfo {
                        name,
                        kind,
                        columns,
                    },
                ));
            }
        }
    }
    found.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));
    Ok(found.into_iter().map(|(_, table)| table).collect())
}

/// Looks a table up by name (exact first, then ignoring case).
pub async fn table(ctx: &SessionContext, name: &str) -> Result<Option<TableInfo>> {
    let all = tables(ctx).await?;
    let exact = all.iter().position(|t| t.name == name);
    let loose = || all.iter().position(|t| t.name.eq_ignore_ascii_case(name));
    Ok(exact.or_else(loose).map(|i| all[i].clone()))
}

/// What kind of function a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FunctionKind {
    Scalar,
    Aggregate,
    Window,
    Table,
}

impl FunctionKind {
    pub fn name(self) -> &'static str {
        match self {
            FunctionKind::Scalar => "scalar",
            FunctionKind::Aggregate => "aggregate",
            FunctionKind::Window => "window",
            FunctionKind::Table => "table",
        }
    }
}

/// Documentation of one function, from whichever source has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionHelp {
    pub name: String,
    pub kind: String,
    /// Call shape with argument (and, for ours, return) types.
    pub signature: String,
    /// One sentence or so.
    pub description: String,
    /// A query that shows it in use.
    pub example: Option<String>,
}

/// One function the session can call.
#[derive(Debug, Clone)]
pub struct FunctionInfo {
    pub name: String,
    pub kind: FunctionKind,
    /// Other names the same function answers to.
    pub aliases: Vec<String>,
    /// DataFusion's own documentation, when the function carries it.
    pub help: Option<FunctionHelp>,
}

fn datafusion_help(
    name: &str,
    kind: FunctionKind,
    doc: Option<&datafusion::logical_expr::Documentation>,
) -> Option<FunctionHelp> {
    doc.map(|doc| FunctionHelp {
        name: name.to_string(),
        kind: kind.name().to_string(),
        signature: doc.syntax_example.clone(),
        description: doc.description.trim().to_string(),
        example: doc.sql_example.as_ref().map(|e| e.trim().to_string()),
    })
}

/// Every function registered in the session, sorted by name.
pub fn functions(ctx: &SessionContext) -> Vec<FunctionInfo> {
    let state = ctx.state();
    let mut found = Vec::new();
    // The registries hold each function under its name and under every alias;
    // keep one entry per function.
    for udf in state.scalar_functions().values() {
        let help = datafusion_help(udf.name(), FunctionKind::Scalar, udf.documentation());
        found.push(FunctionInfo {
            name: udf.name().to_string(),
            kind: FunctionKind::Scalar,
            aliases: udf.aliases().to_vec(),
            help,
        });
    }
    for udaf in state.aggregate_functions().values() {
        let help = datafusion_help(udaf.name(), FunctionKind::Aggregate, udaf.documentation());
        found.push(FunctionInfo {
            name: udaf.name().to_string(),
            kind: FunctionKind::Aggregate,
            aliases: udaf.aliases().to_vec(),
            help,
        });
    }
    for udwf in state.window_functions().values() {
        let help = datafusion_help(udwf.name(), FunctionKind::Window, udwf.documentation());
        found.push(FunctionInfo {
            name: udwf.name().to_string(),
            kind: FunctionKind::Window,
            aliases: udwf.aliases().to_vec(),
            help,
        });
    }
    for name in state.table_functions().keys() {
        found.push(FunctionInfo {
            name: name.clone(),
            kind: FunctionKind::Table,
            aliases: Vec::new(),
            help: None,
        });
    }
    found.sort_by(|a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
    found.dedup_by(|a, b| a.name == b.name && a.kind == b.kind);
    found
}

/// Function names and aliases, for completion.
pub fn function_names(functions: &[FunctionInfo]) -> Vec<String> {
    let names: BTreeSet<String> = functions
        .iter()
        .flat_map(|f| std::iter::once(f.name.clone()).chain(f.aliases.iter().cloned()))
        .collect();
    names.into_iter().collect()
}
