//! Fuzz target: auto-detection (`utm::parse_line(data, None)`) and the syslog entry point
//! (`utm::parse_syslog_line`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::auto(data));
