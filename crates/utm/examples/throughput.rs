//! Single-core parse+classify throughput on FortiGate lines.
//!
//! `cargo run --release -p utm --example throughput [FILE]` — with FILE, its lines are used
//! (plain or gzip); otherwise a typical FortiOS 7 traffic/UTM mix written for this benchmark.

use std::hint::black_box;
use std::time::Instant;

const MIX: &[&str] = &[
    r#"<189>date=2024-05-01 time=10:15:31 devname="fgt-tokyo" devid="FGT60FTK20000001" eventtime=1714526131123456789 tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=192.168.1.10 srcport=50000 srcintf="internal" srcintfrole="lan" dstip=203.0.113.5 dstport=443 dstintf="wan1" dstintfrole="wan" srccountry="Reserved" dstcountry="Japan" sessionid=123456 proto=6 action="close" policyid=1 policytype="policy" poluuid="aecacfaf-8d3f-4809-a60f-bf873e0fcab3" policyname="LAN-to-WAN" service="HTTPS" trandisp="snat" transip=198.51.100.2 transport=50000 appcat="unscanned" applist="default" duration=12 sentbyte=2345 rcvdbyte=12345 sentpkt=20 rcvdpkt=25 utmaction="allow" countweb=1 osname="Windows" mastersrcmac="00:11:22:33:44:55" srcmac="00:11:22:33:44:55" srcserver=0"#,
    r#"<189>date=2024-05-01 time=10:15:30 devname="fgt-tokyo" devid="FGT60FTK20000001" eventtime=1714526130123456789 tz="+0900" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="critical" srcip=198.51.100.7 srccountry="United States" dstip=192.168.1.20 dstcountry="Reserved" srcintf="wan1" srcintfrole="wan" dstintf="internal" dstintfrole="lan" sessionid=123457 action="dropped" proto=6 service="SMB" policyid=2 attack="MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution" srcport=4444 dstport=445 direction="outgoing" attackid=43796 profile="default" ref="http://www.fortinet.com/ids/VID43796" incidentserialno=12345 msg="applications3: MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution" crscore=50 craction=4096 crlevel="critical""#,
    r#"<189>date=2024-05-01 time=10:15:32 devname="fgt-tokyo" devid="FGT60FTK20000001" eventtime=1714526132123456789 tz="+0900" logid="0316013056" type="utm" subtype="webfilter" eventtype="ftgd_blk" level="warning" vd="root" policyid=1 sessionid=123458 srcip=192.168.1.10 srcport=50001 srcintf="internal" dstip=203.0.113.9 dstport=80 dstintf="wan1" proto=6 service="HTTP" hostname="malware.example" profile="default" action="blocked" reqtype="direct" url="/dl.exe" sentbyte=100 rcvdbyte=0 direction="outgoing" msg="URL belongs to a denied category in policy" method="domain" cat=26 catdesc="Malicious Websites""#,
];

fn main() {
    let lines: Vec<Vec<u8>> = match std::env::args().nth(1) {
        Some(path) => utm::framing::LineReader::open(path.as_ref())
            .expect("open input")
            .map(|line| line.expect("read").bytes)
            .filter(|line| !line.is_empty())
            .collect(),
        None => MIX.iter().map(|line| line.as_bytes().to_vec()).collect(),
    };
    // UTM_BENCH_MODE: `syslog` (default, header + detection), `auto` (detection), `forced`.
    let mode = std::env::var("UTM_BENCH_MODE").unwrap_or_default();
    let total_bytes: usize = lines.iter().map(Vec::len).sum();
    let target = 2_000_000usize;
    let rounds = target.div_ceil(lines.len());
    let mut parsed = 0usize;
    let mut threats = 0usize;
    let start = Instant::now();
    for _ in 0..rounds {
        for line in &lines {
            let result = match mode.as_str() {
                "forced" => utm::parse_line(black_box(line), Some(utm::Vendor::Fortigate)),
                "auto" => utm::parse_line(black_box(line), None),
                _ => utm::parse_syslog_line(black_box(line), None),
            };
            if let Ok(event) = result {
                parsed += 1;
                threats += usize::from(event.kind == utm::Kind::Threat);
                black_box(&event);
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let events = (rounds * lines.len()) as f64;
    println!(
        "{parsed} of {events} lines parsed ({threats} threats) in {elapsed:.3} s: {:.0} lines/s, {:.0} MB/s (avg line {} B)",
        events / elapsed,
        (total_bytes * rounds) as f64 / elapsed / 1e6,
        total_bytes / lines.len()
    );
}
