//! Which search terms a segment may hold, without asking its dictionary.
//!
//! A check asks every segment for every term of its document (thousands for
//! a long one), and most of a new document's terms (its spot signatures
//! above all) are in no segment at all: each such question walks a term
//! dictionary to learn nothing. Right after a burst of adds, with a dozen
//! segments, those questions were most of a long check's search time. A
//! Bloom filter of each segment's terms answers "certainly not" for almost
//! all of them at the cost of a few memory reads; only the others go to the
//! dictionary. The filters are built off the checks' path, on a thread of
//! the lowest priority, and a segment without one yet is asked as before.

use std::sync::mpsc;
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;
use tantivy::schema::Field;
use tantivy::{Index, SegmentId, SegmentMeta};

/// Bits of filter per term of the segment.
const BITS_PER_TERM: usize = 16;

/// Bits set (and tested) per term. With 16 bits per term, about one absent
/// term in 200 passes.
const PROBES: usize = 3;

/// A Bloom filter of the search terms (`u64` keys) of one segment: no false
/// negatives, rare false positives.
pub struct TermBloom {
    bits: Vec<u64>,
    mask: u64,
}

impl TermBloom {
    /// An empty filter sized for `terms` terms.
    pub fn with_capacity(terms: usize) -> TermBloom {
        let m = (terms.max(1) * BITS_PER_TERM).next_power_of_two().max(64);
        TermBloom {
            bits: vec![0; m / 64],
            mask: (m - 1) as u64,
        }
    }

    /// The filter of the terms of `field` in the segment read by `reader`,
    /// as `key_of` reads them back into keys (terms it cannot read are no
    /// key a search asks for, and are left out).
    pub fn of_segment(
        reader: &tantivy::SegmentReader,
        field: Field,
        key_of: impl Fn(&[u8]) -> Option<u64>,
    ) -> tantivy::Result<TermBloom> {
        let inverted = reader.inverted_index(field)?;
        let dict = inverted.terms();
        let mut bloom = TermBloom::with_capacity(dict.num_terms());
        let mut stream = dict.stream()?;
        while stream.advance() {
            if let Some(k) = key_of(stream.key()) {
                bloom.insert(k);
            }
        }
        Ok(bloom)
    }

    /// The bit positions of `key`: double hashing on a mixed copy of it
    /// (keys are hashes already, but a filter should not rely on it).
    fn probes(&self, key: u64) -> [u64; PROBES] {
        let h = (key ^ (key >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (h1, h2) = (h, h.rotate_left(29) | 1);
        std::array::from_fn(|i| h1.wrapping_add((i as u64).wrapping_mul(h2)) & self.mask)
    }

    /// Adds a key.
    pub fn insert(&mut self, key: u64) {
        for p in self.probes(key) {
            self.bits[(p / 64) as usize] |= 1 << (p % 64);
        }
    }

    /// Whether the segment may hold `key` (false: it certainly does not).
    pub fn may_have(&self, key: u64) -> bool {
        self.probes(key)
            .iter()
            .all(|&p| self.bits[(p / 64) as usize] & (1 << (p % 64)) != 0)
    }
}

/// The filters of the segments, by segment.
pub type Blooms = Arc<RwLock<FxHashMap<SegmentId, Arc<TermBloom>>>>;

/// Builds the filter of every segment of an index on a thread of its own,
/// at the lowest priority, when poked (after each commit or refresh), and
/// forgets those of segments merged away. The thread ends with its owner.
pub struct BloomBuilder {
    tx: mpsc::Sender<()>,
    blooms: Blooms,
}

impl BloomBuilder {
    /// Starts the thread, which builds the filters of the segments there
    /// are now. `key_of` reads a dictionary term of `field` back as a key.
    pub fn start(
        index: Index,
        field: Field,
        key_of: fn(&[u8]) -> Option<u64>,
    ) -> std::io::Result<BloomBuilder> {
        let blooms: Blooms = Arc::default();
        let (tx, rx) = mpsc::channel::<()>();
        let shared = blooms.clone();
        std::thread::Builder::new()
            .name("crossdup-blooms".into())
            .spawn(move || {
                lower_own_priority();
                let mut pending = Ok(());
                while pending.is_ok() {
                    // One look at the segments for any number of pokes.
                    while rx.try_recv().is_ok() {}
                    if let Ok(metas) = index.searchable_segment_metas() {
                        build_missing(&index, field, key_of, &shared, &metas);
                    }
                    pending = rx.recv();
                }
            })?;
        Ok(BloomBuilder { tx, blooms })
    }

    /// Asks the builder to look at the segments again.
    pub fn poke(&self) {
        let _ = self.tx.send(());
    }

    /// The filter of a segment, once built.
    pub fn get(&self, id: &SegmentId) -> Option<Arc<TermBloom>> {
        self.blooms
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// The filters built so far, shared.
    pub fn blooms(&self) -> &Blooms {
        &self.blooms
    }
}

/// Builds the filters `blooms` lacks for the segments `metas`, and forgets
/// those of other segments. A segment that cannot be read is skipped (its
/// searches ask its dictionary, as without a filter).
pub fn build_missing(
    index: &Index,
    field: Field,
    key_of: fn(&[u8]) -> Option<u64>,
    blooms: &Blooms,
    metas: &[SegmentMeta],
) {
    blooms
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|id, _| metas.iter().any(|m| m.id() == *id));
    for meta in metas {
        let known = blooms
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&meta.id());
        if known {
            continue;
        }
        let Ok(reader) = tantivy::SegmentReader::open(&index.segment(meta.clone())) else {
            continue;
        };
        if let Ok(b) = TermBloom::of_segment(&reader, field, key_of) {
            blooms
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(meta.id(), Arc::new(b));
        }
    }
}

/// Lowers the calling thread's scheduling priority to the lowest (see
/// [`crate::disk::lowest_priority`]); elsewhere than Linux, nothing.
fn lower_own_priority() {
    #[cfg(target_os = "linux")]
    {
        // 0 names the calling thread.
        crate::disk::lowest_priority(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_has_every_key_put_in_and_few_others() {
        let keys: Vec<u64> = (0..10_000u64)
            .map(|i| i.wrapping_mul(0x2545_F491_4F6C_DD1D))
            .collect();
        let mut b = TermBloom::with_capacity(keys.len());
        for &k in &keys {
            b.insert(k);
        }
        assert!(keys.iter().all(|&k| b.may_have(k)));
        // Sequential keys too (no hash to lean on).
        let mut s = TermBloom::with_capacity(1000);
        (0..1000).for_each(|k| s.insert(k));
        assert!((0..1000).all(|k| s.may_have(k)));
        let passed = (1000..101_000).filter(|&k| s.may_have(k)).count();
        assert!(passed < 1_000, "{passed} of 100,000 absent keys passed");
        let passed = (0..100_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5555)
            .filter(|&k| b.may_have(k))
            .count();
        assert!(passed < 1_000, "{passed} of 100,000 absent keys passed");
    }
}
