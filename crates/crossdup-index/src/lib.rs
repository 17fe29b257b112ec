//! crossdup-index
