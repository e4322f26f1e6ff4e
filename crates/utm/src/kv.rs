//! A zero-allocation scanner for `key=value` records (FortiGate, Sophos, SonicWall, Check Point
//! Log Exporter, WatchGuard) with optional double-quoted values.
//!
//! It only splits; it never interprets keys. Values are returned without their quotes and are
//! not unescaped (FortiGate and Sophos do not escape inside quotes in practice). A missing tail
//! (unterminated quote from a truncated UDP datagram) yields the rest of the line as the value.

/// Iterator over `(key, value)` pairs separated by `separator` (space, comma, pipe or tab).
pub(crate) struct KvIter<'a> {
    text: &'a str,
    position: usize,
    separator: u8,
    blocks: Blocks,
}

impl<'a> KvIter<'a> {
    /// `separator` is an ASCII byte (space, comma, pipe or tab): [`KvIter::slice`] relies on it.
    pub(crate) fn new(text: &'a str, separator: u8) -> KvIter<'a> {
        // Every caller passes a constant; a non-ASCII byte could split a character.
        let separator = if separator.is_ascii() { separator } else { b' ' };
        KvIter { text, position: 0, separator, blocks: Blocks::new(separator) }
    }
}

impl<'a> Iterator for KvIter<'a> {
    type Item = (&'a str, &'a str);

    // Inlined into each caller's loop, so that the scanner's state stays in registers: called
    // once per pair, it is the hottest function of the roll-up.
    #[inline(always)]
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let bytes = self.text.as_bytes();
        loop {
            // Separators before a key are tokens without a key, skipped below; spaces before
            // a key (around a comma separator) are trimmed off it.
            let start = self.position;
            // The key ends at '='; a separator first means this token has no key: skip it.
            let Some(equals) = self.blocks.find(bytes, start, EQUALS | SEPARATOR) else {
                self.position = bytes.len();
                return None;
            };
            if bytes[equals] != b'=' {
                self.position = equals + 1;
                continue;
            }
            let key = trim_key(self.slice(start, equals));
            let value_start = equals + 1;
            // The next search starts past the byte that ended the value when it is a separator
            // or a space, which the skipping loop above would only step over.
            if bytes.get(value_start) == Some(&b'"') {
                let inner = value_start + 1;
                let (end, next) = match self.find_closing_quote(bytes, inner) {
                    Some(found) => found,
                    None => (bytes.len(), bytes.len()),
                };
                self.position = next;
                let value = self.slice(inner, end);
                return Some((key, value));
            }
            let (end, next) = match self.blocks.find(bytes, value_start, SEPARATOR) {
                Some(end) => (end, end + 1),
                None => (bytes.len(), bytes.len()),
            };
            self.position = next;
            let value = self.slice(value_start, end);
            return Some((key, value));
        }
    }
}

impl<'a> KvIter<'a> {
    /// `text[from..to]` without the checks of `str::get`. Every bound the scanner produces is
    /// the start or end of the text or the index of (or just past) an ASCII byte — `=`, `"`, a
    /// space or the separator — and so a character boundary, since no byte of a multi-byte
    /// UTF-8 character is below 0x80. This runs twice per pair, on every line.
    #[inline(always)]
    fn slice(&self, from: usize, to: usize) -> &'a str {
        debug_assert!(from <= to && to <= self.text.len());
        debug_assert!(self.text.is_char_boundary(from) && self.text.is_char_boundary(to));
        // SAFETY: `from <= to <= len` and both are character boundaries (see above).
        unsafe { self.text.get_unchecked(from..to) }
    }
}

impl KvIter<'_> {
    /// The closing quote is a `"` followed by the separator or the end of the line; a `"` in
    /// the middle of a value (rare, but FortiGate does not escape it) is kept.
    ///
    /// Returns the quote's index and where the next pair's search starts: past the separator
    /// or space that follows the quote, else just past the quote.
    ///
    /// Always inlined, like [`KvIter::next`]: out of line, the scanner's state leaves the
    /// registers of the caller's loop (a change elsewhere once tipped the compiler into that,
    /// at a cost of a quarter more instructions per line).
    #[inline(always)]
    fn find_closing_quote(&mut self, bytes: &[u8], from: usize) -> Option<(usize, usize)> {
        let mut offset = from;
        while let Some(index) = self.blocks.find(bytes, offset, QUOTE) {
            match bytes.get(index + 1) {
                None | Some(b'\r') => return Some((index, index + 1)),
                Some(&next) if next == self.separator || next == b' ' => return Some((index, index + 2)),
                _ => offset = index + 1,
            }
        }
        None
    }
}

