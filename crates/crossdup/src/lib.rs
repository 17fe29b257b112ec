//! crossdup
