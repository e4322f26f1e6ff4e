//! Fuzz target: the checkpoint parser, forced (`utm::parse_line(data, Some(Vendor::Checkpoint))`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::vendor(data, utm::Vendor::Checkpoint));
