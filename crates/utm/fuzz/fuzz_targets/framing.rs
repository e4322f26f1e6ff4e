//! Fuzz target: syslog header splitting (RFC 3164, RFC 5424, bare `<PRI>`), on arbitrary lines
//! and as a round trip of headers built around arbitrary payloads.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::syslog(data));