/// Keys never contain the separator or a space inside, so only spaces before a key (around a
/// comma separator) and a tab, CR or other control byte at either end need trimming; checking
/// two bytes first keeps the common case free. The spaces in front go first, as a separate
/// step: they are what the scan passes over between pairs, not part of the key.
#[inline]
fn trim_key(key: &str) -> &str {
    let bytes = key.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if *first > b' ' && *last > b' ' => key,
        _ => trim_rest(key.trim_start_matches(' ')),
    }
}

fn trim_rest(key: &str) -> &str {
    let bytes = key.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if *first > b' ' && *last > b' ' => key,
        _ => key.trim(),
    }
}

const EQUALS: u8 = 1;
const SEPARATOR: u8 = 2;
const QUOTE: u8 = 4;

/// Bit masks of where `=`, the separator and `"` are in the current 64-byte block of a line.
///
/// Every structural byte of a record is found by a bit scan instead of a byte loop or a
/// `memchr` call per token (most tokens are shorter than `memchr`'s setup is worth). Blocks
/// are computed once, in order, as the scan moves forward.
struct Blocks {
    separator: u8,
    /// Whether the CPU has AVX2 (detected once per scanner; the flag itself is cached by std).
    #[cfg(target_arch = "x86_64")]
    avx2: bool,
    /// Offset of the current block; `usize::MAX` before the first.
    start: usize,
    equals: u64,
    separators: u64,
    quotes: u64,
}

impl Blocks {
    fn new(separator: u8) -> Blocks {
        Blocks {
            separator,
            #[cfg(target_arch = "x86_64")]
            avx2: std::is_x86_feature_detected!("avx2"),
            start: usize::MAX,
            equals: 0,
            separators: 0,
            quotes: 0,
        }
    }

    /// Index of the first byte at or after `from` in one of the `kinds`. Always inlined: `kinds`
    /// is a constant at every call, which then picks the masks at compile time.
    #[inline(always)]
    fn find(&mut self, bytes: &[u8], from: usize, kinds: u8) -> Option<usize> {
        let mut from = from;
        while from < bytes.len() {
            let block = from & !63;
            if block != self.start {
                self.load(bytes, block);
            }
            let mut mask = 0;
            if kinds & EQUALS != 0 {
                mask |= self.equals;
            }
            if kinds & SEPARATOR != 0 {
                mask |= self.separators;
            }
            if kinds & QUOTE != 0 {
                mask |= self.quotes;
            }
            mask &= u64::MAX << (from - block);
            if mask != 0 {
                return Some(block + mask.trailing_zeros() as usize);
            }
            from = block + 64;
        }
        None
    }

    fn load(&mut self, bytes: &[u8], start: usize) {
        self.start = start;
        // A whole block is read in place; only the last, partial one is copied and padded.
        match bytes.get(start..start + 64).and_then(|block| <&[u8; 64]>::try_from(block).ok()) {
            Some(block) => self.scan(block),
            None => {
                // Zero padding past the end matches none of the three bytes.
                let mut chunk = [0u8; 64];
                let available = bytes.len().saturating_sub(start).min(64);
                chunk[..available].copy_from_slice(&bytes[start..start + available]);
                self.scan(&chunk);
            }
        }
    }

    #[inline]
    fn scan(&mut self, block: &[u8; 64]) {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: AVX2 was detected on this CPU when the scanner was made.
            [self.equals, self.separators, self.quotes] = unsafe { masks_avx2(block, self.separator) };
            return;
        }
        self.equals = byte_mask(block, b'=');
        self.separators = byte_mask(block, self.separator);
        self.quotes = byte_mask(block, b'"');
    }
}

/// One bit per byte of `chunk` equal to `needle` (bit i for byte i).
#[cfg(target_arch = "x86_64")]
#[inline]
fn byte_mask(chunk: &[u8; 64], needle: u8) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    let mut mask = 0u64;
    for lane in 0..4 {
        // SAFETY: SSE2 is part of the x86_64 baseline, and the unaligned 16-byte load at
        // `lane * 16` (lane ≤ 3) stays inside the 64-byte array.
        let bits = unsafe {
            let pattern = _mm_set1_epi8(needle as i8);
            let data = _mm_loadu_si128(chunk.as_ptr().add(lane * 16).cast::<__m128i>());
            _mm_movemask_epi8(_mm_cmpeq_epi8(data, pattern)) as u32 as u16
        };
        mask |= u64::from(bits) << (lane * 16);
    }
    mask
}

