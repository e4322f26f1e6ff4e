//! Property-style robustness: random bytes and mutated realistic lines never panic the parser or
//! the framing decoder. A cheap stand-in for the `cargo fuzz` targets in `fuzz/`.

use utm::framing::{OctetCountedDecoder, StreamFramer, decode_octet_counted, parse_syslog};
use utm::{Vendor, parse_line, parse_syslog_line};

const SEEDS: &[&str] = &[
    r#"<189>date=2024-05-01 time=10:00:00 devid="FGT1" logid="0419016384" type="utm" subtype="ips" srcip=10.0.0.1 dstip=10.0.0.2 action="dropped" attack="X" eventtime=1714526130123456789 tz="+0900""#,
    r"CEF:0|Fortinet|Fortigate|v7|1|utm:virus|5|cat=utm:virus act=blocked src=1.2.3.4 cs1=a\=b",
    "LEEF:2.0|V|P|1|E|^|src=1.2.3.4^dst=5.6.7.8",
    "1,2024/05/01 10:00:00,0123,THREAT,url,1,2024/05/01 10:00:00,1.1.1.1,2.2.2.2,,,,,,,,,,,,,,,,1,2,,,,,tcp,block-url,\"x\"",
    "%ASA-4-106023: Deny tcp src outside:1.1.1.1/1 dst inside:2.2.2.2/2",
    "<134>1 2024-05-01T10:00:00Z h filterlog 1 - [m a=\"1\"] 5,,,1,em0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,1.1.1.1,2.2.2.2,1,2",
    r#"{"event_type":"alert","src_ip":"1.1.1.1","alert":{"action":"blocked"}}"#,
    r#"id=firewall sn=X time="2024-05-01 10:00:00" m=609 src=1.1.1.1:1:X1 dst=2.2.2.2:2:X0"#,
    r#"RT_IDP_ATTACK_LOG_EVENT [junos@2636 source-address="1.1.1.1" action="DROP"]"#,
    r#"syslog[action:"Drop"; src:"1.1.1.1"]"#,
    r#"log_type="IDP" log_subtype="Drop" src_ip=1.1.1.1"#,
];

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

fn exercise(bytes: &[u8]) {
    let _ = parse_line(bytes, None);
    let _ = parse_syslog_line(bytes, None);
    for vendor in Vendor::ALL {
        let _ = parse_line(bytes, Some(vendor));
    }
    let _ = parse_syslog(bytes);
    let _ = decode_octet_counted(bytes);
    let mut decoder = OctetCountedDecoder::new();
    for chunk in bytes.chunks(7) {
        decoder.push(chunk);
        while decoder.next_frame().is_some() {}
    }
    let mut framer = StreamFramer::new();
    for chunk in bytes.chunks(5) {
        framer.push(chunk);
        while framer.next_frame().is_some() {}
    }
    let _ = framer.finish();
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3_000 {
        let length = rng.below(300);
        let bytes: Vec<u8> = (0..length).map(|_| rng.next() as u8).collect();
        exercise(&bytes);
    }
}

#[test]
fn mutated_lines_never_panic() {
    const INTERESTING: &[u8] = b"=\" |,:\\<>[]{}%-/0123456789\n\r\t\xff\xe3";
    let mut rng = Rng(42);
    for seed in SEEDS {
        for _ in 0..400 {
            let mut bytes = seed.as_bytes().to_vec();
            for _ in 0..1 + rng.below(6) {
                let position = rng.below(bytes.len() + 1);
                match rng.below(4) {
                    0 => bytes.truncate(position),
                    1 if position < bytes.len() => bytes[position] = INTERESTING[rng.below(INTERESTING.len())],
                    2 => bytes.insert(position.min(bytes.len()), INTERESTING[rng.below(INTERESTING.len())]),
                    _ if position < bytes.len() => {
                        bytes.remove(position);
                    }
                    _ => {}
                }
            }
            exercise(&bytes);
        }
        // Every prefix: the truncated-datagram case.
        for end in 0..=seed.len() {
            exercise(&seed.as_bytes()[..end]);
        }
    }
}
