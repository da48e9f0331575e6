//! IP address functions: parsing, CIDR arithmetic, private ranges, and lookups against
//! MaxMind databases and CSV/TSV range files.

pub mod cidr;
pub mod lookup;
pub mod mmdb;
pub mod parse;
pub mod ranges;
