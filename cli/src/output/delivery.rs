//! `hunt --out` to a webhook, Splunk HEC or Azure Monitor: the engine delivers; this
//! prepares it from the command line and the environment and says what it did.

use std::sync::Arc;

use anyhow::Result;
use tokenhunt_engine::deliver::{Delivery, DeliveryError, DeliveryOptions, Destination};
use tokenhunt_engine::pull::{Notes, process_env};

use crate::context::Context;
use crate::redact::redact;

/// The exit status of a run whose delivery failed (distinct from 1, any other error,
/// and 3, `--exit-code`'s "alerted"), so a timer or container can tell them apart.
pub const DELIVERY_FAILED_STATUS: u8 = 4;

/// The delivery `out` names, ready to send (credential read, client built), or `None`
/// when `out` is a file or object-store location (or absent). Called before the hunts
/// run, so a missing credential fails at once.
pub fn prepare(context: &Context, out: Option<&str>) -> Result<Option<Delivery>> {
    let Some(destination) = out.map(Destination::parse).transpose()?.flatten() else {
        return Ok(None);
    };
    let notes: Option<Notes> = (context.global.verbose > 0).then(|| {
        Arc::new(|line: &str| {
            // Notes quote server replies; the client scrubbed its own secrets already.
            eprintln!("{}", crate::output::terminal_text(&redact(line)));
        }) as Notes
    });
    let options = DeliveryOptions {
        notes,
        ..DeliveryOptions::default()
    };
    Ok(Some(Delivery::new(destination, &process_env, options)?))
}

/// Sends `records` and, unless `-q`, says where and in how many requests.
pub async fn deliver(
    context: &Context,
    delivery: &Delivery,
    records: &[serde_json::Value],
) -> Result<(), DeliveryError> {
    let delivered = delivery.send(records).await?;
    if !context.global.quiet && !records.is_empty() {
        eprintln!(
            "{}",
            crate::output::terminal_text(&redact(&format!(
                "delivered {} record(s) to {} in {} request(s) ({} retried)",
                delivered.records,
                delivery.label(),
                delivered.batches,
                delivered.retries
            )))
        );
    }
    Ok(())
}

/// Whether `error` is a delivery that failed (the exit status is then
/// [`DELIVERY_FAILED_STATUS`]).
pub fn failed(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<DeliveryError>()
            .is_some_and(DeliveryError::is_delivery_failure)
    })
}
