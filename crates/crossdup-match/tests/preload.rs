//! Loading language data ahead of use (its own process: nothing else here
//! loads any).

use crossdup_match::lexicon::{is_loaded, lexicon, preload};
use crossdup_text::Lang;

#[test]
fn preload_loads_the_languages_asked_for_and_no_others() {
    assert!(!is_loaded(Lang::It) && !is_loaded(Lang::En));
    preload(&[Lang::It, Lang::En]);
    assert!(is_loaded(Lang::It) && is_loaded(Lang::En));
    assert!(!is_loaded(Lang::Sv), "not asked for");
    // What was loaded is what a later use gets.
    assert!(!lexicon(Lang::It).is_empty(), "the shipped Italian lexicon");
}
