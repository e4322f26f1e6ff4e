//! Fuzz target: the sophos parser, forced (`utm::parse_line(data, Some(Vendor::Sophos))`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::vendor(data, utm::Vendor::Sophos));
