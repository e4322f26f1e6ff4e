//! Fuzz target: the juniper parser, forced (`utm::parse_line(data, Some(Vendor::Juniper))`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::vendor(data, utm::Vendor::Juniper));
