//! crossdup-text
