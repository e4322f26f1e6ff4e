//! Fuzz target: the line parser, with auto-detection and with every forced vendor.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = utm::parse_syslog_line(data, None);
    for vendor in utm::Vendor::ALL {
        let _ = utm::parse_line(data, Some(vendor));
    }
});
