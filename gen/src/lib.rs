//! Synthetic tenants and the detection-quality scorer.
