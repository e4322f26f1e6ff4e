//! Fuzz target: RFC 6587 octet-counted TCP framing, stateless and incremental decoders.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::octet_counted(data));
