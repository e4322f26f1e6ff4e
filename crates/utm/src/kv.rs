//! A zero-allocation scanner for `key=value` records (FortiGate, Sophos, SonicWall, Check Point
//! Log Exporter, WatchGuard) with optional double-quoted values.
//!
//! It only splits; it never interprets keys. Values are returned without their quotes and are
//! not unescaped (FortiGate and Sophos do not escape inside quotes in practice). A missing tail
//! (unterminated quote from a truncated UDP datagram) yields the rest of the line as the value.

use memchr::{memchr, memchr2};

/// Iterator over `(key, value)` pairs separated by `separator` (space, comma, pipe or tab).
pub(crate) struct KvIter<'a> {
    text: &'a str,
    position: usize,
    separator: u8,
}

impl<'a> KvIter<'a> {
    pub(crate) fn new(text: &'a str, separator: u8) -> KvIter<'a> {
        KvIter { text, position: 0, separator }
    }
}

impl<'a> Iterator for KvIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let bytes = self.text.as_bytes();
        loop {
            // Skip separators (and stray spaces around them).
            while self.position < bytes.len()
                && (bytes[self.position] == self.separator || bytes[self.position] == b' ')
            {
                self.position += 1;
            }
            if self.position >= bytes.len() {
                return None;
            }
            let start = self.position;
            let rest = &bytes[start..];
            // The key ends at '='; a separator first means this token has no key: skip it.
            let Some(equals) = memchr2(b'=', self.separator, rest) else {
                self.position = bytes.len();
                return None;
            };
            if rest[equals] != b'=' {
                self.position = start + equals + 1;
                continue;
            }
            let key = &self.text[start..start + equals];
            let value_start = start + equals + 1;
            if bytes.get(value_start) == Some(&b'"') {
                let inner = value_start + 1;
                let end =
                    find_closing_quote(&bytes[inner..], self.separator).map_or(bytes.len(), |offset| inner + offset);
                self.position = (end + 1).min(bytes.len());
                let value = self.text.get(inner..end).unwrap_or("");
                return Some((key.trim(), value));
            }
            let end = memchr(self.separator, &bytes[value_start..]).map_or(bytes.len(), |offset| value_start + offset);
            self.position = end;
            let value = self.text.get(value_start..end).unwrap_or("");
            return Some((key.trim(), value));
        }
    }
}

/// The closing quote is a `"` followed by the separator or the end of the line; a `"` in the
/// middle of a value (rare, but FortiGate does not escape it) is kept.
fn find_closing_quote(bytes: &[u8], separator: u8) -> Option<usize> {
    let mut offset = 0;
    while let Some(found) = memchr(b'"', &bytes[offset..]) {
        let index = offset + found;
        match bytes.get(index + 1) {
            None => return Some(index),
            Some(&next) if next == separator || next == b' ' || next == b'\r' => {
                return Some(index);
            }
            _ => offset = index + 1,
        }
    }
    None
}

/// Looks one key up by a linear scan; for parsers that need a handful of keys only.
pub(crate) fn find<'a>(text: &'a str, separator: u8, wanted: &str) -> Option<&'a str> {
    KvIter::new(text, separator).find(|(key, _)| *key == wanted).map(|(_, value)| value)
}

/// Treats the placeholder values vendors use for "nothing" as absent.
pub(crate) fn non_empty(value: &str) -> Option<&str> {
    let value = value.trim();
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
    fn tokens_without_equals_are_skipped() {
        let pairs: Vec<_> = KvIter::new("junk a=1 more b=2", b' ').collect();
        assert_eq!(pairs, [("a", "1"), ("b", "2")]);
    }
}
