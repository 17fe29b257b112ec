//! Verdicts and alignments through the public interface of crossdup-match.

use crossdup_match::{
    align, compare, plausible, profile, AlignParams, Monolingual, Profile, Relation, VerdictParams,
};
use crossdup_text::{analyze, AnalyzeOptions, Document};

fn prof(id: &str, text: &str) -> Profile {
    let art =
        analyze(Document::new(id, text), &AnalyzeOptions::default(), None).expect("analysable");
    profile(&art)
}

const ORIGINAL: &str =
    "The city council approved a new budget for public schools on Tuesday evening.\n\
The plan adds twelve million euros for teachers and repairs to old buildings.\n\
Opposition members said the money would arrive too late for the coming winter.\n\
The mayor promised that the first repairs would start in March.\n";

#[test]
fn identical_bodies_are_exact() {
    let a = prof("a", ORIGINAL);
    let b = prof("b", &format!("{ORIGINAL}\n"));
    let m = compare(&a, &b, &VerdictParams::default()).expect("a copy");
    assert_eq!(m.relation, Relation::Exact);
}

#[test]
fn an_edited_copy_is_a_near_duplicate_with_sentence_links() {
    let edited = ORIGINAL.replace("Tuesday evening", "Tuesday night")
        + "Residents can comment online until Friday.\n";
    let (a, b) = (prof("a", ORIGINAL), prof("b", &edited));
    let m = compare(&a, &b, &VerdictParams::default()).expect("a copy");
    assert_eq!(m.relation, Relation::NearDuplicate);
    assert_eq!(m.links.len(), 4);
    assert!(m.coverage_a > 0.95 && m.coverage_b < 0.95);
}

#[test]
fn synonym_swaps_make_a_rewrite() {
    let spun = "The city council approved a new budget for public schools on Tuesday evening.\n\
The plan adds twelve million euros for instructors and repairs to old edifices.\n\
Opposition members stated the money would arrive too late for the approaching winter.\n\
The mayor promised that the first repairs would begin in March.\n";
    let (a, b) = (prof("a", ORIGINAL), prof("b", spun));
    let m = compare(&a, &b, &VerdictParams::default()).expect("a rewrite");
    assert_eq!(m.relation, Relation::Rewrite, "identity {}", m.identity);
    assert!(m.identity < 0.985 && m.identity > 0.55);
}

#[test]
fn an_italian_translation_is_found_and_aligned_one_to_one() {
    let it = "Il consiglio comunale ha approvato martedì sera un nuovo bilancio per le scuole pubbliche.\n\
Il piano aggiunge dodici milioni di euro per gli insegnanti e le riparazioni dei vecchi edifici.\n\
I membri dell'opposizione hanno detto che il denaro arriverebbe troppo tardi per il prossimo inverno.\n\
Il sindaco ha promesso che le prime riparazioni inizieranno a marzo.\n";
    let (a, b) = (prof("en", ORIGINAL), prof("it", it));
    let m = compare(&a, &b, &VerdictParams::default()).expect("a translation");
    assert_eq!(m.relation, Relation::Translation);
    let pairs: Vec<((usize, usize), (usize, usize))> = m.links.iter().map(|l| (l.a, l.b)).collect();
    assert_eq!(
        pairs,
        vec![
            ((0, 1), (0, 1)),
            ((1, 2), (1, 2)),
            ((2, 3), (2, 3)),
            ((3, 4), (3, 4))
        ]
    );
}

#[test]
fn a_sentence_split_in_two_aligns_one_to_two() {
    // An editor split the first sentence in two: the aligner joins them in one link.
    let a = "Firefighters fought the blaze for six hours and saved the old lighthouse near the harbour.\n\
The port authority will reopen the northern docks on Monday morning.\n";
    let b = "Firefighters fought the blaze for six hours. They saved the old lighthouse near the harbour.\n\
The port authority will reopen the northern docks on Monday morning.\n";
    let (a, b) = (prof("a", a), prof("b", b));
    assert_eq!(b.sents.len(), 3);
    let links = align(&a, &b, &Monolingual::default(), &AlignParams::default());
    assert_eq!(links.len(), 2, "{links:?}");
    assert_eq!((links[0].a, links[0].b), ((0, 1), (0, 2)));
    assert_eq!((links[1].a, links[1].b), ((1, 2), (2, 3)));
}

#[test]
fn different_articles_on_one_topic_are_not_copies() {
    let other = "Teachers in the north of the country went on strike on Monday over pay.\n\
The union said classes would stay closed until the government made a better offer.\n\
Parents were asked to keep children at home for the rest of the week.\n";
    let (a, b) = (prof("a", ORIGINAL), prof("b", other));
    assert!(compare(&a, &b, &VerdictParams::default()).is_none());
}

