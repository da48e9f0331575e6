//! tokenhunt SQL functions.