/// [`byte_mask`] for `=`, `separator` and `"` at once, 32 bytes per compare: the block is
/// loaded once, and half as many compares and mask moves as with SSE2 are needed. The
/// baseline x86_64 target has no AVX2, hence the detection at run time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn masks_avx2(block: &[u8; 64], separator: u8) -> [u64; 3] {
    use std::arch::x86_64::{__m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8};
    // SAFETY: both unaligned 32-byte loads (at 0 and 32) stay inside the 64-byte array.
    let (low, high) = unsafe {
        (
            _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()),
            _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>()),
        )
    };
    let mask = |needle: u8| {
        let pattern = _mm256_set1_epi8(needle as i8);
        let low = _mm256_movemask_epi8(_mm256_cmpeq_epi8(low, pattern)) as u32;
        let high = _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, pattern)) as u32;
        u64::from(low) | (u64::from(high) << 32)
    };
    [mask(b'='), mask(separator), mask(b'"')]
}

/// One bit per byte of `chunk` equal to `needle` (bit i for byte i).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn byte_mask(chunk: &[u8; 64], needle: u8) -> u64 {
    chunk.iter().enumerate().fold(0, |mask, (index, byte)| mask | (u64::from(*byte == needle) << index))
}

/// Looks one key up by a linear scan; for parsers that need a handful of keys only.
pub(crate) fn find<'a>(text: &'a str, separator: u8, wanted: &str) -> Option<&'a str> {
    KvIter::new(text, separator).find(|(key, _)| *key == wanted).map(|(_, value)| value)
}

