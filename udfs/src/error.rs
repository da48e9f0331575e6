//! Typed errors for loading reference data.
//!
//! Query-time problems (a malformed IP, an unknown unit) never surface as errors: they
//! yield SQL NULL, because one bad log line must not abort a hunt over months of data.
//! Only configuration problems — a missing or corrupt reference file — are errors, and
//! each names the file so the user can fix it.

use std::path::PathBuf;

/// An error while loading or validating reference data.
#[derive(thiserror::Error, Debug)]
pub enum UdfError {
    /// A configured file could not be opened or read.
    #[error("cannot read reference file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `.mmdb` file is not a readable MaxMind database (bad metadata, search tree or data).
    #[error("{path}: not a valid MaxMind database: {message}")]
    Mmdb { path: PathBuf, message: String },
    /// A `.mmdb` file has a database_type we do not know how to use.
    #[error(
        "{path}: MaxMind database type '{database_type}' is not supported \
         (expected a City, Country, ASN, ISP or Anonymous-IP database)"
    )]
    UnsupportedMmdb {
        path: PathBuf,
        database_type: String,
    },
    /// A line of a range or category file could not be parsed.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// A range file whose layout matches none of the supported formats.
    #[error(
        "{path}: unrecognised range file format ({message}); expected iptoasn TSV or an ip-location-db CSV (asn, city or country)"
    )]
    UnknownFormat { path: PathBuf, message: String },
    /// An entry of the user's `extra_asn_categories` is unusable.
    #[error("invalid ASN category entry AS{asn}: {message}")]
    InvalidCategory { asn: i64, message: String },
}