#[test]
fn the_whole_document_test_passes_copies_and_translations_and_rules_out_strangers() {
    let vp = VerdictParams::default();
    let it = "Il consiglio comunale ha approvato martedì sera un nuovo bilancio per le scuole pubbliche.\n\
Il piano aggiunge dodici milioni di euro per gli insegnanti e le riparazioni dei vecchi edifici.\n";
    let stranger =
        "Heavy snow closed the mountain passes and stranded hundreds of lorries overnight.\n\
Drivers waited for ploughs while the police handed out blankets and hot drinks.\n";
    let a = prof("a", ORIGINAL);
    let copy = prof("copy", &format!("{ORIGINAL}\n"));
    let (it, stranger) = (prof("it", it), prof("stranger", stranger));
    assert!(plausible(&a, &copy, &vp));
    assert!(plausible(&a, &it, &vp));
    assert!(!plausible(&a, &stranger, &vp));
    // Ruled out means no verdict: compare ends on the same test.
    assert!(compare(&a, &stranger, &vp).is_none());
    // An empty document is never worth aligning.
    let mut empty = a.clone();
    empty.sents.clear();
    assert!(!plausible(&a, &empty, &vp));
}

/// Sentences of random words from a small vocabulary: any two share a few.
fn random_sentences(seed: u64) -> impl FnMut() -> String {
    const WORDS: &str = "harbour ship crew storm captain anchor cargo island lighthouse \
        village market fisherman net boat wave wind sail river bridge mountain forest \
        winter summer garden kitchen bakery bread cheese apple orchard farmer tractor field \
        wheat barley mill miller stone castle tower king queen knight horse saddle road \
        journey traveller map compass letter post office clerk stamp parcel train station \
        platform ticket engine driver signal tunnel valley meadow sheep shepherd dog fence \
        gate school teacher pupil lesson book library shelf candle lamp window curtain door \
        carpet chair table clock bell church choir organ music violin piano concert theatre \
        actor stage audience painter canvas brush colour museum statue fountain square \
        council mayor budget hospital doctor nurse patient medicine factory worker machine";
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut x = seed;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    move || {
        let n = 8 + (next() % 6) as usize;
        let body: Vec<&str> = (0..n)
            .map(|_| words[(next() % words.len() as u64) as usize])
            .collect();
        format!(
            "The {} near the old {}.",
            body.join(" "),
            words[(next() % 7) as usize]
        )
    }
}

/// A long edited copy (more sentence pairs than the full lattice takes, so
/// that the aligner follows the path the shared words suggest) gets the
/// links the full lattice gives it.
#[test]
fn a_long_edited_copy_aligns_as_on_the_full_lattice() {
    let mut sentence = random_sentences(0x9e37_79b9_7f4a_7c15);
    let original: Vec<String> = (0..120).map(|_| sentence()).collect();
    // The copy drops some sentences (a run of six among them), adds others
    // (a run of five among them) and moves nothing: it drifts from the
    // diagonal by up to six sentences.
    let (mut copy, mut kept) = (Vec::new(), 0);
    for (i, s) in original.iter().enumerate() {
        if i % 23 == 5 || (30..36).contains(&i) {
            continue;
        }
        copy.push(s.clone());
        kept += 1;
        let added = match i {
            80 => 5,
            _ if i % 31 == 9 => 1,
            _ => 0,
        };
        for _ in 0..added {
            copy.push(sentence());
        }
    }
    let (a, b) = (prof("a", &original.join("\n")), prof("b", &copy.join("\n")));
    assert!(a.sents.len() * b.sents.len() > AlignParams::default().full_cells);
    let sim = Monolingual::default();
    let guided = align(&a, &b, &sim, &AlignParams::default());
    let full_params = AlignParams {
        full_cells: usize::MAX,
        ..AlignParams::default()
    };
    let full = align(&a, &b, &sim, &full_params);
    let spans = |links: &[crossdup_match::Link]| -> Vec<((usize, usize), (usize, usize))> {
        links.iter().map(|l| (l.a, l.b)).collect()
    };
    assert_eq!(spans(&guided), spans(&full));
    // Every sentence kept links to its copy.
    assert_eq!(guided.len(), kept);
}

#[test]
fn an_excerpt_of_a_long_document_aligns_where_it_was_taken() {
    let mut sentence = random_sentences(0x2545_f491_4f6c_dd1d);
    let long: Vec<String> = (0..2400).map(|_| sentence()).collect();
    let excerpt = &long[1250..1254];
    let (a, b) = (prof("a", &excerpt.join("\n")), prof("b", &long.join("\n")));
    // Nearly every sentence of the long document shares words with the
    // excerpt: only those sharing the most are aligned, and the excerpt's
    // own are among them.
    assert!(
        a.sents.len() * b.sents.len() > AlignParams::default().full_cells,
        "{} x {}",
        a.sents.len(),
        b.sents.len()
    );
    let links = align(&a, &b, &Monolingual::default(), &AlignParams::default());
    let spans: Vec<_> = links.iter().map(|l| (l.a, l.b)).collect();
    assert_eq!(
        spans,
        [
            ((0, 1), (1250, 1251)),
            ((1, 2), (1251, 1252)),
            ((2, 3), (1252, 1253)),
            ((3, 4), (1253, 1254))
        ]
    );
    let m = compare(&a, &b, &VerdictParams::default()).expect("an excerpt is a copy");
    assert_eq!(m.coverage_a, 1.0);
}
