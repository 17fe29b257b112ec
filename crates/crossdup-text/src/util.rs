//! Small string helpers shared by the modules of this crate.

/// The longest prefix of `s` that is at most `max` bytes and ends on a char boundary.
pub fn prefix_at_char_boundary(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A fast 64-bit FNV-1a hash, stable across runs and platforms.
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Calls `f` with the `char_indices` of `s` collected, in a buffer each
/// thread reuses (segmentation and tokenising index characters back and
/// forth, and a fresh vector per line cost as much as the work on it).
pub fn with_char_indices<R>(s: &str, f: impl FnOnce(&[(usize, char)]) -> R) -> R {
    use std::cell::RefCell;
    thread_local! {
        static BUF: RefCell<Vec<(usize, char)>> = const { RefCell::new(Vec::new()) };
    }
    // Taken out while `f` runs, so that a nested call finds an empty buffer
    // rather than a borrowed one.
    let mut buf = BUF.with(|b| b.take());
    buf.clear();
    buf.extend(s.char_indices());
    let r = f(&buf);
    BUF.with(|b| b.replace(buf));
    r
}
