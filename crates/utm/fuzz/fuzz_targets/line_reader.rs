//! Fuzz target: plain and gzip log file reading (`utm::framing::LineReader`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| utm_fuzz::line_reader(data));