/// Treats the placeholder values vendors use for "nothing" as absent.
#[inline]
pub(crate) fn non_empty(value: &str) -> Option<&str> {
    // The usual value: longer than every placeholder, with nothing to trim.
    if let [first, .., last] = value.as_bytes()
        && value.len() > 3
        && *first > b' '
        && *last > b' '
    {
        return Some(value);
    }
    let value = crate::time::trim_ascii_spaces(value);
    if value.is_empty() || value == "N/A" || value == "n/a" || value == "-" || value == "\"\"" {
        None
    } else {
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_and_bare_values() {
        let pairs: Vec<_> = KvIter::new(r#"a=1 b="two words" c="x=y" d= e="" f=end"#, b' ').collect();
        assert_eq!(pairs, [("a", "1"), ("b", "two words"), ("c", "x=y"), ("d", ""), ("e", ""), ("f", "end")]);
    }

    #[test]
    fn truncated_quote_takes_rest_of_line() {
        let pairs: Vec<_> = KvIter::new(r#"a=1 msg="cut off here"#, b' ').collect();
        assert_eq!(pairs, [("a", "1"), ("msg", "cut off here")]);
    }

    #[test]
    fn comma_separated_with_commas_in_quotes() {
        let pairs: Vec<_> = KvIter::new(r#"date=2018-07-26,msg="a, b",x=1"#, b',').collect();
        assert_eq!(pairs, [("date", "2018-07-26"), ("msg", "a, b"), ("x", "1")]);
    }

    #[test]
    fn block_search_agrees_with_a_byte_loop() {
        let mut text = b"ab=cd ef\"gh ij=kl mnopqrstuvwx=yz  \"end".to_vec();
        text.extend_from_slice(&[b'x'; 70]);
        text.extend_from_slice(b"= \"");
        for from in 0..=text.len() + 1 {
            for (kinds, wanted) in [(EQUALS | SEPARATOR, &b"= "[..]), (QUOTE, b"\""), (SEPARATOR, b" ")] {
                let expected = text
                    .get(from..)
                    .and_then(|rest| rest.iter().position(|byte| wanted.contains(byte)))
                    .map(|offset| from + offset);
                // A fresh scanner, and one that has already looked at the previous block.
                assert_eq!(Blocks::new(b' ').find(&text, from, kinds), expected, "from {from}");
                let mut warm = Blocks::new(b' ');
                warm.find(&text, from.saturating_sub(64), kinds);
                assert_eq!(warm.find(&text, from, kinds), expected, "warm, from {from}");
            }
        }
    }

    /// The scanner as first written, one byte at a time: the reference for the bit scans.
    fn reference(text: &str, separator: u8) -> Vec<(&str, &str)> {
        let bytes = text.as_bytes();
        let mut pairs = Vec::new();
        let mut position = 0;
        loop {
            while position < bytes.len() && (bytes[position] == separator || bytes[position] == b' ') {
                position += 1;
            }
            if position >= bytes.len() {
                return pairs;
            }
            let start = position;
            let Some(equals) = (start..bytes.len()).find(|at| bytes[*at] == b'=' || bytes[*at] == separator) else {
                return pairs;
            };
            if bytes[equals] != b'=' {
                position = equals + 1;
                continue;
            }
            let key = trim_key(&text[start..equals]);
            let value_start = equals + 1;
            if bytes.get(value_start) == Some(&b'"') {
                let inner = value_start + 1;
                let end = (inner..bytes.len())
                    .find(|at| {
                        bytes[*at] == b'"'
                            && bytes.get(at + 1).is_none_or(|next| [separator, b' ', b'\r'].contains(next))
                    })
                    .unwrap_or(bytes.len());
                position = (end + 1).min(bytes.len());
                pairs.push((key, &text[inner..end]));
            } else {
                let end = (value_start..bytes.len()).find(|at| bytes[*at] == separator).unwrap_or(bytes.len());
                position = end;
                pairs.push((key, &text[value_start..end]));
            }
        }
    }

    #[test]
    fn block_scans_agree_with_a_byte_loop_on_awkward_records() {
        // Pieces that stress block edges, quotes in and around values, CR, empty values and
        // tokens without keys; joined in many orders and lengths.
        let pieces = [
            "a=1",
            "b=\"two words\"",
            "c=\"x=y\"",
            "d=",
            "e=\"\"",
            "msg=\"he said \"hi\" there\"",
            "junk",
            "f=\"unterminated",
            "g=\"q\"\r",
            "  ",
            ",",
            "h=\"a,b\"",
            "\"",
            "=",
            "k==v",
            "l=\"\"\"",
            "東京=\"都\"",
            " k\u{3000}=1",
            "m=b=\"c d\"",
            "n=x\"",
            "\"o\"=1",
            "p=\"a\"b\"",
            "q=\" \"",
            "r=\"a\"=\"b\"",
            "\r",
            "s= t",
            "long=\"0123456789012345678901234567890123456789012345678901234567890123456789\"",
            "devname=\"FG60F-Sakura-Kogyo\"",
            "srcip=192.168.1.38",
            "policyname=\"LAN-to-WAN\"",
            "url=/a?b=c&d=e",
            "service=\"udp/443\"",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..20_000 {
            let mut line = String::new();
            let count = if round % 50 == 0 { 150 + next() % 150 } else { next() % 40 };
            // Mostly well-formed FortiGate-like pairs, at times awkward ones.
            let awkward = round % 3 == 0;
            for _ in 0..count {
                let random = next();
                let piece = if awkward || random % 8 == 0 {
                    pieces[(random >> 8) as usize % pieces.len()]
                } else {
                    pieces[pieces.len() - 7 + (random >> 8) as usize % 7]
                };
                line.push_str(piece);
                line.push(if random & 0x10_0000 == 0 || !awkward { ' ' } else { ',' });
                if random & 0x20_0000 == 0 && awkward {
                    line.pop();
                }
            }
            if next() % 4 == 0 {
                line.pop();
            }
            for separator in [b' ', b','] {
                let pairs: Vec<_> = KvIter::new(&line, separator).collect();
                assert_eq!(pairs, reference(&line, separator), "{line:?} {:?}", separator as char);
            }
        }
    }

    #[test]
    fn placeholders_are_absent_whatever_their_spaces() {
        fn reference(value: &str) -> Option<&str> {
            let value = crate::time::trim_ascii_spaces(value);
            (!["", "N/A", "n/a", "-", "\"\""].contains(&value)).then_some(value)
        }
        for core in ["", "N/A", "n/a", "-", "\"\"", "x", "ab", "abc", "abcd", "N/A/B", "東京", "\"\"\""] {
            for (before, after) in [("", ""), (" ", ""), ("", " "), ("\t", "\t"), ("  ", "\r\n")] {
                let value = format!("{before}{core}{after}");
                assert_eq!(non_empty(&value), reference(&value), "{value:?}");
            }
        }
    }

    #[test]
    fn tokens_without_equals_are_skipped() {
        let pairs: Vec<_> = KvIter::new("junk a=1 more b=2", b' ').collect();
        assert_eq!(pairs, [("a", "1"), ("b", "2")]);
    }
}
