//! tokenhunt engine.
