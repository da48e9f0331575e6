//! Incident response: the revocation plan for a compromised user (Microsoft Graph and
//! Okta calls plus manual follow-ups) and, when asked, performing its calls.
//!
//! Files: `identity` (the user's ids in both services, from the lake), `plan` (calls
//! and follow-ups, as commands), `endpoints` (where calls may go), `execute` (the HTTP
//! calls), `error`.

pub mod endpoints;
pub mod error;
pub mod execute;
pub mod identity;
pub mod plan;

pub use endpoints::Endpoints;
pub use error::RespondError;
pub use execute::{CallOutcome, Tokens, execute, retry_policy};
pub use identity::{Identity, resolve};
pub use plan::{Plan, SessionTarget, build};
