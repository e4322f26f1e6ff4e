//! Fuzz target: syslog header splitting and the incremental octet-counting decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use utm::framing::{OctetCountedDecoder, decode_octet_counted, parse_syslog};

fuzz_target!(|data: &[u8]| {
    let _ = parse_syslog(data);
    let _ = decode_octet_counted(data);
    let mut decoder = OctetCountedDecoder::new();
    for chunk in data.chunks(5) {
        decoder.push(chunk);
        while decoder.next_frame().is_some() {}
    }
});
