//! Who the user is in each service, from the lake: the Entra object id, the Okta user
//! id, the Okta OAuth clients that issued the user tokens, and the sessions seen.

use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::sql::{ScanStats, fetch};
use crate::sql::{quote, window_predicate};
use crate::timerange::TimeRange;

/// One Okta OAuth client (application) the user holds tokens from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OktaClient {
    pub client_id: String,
    pub name: Option<String>,
}

/// The user's ids in both services.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Identity {
    /// The name the user signs in with (UPN / Okta login), lower-case.
    pub user: String,
    /// Entra object id; `None` when the lake has no Entra sign-in of the user.
    pub entra_id: Option<String>,
    /// Okta user id (`00u…`); `None` when the lake has no Okta event of the user.
    pub okta_id: Option<String>,
    pub okta_clients: Vec<OktaClient>,
}

#[derive(Deserialize)]
struct IdRow {
    source: String,
    user_id: Option<String>,
}

/// Reads the user's ids from the lake (the most recent id per source wins).
pub async fn resolve(
    ctx: &SessionContext,
    user: &str,
    range: &TimeRange,
    stats: &mut ScanStats,
) -> Result<Identity> {
    let window = window_predicate(range, None);
    let ids: Vec<IdRow> = fetch(
        ctx,
        &format!(
            "SELECT source, user_id FROM ( \
                SELECT source, user_id, row_number() OVER (PARTITION BY source ORDER BY time DESC) AS n \
                FROM signins WHERE \"user\" = {} AND {window} AND user_id IS NOT NULL \
                  AND log_type IN ('interactive', 'non_interactive', 'okta')) \
             WHERE n = 1",
            quote(user)
        ),
        stats,
    )
    .await?;
    let id = |source: &str| {
        ids.iter()
            .find(|r| r.source == source)
            .and_then(|r| r.user_id.clone())
    };
    // OAuth grants name the client application as the event's target app; an OIDC
    // app's id is its client id.
    let okta_clients: Vec<OktaClient> = fetch(
        ctx,
        &format!(
            "SELECT DISTINCT app_id AS client_id, app AS name FROM signins \
             WHERE \"user\" = {} AND {window} AND source = 'okta' AND app_id IS NOT NULL \
               AND event_type LIKE 'app.oauth2%' ORDER BY client_id",
            quote(user)
        ),
        stats,
    )
    .await?;
    Ok(Identity {
        user: user.to_string(),
        entra_id: id("entra"),
        okta_id: id("okta"),
        okta_clients,
    })
}
