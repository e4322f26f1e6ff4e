//! Fuzz target: the suricata parser, forced (`utm::parse_line(data, Some(Vendor::Suricata))`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::vendor(data, utm::Vendor::Suricata));
