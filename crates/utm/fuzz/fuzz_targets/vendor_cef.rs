//! Fuzz target: the cef parser, forced (`utm::parse_line(data, Some(Vendor::Cef))`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::vendor(data, utm::Vendor::Cef));
