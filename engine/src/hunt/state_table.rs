//! The `findings` table: the lake's findings state, read afresh by every query.
//!
//! A prompt stays open for hours while `hunt --new`, `watch`, `suppress` and `close`
//! change the state from other processes; a snapshot taken when the session opened
//! would show a hunter decisions that no longer hold.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{MemTable, Session, TableProvider};
use datafusion::datasource::TableType;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;

use super::state::{load, state_batch, table_schema};
use crate::lake::Lake;

/// The lake's findings state as a table; each scan reads `state.jsonl` again.
///
/// ```sql
/// SELECT id, status, first_reported, reason FROM findings WHERE status <> 'closed';
/// ```
#[derive(Debug)]
pub struct FindingsTable {
    lake: Lake,
}

impl FindingsTable {
    /// The table over `lake`'s state.
    pub fn new(lake: Lake) -> Self {
        Self { lake }
    }
}

#[async_trait::async_trait]
impl TableProvider for FindingsTable {
    fn schema(&self) -> SchemaRef {
        table_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        session: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> datafusion::error::Result<Arc<dyn ExecutionPlan>> {
        let state = load(&self.lake)
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let batch =
            state_batch(&state.items).map_err(|e| DataFusionError::External(Box::new(e)))?;
        MemTable::try_new(table_schema(), vec![vec![batch]])?
            .scan(session, projection, filters, limit)
            .await
    }
}
