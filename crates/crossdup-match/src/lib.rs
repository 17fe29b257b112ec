//! crossdup-match
