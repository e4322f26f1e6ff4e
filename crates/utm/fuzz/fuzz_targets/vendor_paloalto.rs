//! Fuzz target: the paloalto parser, forced (`utm::parse_line(data, Some(Vendor::Paloalto))`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::vendor(data, utm::Vendor::Paloalto));
