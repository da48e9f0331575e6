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
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A `.mmdb` file is not a readable MaxMind database (bad metadata, search tree or data).
    #[error("{path}: not a valid MaxMind database: {message}")]
    Mmdb {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A `.mmdb` file has a database_type we do not know how to use.
    #[error(
        "{path}: MaxMind database type '{database_type}' is not supported \
         (expected a City, Country, ASN, ISP or Anonymous-IP database)"
    )]
    UnsupportedMmdb {
        /// The file.
        path: PathBuf,
        /// Its `database_type` metadata.
        database_type: String,
    },
    /// A line of a range or category file could not be parsed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with the line.
        message: String,
    },
    /// A range file whose layout matches none of the supported formats.
    #[error(
        "{path}: unrecognised range file format ({message}); expected iptoasn TSV or an ip-location-db CSV (asn, city or country)"
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        message: String,
    },
    /// An entry of the user's `extra_asn_categories` is unusable.
    #[error("invalid ASN category entry AS{asn}: {message}")]
    InvalidCategory {
        /// The AS number of the entry.
        asn: i64,
        /// What is wrong with it.
        message: String,
    },
}
