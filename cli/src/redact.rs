//! Keeps secrets out of everything the binary prints.

/// Environment variables whose values are credentials.
const SECRET_VARIABLES: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_SAS_KEY",
    "AZURE_CLIENT_SECRET",
    "GOOGLE_SERVICE_ACCOUNT_KEY",
    "OKTA_API_TOKEN",
    "GRAPH_TOKEN",
    "TOKENHUNT_GRAPH_TOKEN",
    "AZURE_ACCESS_TOKEN",
    "LOG_ANALYTICS_TOKEN",
];

/// Replaces every credential value from the environment found in `text`.
pub fn redact(text: &str) -> String {
    let mut clean = text.to_string();
    for name in SECRET_VARIABLES {
        if let Ok(value) = std::env::var(name)
            && value.len() >= 4
        {
            clean = clean.replace(&value, "[REDACTED]");
        }
    }
    clean
}
