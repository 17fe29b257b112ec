//! A document as read from its source, before analysis.

use serde::{Deserialize, Serialize};

/// A document to analyse: an id, the original text and optional metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Identifier: a path relative to the folder it was read from, or the
    /// `id` field of a JSON Lines record.
    pub id: String,
    /// The original text, exactly as read (byte offsets refer to it).
    pub text: String,
    /// A language code given by the source, if any (`"it"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Where the document came from (a site, a feed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Publication time as given (ISO 8601 is expected but not enforced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
}

impl Document {
    /// A document with only an id and a text.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Document {
        Document {
            id: id.into(),
            text: text.into(),
            ..Document::default()
        }
    }
}
