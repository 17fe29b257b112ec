//! The archive's check, through the library facade.

use crossdup::{Archive, Document};

fn sample(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/samples")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn doc(id: &str, text: String) -> Document {
    Document {
        id: id.into(),
        text,
        lang: None,
        source: None,
        published: None,
    }
}

#[test]
fn a_translation_is_found_among_many_close_documents_of_the_query_language() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path().join("ix")).unwrap();
    // The first two paragraphs of an Italian article and of its English
    // original.
    let head = |t: &str| t.split("\n\n").take(2).collect::<Vec<_>>().join("\n\n");
    let (it, en) = (
        head(&sample("it/harbour-fire.txt")),
        head(&sample("en/harbour-fire.txt")),
    );
    archive.add(doc("en/harbour-fire", en)).unwrap();
    // Italian articles that quote the query whole beside two paragraphs of
    // other articles: they share more of its words than its English original
    // does, and outnumber the candidates looked at.
    let others = [
        sample("it/incendio-bosco.txt"),
        sample("it/sciopero-tram.txt"),
    ];
    let extra: Vec<&str> = others.iter().flat_map(|t| t.split("\n\n")).collect();
    assert!(extra.len() >= 8, "{} paragraphs", extra.len());
    let mut n = 0;
    for i in 0..extra.len() {
        for j in i + 1..extra.len() {
            if n == 24 {
                break;
            }
            let text = format!("{}\n\n{}\n\n{it}", extra[i], extra[j]);
            archive
                .add(doc(&format!("it/quote-{i}-{j}"), text))
                .unwrap();
            n += 1;
        }
    }
    assert!(n > 2 * 10, "{n} quoting articles");
    archive.commit().unwrap();
    let found = archive.check(&doc("it/harbour-fire", it)).unwrap();
    let tr: Vec<_> = found
        .iter()
        .filter(|p| p.relation == "translation")
        .map(|p| p.b.as_str())
        .collect();
    assert_eq!(tr, ["en/harbour-fire"], "{found:#?}");
    // The quoting articles are found too, as copies.
    assert!(
        found
            .iter()
            .filter(|p| p.b.starts_with("it/quote") && p.relation == "near_duplicate")
            .count()
            >= 10,
        "{found:#?}"
    );
}

#[test]
fn the_sentence_pair_budget_keeps_the_best_candidate_of_each_language() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path().join("ix")).unwrap();
    let en = sample("en/harbour-fire.txt");
    let paras: Vec<&str> = en.split("\n\n").collect();
    assert!(paras.len() >= 6, "{} paragraphs", paras.len());
    // A whole copy, and two partial copies that score well below it.
    let half = paras.len() / 2;
    archive.add(doc("copy", en.clone())).unwrap();
    archive
        .add(doc("first-half", paras[..half].join("\n\n")))
        .unwrap();
    archive
        .add(doc("second-half", paras[half..].join("\n\n")))
        .unwrap();
    archive
        .add(doc("translation", sample("it/harbour-fire.txt")))
        .unwrap();
    archive.commit().unwrap();
    let query = doc("query", en);
    let found = |archive: &Archive| -> Vec<String> {
        let mut v: Vec<String> = archive
            .check(&query)
            .unwrap()
            .into_iter()
            .map(|p| p.b)
            .collect();
        v.sort();
        v
    };
    // Every candidate fits the default budget.
    assert_eq!(
        found(&archive),
        ["copy", "first-half", "second-half", "translation"]
    );
    // None fits a budget of nothing: only the best of each language is
    // verified.
    archive.set_options(crossdup::ScanOptions {
        check_sentence_pairs: 0,
        ..crossdup::ScanOptions::default()
    });
    assert_eq!(found(&archive), ["copy", "translation"]);
    // A stored document's matches: its own entry is not the best of its
    // language.
    let stored: Vec<String> = archive
        .matches("first-half")
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|p| p.b)
        .collect();
    assert!(stored.contains(&"copy".to_string()), "{stored:?}");
}

#[test]
fn the_default_budget_verifies_every_candidate_of_a_news_article() {
    // A check has at most 11 candidates of its own language and 10 of the
    // others plus the best of each other language (up to 8 more); an article
    // and its candidates of 60 sentences each must all be verified.
    let opts = crossdup::ScanOptions::default();
    let candidates = opts.candidates + 1 + opts.candidates + 8;
    assert!(
        candidates * 60 * 60 <= opts.check_sentence_pairs,
        "{candidates} candidates of 60 sentences exceed {}",
        opts.check_sentence_pairs
    );
}

#[test]
fn a_much_longer_best_candidate_is_verified_only_within_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path().join("ix")).unwrap();
    let head: String = sample("en/harbour-fire.txt")
        .split("\n\n")
        .take(2)
        .collect::<Vec<_>>()
        .join("\n\n");
    // A digest quoting the article, with far more sentences of its own.
    let mut digest = head.clone();
    for i in 0..120 {
        digest.push_str(&format!(
            "\n\nCouncil item {i}: the committee reviewed the budget of district {} and deferred vote {}.",
            i * 7 + 3,
            i * 13 + 11
        ));
    }
    archive.add(doc("digest", digest)).unwrap();
    archive.commit().unwrap();
    let query = doc("query", head);
    let found = |archive: &Archive| -> Vec<String> {
        archive
            .check(&query)
            .unwrap()
            .into_iter()
            .map(|p| p.b)
            .collect()
    };
    assert_eq!(found(&archive), ["digest"]);
    // The best of its language, but too long to be a whole copy: with no
    // budget it is not verified.
    archive.set_options(crossdup::ScanOptions {
        check_sentence_pairs: 0,
        ..crossdup::ScanOptions::default()
    });
    assert!(found(&archive).is_empty());
}

#[test]
fn preload_loads_the_archive_languages_and_english() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path().join("ix")).unwrap();
    let codes = |a: &Archive| -> Vec<&'static str> {
        a.preload().unwrap().iter().map(|l| l.code()).collect()
    };
    assert_eq!(codes(&archive), ["en"], "an empty archive: English only");
    archive
        .add(doc("it/harbour-fire", sample("it/harbour-fire.txt")))
        .unwrap();
    archive.add(doc("de/x", "Der Hafen wurde nach einem Brand am Dienstagabend geschlossen, teilte die Behörde mit.\nDie Feuerwehr brauchte sechs Stunden, um das Feuer unter Kontrolle zu bringen.\n".into())).unwrap();
    archive.commit().unwrap();
    assert_eq!(codes(&archive), ["de", "it", "en"]);
}
