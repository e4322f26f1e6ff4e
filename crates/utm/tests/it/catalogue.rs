//! Table-driven tests per vendor catalogue: for each catalogue entry, a line written from the
//! vendor's documented format (not copied from the corpus) with its expected kind, category,
//! action and addresses. Lines are given with their syslog header where the header matters.

use utm::{Action, Category, Kind, Vendor};

use Action::{Allowed, Blocked, Detected};
use Category::*;
use Kind::{Event as Ev, Threat, Traffic};

struct Case {
    line: &'static str,
    kind: Kind,
    category: Category,
    action: Action,
    src: Option<&'static str>,
    dst: Option<&'static str>,
    ports: (Option<u16>, Option<u16>),
    /// The identifier when the catalogue must *not* know it.
    unknown: Option<&'static str>,
}

const fn case(line: &'static str, kind: Kind, category: Category, action: Action) -> Case {
    Case { line, kind, category, action, src: None, dst: None, ports: (None, None), unknown: None }
}

impl Case {
    const fn addresses(mut self, src: &'static str, dst: &'static str) -> Case {
        self.src = Some(src);
        self.dst = Some(dst);
        self
    }
    const fn src(mut self, src: &'static str) -> Case {
        self.src = Some(src);
        self
    }
    const fn ports(mut self, src: u16, dst: u16) -> Case {
        self.ports = (Some(src), Some(dst));
        self
    }
    const fn unknown(mut self, id: &'static str) -> Case {
        self.unknown = Some(id);
        self
    }
}

fn check(vendor: Vendor, cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let event = match utm::parse_syslog_line(case.line.as_bytes(), None) {
            Ok(event) => event,
            Err(error) => {
                failures.push(format!("{}\n    unparsed: {error}", case.line));
                continue;
            }
        };
        let got = (
            event.vendor,
            event.kind,
            event.category,
            event.action,
            case.src.and(event.src_ip.map(|a| a.to_string())),
            case.dst.and(event.dst_ip.map(|a| a.to_string())),
        );
        let want =
            (vendor, case.kind, case.category, case.action, case.src.map(str::to_owned), case.dst.map(str::to_owned));
        let mut problems = Vec::new();
        // Addresses are checked where the case names them.
        if got != want {
            problems.push(format!("got {got:?}, want {want:?}"));
        }
        if case.ports != (None, None) && (event.src_port, event.dst_port) != case.ports {
            problems.push(format!("ports {:?}, want {:?}", (event.src_port, event.dst_port), case.ports));
        }
        if event.unknown_identifier.as_deref() != case.unknown {
            problems.push(format!("unknown identifier {:?}, want {:?}", event.unknown_identifier, case.unknown));
        }
        if !problems.is_empty() {
            failures.push(format!("{}\n    {}", case.line, problems.join("\n    ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases fail:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

// Fireware v12.6 Log Message Catalog: traffic lines are positional, alarms are prose.
#[test]
fn watchguard() {
    check(
        Vendor::Watchguard,
        &[
            case(
                r#"<140>Mar  2 10:00:01 fbx-tokyo 80AB12CD34EF5 (2026-03-02T01:00:01) firewall: msg_id="3000-0148" Allow 1-Trusted 0-External 60 tcp 20 64 192.168.10.5 203.0.113.7 50123 443 offset 10 S 123456 win 64240 (HTTPS-00)"#,
                Traffic,
                Other,
                Allowed,
            )
            .addresses("192.168.10.5", "203.0.113.7")
            .ports(50123, 443),
            case(
                r#"<140>Mar  2 10:00:02 fbx 80AB12CD34EF5 (2026-03-02T01:00:02) firewall: msg_id="3000-0148" Deny WAN - Backup Firebox 40 tcp 20 239 198.51.100.9 192.0.2.1 41277 3389 offset 5 S 1497867397 win 4 geo_src="RUS" (Unhandled External Packet-00)"#,
                Traffic,
                Other,
                Blocked,
            )
            .addresses("198.51.100.9", "192.0.2.1")
            .ports(41277, 3389),
            // ICMP: the numbers after the addresses are type and code, not ports.
            case(
                r#"<140>Mar  2 10:00:03 fbx firewall: msg_id="3000-0148" Allow 1-Trusted Firebox 84 icmp 20 64 192.168.10.5 192.168.10.1 8 0 id=7 seq=1 (Ping-00)"#,
                Traffic,
                Other,
                Allowed,
            )
            .addresses("192.168.10.5", "192.168.10.1"),
            case(
                r#"<140>Mar  2 10:00:04 fbx firewall: msg_id="3000-0149" Deny 1-Trusted 0-External 52 tcp 20 128 192.168.10.6 203.0.113.8 51000 80 offset 8 S 1 win 8192 (HTTP-proxy-00)"#,
                Traffic,
                Other,
                Blocked,
            )
            .addresses("192.168.10.6", "203.0.113.8"),
            case(
                r#"<140>Mar  2 10:00:05 fbx firewall: msg_id="3000-0151" Allow 2-Guest 0-External 60 udp 20 64 10.20.0.3 192.0.2.53 53001 53 (DNS-00)"#,
                Traffic,
                Other,
                Allowed,
            )
            .ports(53001, 53),
            case(
                r#"<140>Mar  2 10:00:06 fbx firewall: msg_id="3000-0173" Deny 0-External Firebox 52 tcp 20 115 203.0.113.66 192.0.2.1 65006 443 geo_src="PRK" (WatchGuard SSLVPN-00)"#,
                Traffic,
                Other,
                Blocked,
            )
            .addresses("203.0.113.66", "192.0.2.1"),
            // Alarms: the attacker is after "from", the attacked host after "against"; the
            // packet count is not a port.
            case(
                r#"<129>Mar  2 10:01:00 fbx 80AB12CD34EF5 (2026-03-02T01:01:00) firewall: msg_id="3000-0152" IPv4 source route attack from 198.51.100.23 detected."#,
                Threat,
                Anomaly,
                Detected,
            )
            .src("198.51.100.23"),
            case(
                r#"<129>Mar  2 10:01:01 fbx firewall: msg_id="3000-0155" SYN flood attack against 192.0.2.10 from 198.51.100.24 detected, 1500 packets dropped."#,
                Threat,
                Anomaly,
                Blocked,
            )
            .addresses("198.51.100.24", "192.0.2.10")
            .unknown("3000-0155"),
            case(
                r#"<129>Mar  2 10:01:02 fbx firewall: msg_id="3000-0160" Port scan attack from 198.51.100.25 detected."#,
                Threat,
                Anomaly,
                Detected,
            )
            .src("198.51.100.25")
            .unknown("3000-0160"),
            case(
                r#"<129>Mar  2 10:01:03 fbx firewall: msg_id="3001-1001" Temporarily blocking host 198.51.100.26"#,
                Threat,
                Anomaly,
                Blocked,
            ),
            case(
                r#"<134>Mar  2 10:02:00 fbx http-proxy[2012]: msg_id="1AFF-0021" Deny 1-Trusted 0-External tcp 192.168.10.7 203.0.113.9 52803 80 msg="ProxyDeny: HTTP category" proxy_act="HTTP-Client.1" cats="Gambling" dstname="casino.example" (HTTP-proxy-00)"#,
                Threat,
                Web,
                Blocked,
            )
            .addresses("192.168.10.7", "203.0.113.9"),
            case(
                r#"<134>Mar  2 10:02:01 fbx http-proxy[2012]: msg_id="1AFF-0024" Allow 1-Trusted 0-External tcp 192.168.10.7 203.0.113.9 52804 80 msg="HTTP request" proxy_act="HTTP-Client.1" dstname="news.example" (HTTP-proxy-00)"#,
                Traffic,
                Web,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:02:02 fbx http-proxy[2012]: msg_id="1AFF-0018" Allow 1-Trusted 0-External tcp 192.168.10.7 203.0.113.9 52805 80 msg="ProxyAVScan: Content type" proxy_act="HTTP-Client.1" (HTTP-proxy-00)"#,
                Traffic,
                Web,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:02:03 fbx https-proxy[2013]: msg_id="2CFF-0009" Allow 1-Trusted 0-External tcp 192.168.10.8 203.0.113.10 52806 443 msg="HTTPS Request" proxy_act="HTTPS-Client.1" (HTTPS-proxy-00)"#,
                Traffic,
                Web,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:02:04 fbx dns-proxy[2014]: msg_id="1DFF-000F" Allow 1-Trusted 0-External udp 192.168.10.9 192.0.2.53 53002 53 msg="DNS question" question="example.org" (DNS-proxy-00)"#,
                Traffic,
                Dns,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:03:00 fbx http-proxy[2012]: msg_id="0F01-0002" Drop 0-External 1-Trusted tcp 203.0.113.11 192.168.10.7 80 52807 signature_name="WEB Apache Struts RCE" ips_action="drop" (HTTP-proxy-00)"#,
                Threat,
                Intrusion,
                Blocked,
            )
            .unknown("0F01-0002"),
            case(
                r#"<134>Mar  2 10:03:01 fbx http-proxy[2012]: msg_id="1AFF-0099" Deny 1-Trusted 0-External tcp 192.168.10.7 203.0.113.12 52808 80 virus="EICAR_Test" (HTTP-proxy-00)"#,
                Threat,
                Web,
                Blocked,
            )
            .unknown("1AFF-0099"),
            case(
                r#"<134>Mar  2 10:04:00 fbx admd: msg_id="1100-0004" Authentication of SSLVPN user [taro@Firebox-DB] from 198.51.100.30 was accepted"#,
                Ev,
                Other,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:04:01 fbx admd: msg_id="1100-0005" Authentication of SSLVPN user [taro@Firebox-DB] from 198.51.100.30 was rejected, password is incorrect"#,
                Ev,
                Other,
                Blocked,
            ),
            case(
                r#"<134>Mar  2 10:04:02 fbx sessiond: msg_id="3E00-0002" SSL VPN user taro@Firebox-DB from 198.51.100.30 logged in assigned virtual IP is 192.168.113.2"#,
                Ev,
                Other,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:04:03 fbx sessiond: msg_id="3E00-0004" SSL VPN user taro@Firebox-DB from 198.51.100.30 logged out"#,
                Ev,
                Other,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:04:04 fbx wgagent: msg_id="5000-0001" WebUI User admin@Firebox-DB from 198.51.100.31 log in attempt was rejected - invalid credentials."#,
                Ev,
                Other,
                Blocked,
            ),
            case(
                r#"<134>Mar  2 10:04:05 fbx dhcpd: msg_id="1600-0065" DHCPACK on 192.168.10.50 to 00:11:22:33:44:55 via eth1"#,
                Ev,
                Other,
                Allowed,
            ),
            case(
                r#"<134>Mar  2 10:04:06 fbx dhcpd: msg_id="1600-0066" DHCPREQUEST for 192.168.10.50 from 00:11:22:33:44:55 via eth1"#,
                Ev,
                Other,
                Allowed,
            ),
        ],
    );
}

#[test]
fn watchguard_prefers_the_device_time() {
    let line = br#"<140>Mar  2 10:00:01 fbx 80AB12CD34EF5 (2026-03-02T01:00:01) firewall: msg_id="3000-0148" Allow 1-Trusted 0-External 60 tcp 20 64 192.168.10.5 203.0.113.7 50123 443 (HTTPS-00)"#;
    let event = utm::parse_syslog_line(line, None).unwrap();
    assert_eq!(event.time.map(|time| time.to_rfc3339()), Some("2026-03-02T01:00:01+00:00".to_owned()));
    assert_eq!(event.utc_offset_seconds, Some(0));
    assert!(!event.time_zone_assumed);
    assert_eq!(event.device.as_deref(), Some("80AB12CD34EF5"));
}

/// `(line, kind, category, action, source, destination)`; addresses checked when given.
type Row = (&'static str, Kind, Category, Action, Option<&'static str>, Option<&'static str>);

fn rows(vendor: Vendor, rows: &[Row]) {
    let cases: Vec<Case> = rows
        .iter()
        .map(|(line, kind, category, action, src, dst)| Case {
            line,
            kind: *kind,
            category: *category,
            action: *action,
            src: *src,
            dst: *dst,
            ports: (None, None),
            unknown: None,
        })
        .collect();
    check(vendor, &cases);
}

const A: Option<&str> = Some("198.51.100.7");
const B: Option<&str> = Some("192.0.2.10");
const N: Option<&str> = None;

// Cisco ASA Series Syslog Messages (9.x); FTD Syslog Messages (7.x).
#[test]
fn cisco_asa() {
    rows(
        Vendor::Cisco,
        &[
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106001: Inbound TCP connection denied from 198.51.100.7/40001 to 192.0.2.10/22 flags SYN  on interface outside",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106002: udp connection denied by outbound list acl-out src 198.51.100.7 dest 192.0.2.10",
                Traffic,
                Other,
                Blocked,
                N,
                N,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106006: Deny inbound UDP from 198.51.100.7/53 to 192.0.2.10/1025 on interface outside",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106007: Deny inbound UDP from 198.51.100.7/53 to 192.0.2.10/1025 due to DNS Response",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-106010: Deny inbound tcp src outside:198.51.100.7/4000 dst inside:192.0.2.10/445",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-106012: Deny IP from 198.51.100.7 to 192.0.2.10, IP options: \"Router Alert\"",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-2-106013: Dropping echo request from 198.51.100.7 to PAT address 192.0.2.10",
                Traffic,
                Other,
                Blocked,
                A,
                N,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-106014: Deny inbound icmp src outside:198.51.100.7 dst inside:192.0.2.10 (type 8, code 0)",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-106015: Deny TCP (no connection) from 198.51.100.7/443 to 192.0.2.10/51000 flags RST  on interface outside",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106016: Deny IP spoof from (198.51.100.7) to 192.0.2.10 on interface outside",
                Threat,
                Anomaly,
                Blocked,
                N,
                B,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106017: Deny IP due to Land Attack from 198.51.100.7 to 198.51.100.7",
                Threat,
                Anomaly,
                Blocked,
                A,
                A,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106018: ICMP packet type 8 denied by outbound list acl-out src 198.51.100.7 dest 192.0.2.10",
                Traffic,
                Other,
                Blocked,
                A,
                N,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-106020: Deny IP teardrop fragment (size = 28, offset = 0) from 198.51.100.7 to 192.0.2.10",
                Threat,
                Anomaly,
                Blocked,
                A,
                B,
            ),
            (
                "<161>Mar 02 2026 10:00:00 asa : %ASA-1-106021: Deny TCP reverse path check from 198.51.100.7 to 192.0.2.10 on interface outside",
                Threat,
                Anomaly,
                Blocked,
                A,
                B,
            ),
            (
                "<161>Mar 02 2026 10:00:00 asa : %ASA-1-106022: Deny TCP connection spoof from 198.51.100.7 to 192.0.2.10 on interface inside",
                Threat,
                Anomaly,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-106023: Deny tcp src outside:198.51.100.7/51034 dst inside:192.0.2.10/3389 by access-group \"outside_in\" [0x0, 0x0]",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-106027: Deny src 198.51.100.7 dst 192.0.2.10 by access-group \"eth_acl\"",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-106100: access-list outside_in denied tcp outside/198.51.100.7(40001) -> inside/192.0.2.10(22) hit-cnt 17 300-second interval [0x1, 0x0]",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-session-6-106100: access-list inside_in permitted tcp inside/192.0.2.10(50000) -> outside/198.51.100.7(443) hit-cnt 1 first hit [0x1, 0x0]",
                Traffic,
                Other,
                Allowed,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-106100: access-list inside_in est-allowed tcp outside/198.51.100.7(443) -> inside/192.0.2.10(50000) hit-cnt 1 first hit [0x1, 0x0]",
                Traffic,
                Other,
                Allowed,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-106103: access-list outside_in denied udp for user 'taro' outside/198.51.100.7 53 inside/192.0.2.10 53 hit-cnt 1 first hit [0x1, 0x0]",
                Traffic,
                Other,
                Blocked,
                N,
                N,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-108003: Terminating ESMTP/SMTP connection; malicious pattern detected in the mail address from outside:198.51.100.7/25 to inside:192.0.2.10/5000. Data:%",
                Threat,
                Intrusion,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-209004: Invalid IP fragment, size = 65540 exceeds maximum size = 65535: src = 198.51.100.7, dest = 192.0.2.10, proto = icmp, id = 4",
                Threat,
                Anomaly,
                Blocked,
                N,
                N,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-209005: Discard IP fragment set with more than 24 elements: src = 198.51.100.7, dest = 192.0.2.10, proto = udp, id = 9",
                Threat,
                Anomaly,
                Blocked,
                N,
                N,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-302013: Built inbound TCP connection 1001 for outside:198.51.100.7/40001 (198.51.100.7/40001) to inside:192.0.2.10/443 (203.0.113.1/443)",
                Traffic,
                Other,
                Allowed,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-302013: Built outbound TCP connection 1002 for outside:198.51.100.7/443 (198.51.100.7/443) to inside:192.0.2.10/50001 (203.0.113.1/50001)",
                Traffic,
                Other,
                Allowed,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-302014: Teardown TCP connection 1001 for outside:198.51.100.7/40001 to inside:192.0.2.10/443 duration 0:00:05 bytes 1234 TCP FINs",
                Traffic,
                Other,
                Allowed,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-302015: Built outbound UDP connection 1003 for outside:198.51.100.7/53 (198.51.100.7/53) to inside:192.0.2.10/53001 (203.0.113.1/53001)",
                Traffic,
                Other,
                Allowed,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-302016: Teardown UDP connection 1003 for outside:198.51.100.7/53 to inside:192.0.2.10/53001 duration 0:02:01 bytes 120",
                Traffic,
                Other,
                Allowed,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-302020: Built outbound ICMP connection for faddr 198.51.100.7/0 gaddr 203.0.113.1/7 laddr 192.0.2.10/7 type 8 code 0",
                Traffic,
                Other,
                Allowed,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-302021: Teardown ICMP connection for faddr 198.51.100.7/0 gaddr 203.0.113.1/7 laddr 192.0.2.10/7 type 0 code 0",
                Traffic,
                Other,
                Allowed,
                A,
                B,
            ),
            (
                "<165>Mar 02 2026 10:00:00 asa : %ASA-5-304001: taro@192.0.2.10 Accessed URL 198.51.100.7:http://www.example.com/index.html",
                Traffic,
                Web,
                Allowed,
                B,
                A,
            ),
            (
                "<165>Mar 02 2026 10:00:00 asa : %ASA-5-304002: Access denied URL http://malware.example/payload.exe SRC 192.0.2.10 DEST 198.51.100.7 on interface inside",
                Threat,
                Web,
                Blocked,
                B,
                A,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-304003: URL Server 192.0.2.99 timed out URL http://www.example.com/",
                Ev,
                Other,
                Allowed,
                N,
                N,
            ),
            (
                "<167>Mar 02 2026 10:00:00 asa : %ASA-7-304004: URL Server 192.0.2.99 request failed URL http://www.example.com/",
                Ev,
                Other,
                Allowed,
                N,
                N,
            ),
            (
                "<167>Mar 02 2026 10:00:00 asa : %ASA-7-304005: URL Server 192.0.2.99 request pending URL http://www.example.com/",
                Ev,
                Other,
                Allowed,
                N,
                N,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-304006: URL Server 192.0.2.99 not responding",
                Ev,
                Other,
                Allowed,
                N,
                N,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-304007: URL Server 192.0.2.99 not responding, ENTERING ALLOW mode.",
                Ev,
                Other,
                Allowed,
                N,
                N,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-304008: LEAVING ALLOW mode, URL Server is up.",
                Ev,
                Other,
                Allowed,
                N,
                N,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-305005: No translation group found for tcp src inside:192.0.2.10/50000 dst outside:198.51.100.7/80",
                Traffic,
                Other,
                Blocked,
                B,
                A,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-305006: regular translation creation failed for icmp src inside:192.0.2.10 dst outside:198.51.100.7 (type 8, code 0)",
                Traffic,
                Other,
                Blocked,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-305011: Built dynamic TCP translation from inside:192.0.2.10/50000 to outside:203.0.113.1/50000",
                Traffic,
                Other,
                Allowed,
                B,
                N,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-305012: Teardown dynamic TCP translation from inside:192.0.2.10/50000 to outside:203.0.113.1/50000 duration 0:00:30",
                Traffic,
                Other,
                Allowed,
                B,
                N,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-313001: Denied ICMP type=8, code=0 from 198.51.100.7 on interface outside",
                Traffic,
                Other,
                Blocked,
                A,
                N,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-313004: Denied ICMP type=0, from laddr 198.51.100.7 on interface outside to 192.0.2.10: no matching session",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-313005: No matching connection for ICMP error message: icmp src outside:198.51.100.7 dst inside:192.0.2.10 (type 3, code 3) on outside interface.",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<163>Mar 02 2026 10:00:00 asa : %ASA-3-313008: Denied IPv6-ICMP type=128, code=0 from 2001:db8::7 on interface outside",
                Traffic,
                Other,
                Blocked,
                Some("2001:db8::7"),
                N,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338001: Dynamic filter monitored blacklisted tcp traffic from outside:198.51.100.7/80 (198.51.100.7/80) to inside:192.0.2.10/50000 (203.0.113.1/50000), source malicious address resolved from dynamic list: bad.example, threat-level: very-high, category: Malware",
                Threat,
                Botnet,
                Detected,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338002: Dynamic filter monitored blacklisted tcp traffic from inside:192.0.2.10/50000 (203.0.113.1/50000) to outside:198.51.100.7/80 (198.51.100.7/80), destination malicious address resolved from dynamic list: bad.example, threat-level: very-high, category: Botnet",
                Threat,
                Botnet,
                Detected,
                B,
                A,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338003: Dynamic filter monitored blacklisted tcp traffic from outside:198.51.100.7/80 (198.51.100.7/80) to inside:192.0.2.10/50000 (203.0.113.1/50000), source malicious address resolved from dynamic list: 198.51.100.7/255.255.255.255, threat-level: high, category: Malware",
                Threat,
                Botnet,
                Detected,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338004: Dynamic filter monitored blacklisted tcp traffic from inside:192.0.2.10/50000 (203.0.113.1/50000) to outside:198.51.100.7/80 (198.51.100.7/80), destination malicious address resolved from dynamic list: 198.51.100.7/255.255.255.255, threat-level: high, category: Malware",
                Threat,
                Botnet,
                Detected,
                B,
                A,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338005: Dynamic filter dropped blacklisted tcp traffic from outside:198.51.100.7/80 (198.51.100.7/80) to inside:192.0.2.10/50000 (203.0.113.1/50000), source malicious address resolved from dynamic list: bad.example, threat-level: very-high, category: Malware",
                Threat,
                Botnet,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338006: Dynamic filter dropped blacklisted tcp traffic from inside:192.0.2.10/50000 (203.0.113.1/50000) to outside:198.51.100.7/80 (198.51.100.7/80), destination malicious address resolved from dynamic list: bad.example, threat-level: very-high, category: Malware",
                Threat,
                Botnet,
                Blocked,
                B,
                A,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338007: Dynamic filter dropped blacklisted tcp traffic from outside:198.51.100.7/80 (198.51.100.7/80) to inside:192.0.2.10/50000 (203.0.113.1/50000), source malicious address resolved from dynamic list: 198.51.100.7/255.255.255.255, threat-level: high, category: Malware",
                Threat,
                Botnet,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338008: Dynamic filter dropped blacklisted tcp traffic from inside:192.0.2.10/50000 (203.0.113.1/50000) to outside:198.51.100.7/80 (198.51.100.7/80), destination malicious address resolved from dynamic list: 198.51.100.7/255.255.255.255, threat-level: high, category: Malware",
                Threat,
                Botnet,
                Blocked,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-338101: Dynamic filter action whitelisted tcp traffic from outside:198.51.100.7/80 (198.51.100.7/80) to inside:192.0.2.10/50000 (203.0.113.1/50000), source malicious address resolved from local whitelist: good.example",
                Traffic,
                Other,
                Allowed,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-338102: Dynamic filter action whitelisted tcp traffic from inside:192.0.2.10/50000 (203.0.113.1/50000) to outside:198.51.100.7/80 (198.51.100.7/80), destination malicious address resolved from local whitelist: good.example",
                Traffic,
                Other,
                Allowed,
                B,
                A,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338201: Dynamic filter monitored greylisted tcp traffic from outside:198.51.100.7/80 (198.51.100.7/80) to inside:192.0.2.10/50000 (203.0.113.1/50000), source malicious address resolved from dynamic list: ambiguous.example, threat-level: medium, category: Adware",
                Threat,
                Botnet,
                Detected,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338202: Dynamic filter monitored greylisted tcp traffic from inside:192.0.2.10/50000 (203.0.113.1/50000) to outside:198.51.100.7/80 (198.51.100.7/80), destination malicious address resolved from dynamic list: ambiguous.example, threat-level: medium, category: Adware",
                Threat,
                Botnet,
                Detected,
                B,
                A,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338203: Dynamic filter dropped greylisted tcp traffic from outside:198.51.100.7/80 (198.51.100.7/80) to inside:192.0.2.10/50000 (203.0.113.1/50000), source malicious address resolved from dynamic list: ambiguous.example, threat-level: medium, category: Adware",
                Threat,
                Botnet,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-338204: Dynamic filter dropped greylisted tcp traffic from inside:192.0.2.10/50000 (203.0.113.1/50000) to outside:198.51.100.7/80 (198.51.100.7/80), destination malicious address resolved from dynamic list: ambiguous.example, threat-level: medium, category: Adware",
                Threat,
                Botnet,
                Blocked,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-4-400013: IPS:2003 ICMP redirect from 198.51.100.7 to 192.0.2.10 on interface outside",
                Threat,
                Intrusion,
                Detected,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-401004: Shunned packet: 198.51.100.7 ==> 192.0.2.10 on interface outside",
                Threat,
                Intrusion,
                Blocked,
                A,
                B,
            ),
            (
                "<162>Mar 02 2026 10:00:00 asa : %ASA-2-410001: Dropped UDP DNS reply from outside:198.51.100.7/53 to inside:192.0.2.10/53001; label length 63 bytes exceeds protocol limit of 63 bytes",
                Traffic,
                Dns,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-419001: Dropping TCP packet from outside:198.51.100.7/40001 to inside:192.0.2.10/443, reason: MSS exceeded, MSS 1380, data 1460",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-434002: SFR requested to drop TCP packet from outside:198.51.100.7/40001 to inside:192.0.2.10/80",
                Threat,
                Intrusion,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-5-500004: Invalid transport field for protocol=TCP, from 198.51.100.7/0 to 192.0.2.10/80",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<167>Mar 02 2026 10:00:00 asa : %ASA-7-710003: TCP access denied by ACL from 198.51.100.7/40001 to outside:192.0.2.10/22",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<167>Mar 02 2026 10:00:00 asa : %ASA-7-710005: UDP request discarded from 198.51.100.7/40001 to outside:192.0.2.10/500",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-733100: [ Scanning] drop rate-1 exceeded. Current burst rate is 12 per second, max configured rate is 10; Current average rate is 6 per second, max configured rate is 5; Cumulative total count is 3720",
                Threat,
                Anomaly,
                Detected,
                N,
                N,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-733101: Object 198.51.100.7 (is attacking). Current burst rate is 12 per second, max configured rate is 10; Current average rate is 6 per second, max configured rate is 5; Cumulative total count is 3720",
                Threat,
                Anomaly,
                Detected,
                A,
                N,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-733101: Object 192.0.2.10 (is targeted). Current burst rate is 12 per second, max configured rate is 10; Current average rate is 6 per second, max configured rate is 5; Cumulative total count is 3720",
                Threat,
                Anomaly,
                Detected,
                N,
                B,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-733102: Threat-detection adds host 198.51.100.7 to shun list",
                Threat,
                Anomaly,
                Blocked,
                A,
                N,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-733104: TD_SYSLOG_TCP_INTERCEPT_AVERAGE_RATE_EXCEED",
                Threat,
                Anomaly,
                Detected,
                N,
                N,
            ),
            (
                "<164>Mar 02 2026 10:00:00 asa : %ASA-4-733105: TD_SYSLOG_TCP_INTERCEPT_BURST_RATE_EXCEED",
                Threat,
                Anomaly,
                Detected,
                N,
                N,
            ),
            (
                "<161>Mar 02 2026 10:00:00 ftd : %FTD-1-430001: DeviceUUID: 0a1b, InstanceID: 1, FirstPacketSecond: 2026-03-02T01:00:00Z, ConnectionID: 5, SrcIP: 198.51.100.7, DstIP: 192.0.2.10, SrcPort: 40001, DstPort: 80, Protocol: tcp, IngressInterface: outside, EgressInterface: inside, Priority: 1, GID: 1, SID: 1000, Revision: 1, Message: SERVER-WEBAPP attack, Classification: Web Application Attack, InlineResult: Blocked",
                Threat,
                Intrusion,
                Blocked,
                A,
                B,
            ),
            (
                "<161>Mar 02 2026 10:00:00 ftd : %FTD-1-430001: DeviceUUID: 0a1b, InstanceID: 1, SrcIP: 198.51.100.7, DstIP: 192.0.2.10, SrcPort: 40001, DstPort: 80, Protocol: tcp, Message: SERVER-WEBAPP attack, InlineResult: Would have blocked",
                Threat,
                Intrusion,
                Detected,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 ftd : %FTD-6-430002: AccessControlRuleAction: Allow, SrcIP: 192.0.2.10, DstIP: 198.51.100.7, SrcPort: 50000, DstPort: 443, Protocol: tcp",
                Traffic,
                Other,
                Allowed,
                B,
                A,
            ),
            (
                "<166>Mar 02 2026 10:00:00 ftd : %FTD-6-430003: AccessControlRuleAction: Block, SrcIP: 198.51.100.7, DstIP: 192.0.2.10, SrcPort: 40001, DstPort: 3389, Protocol: tcp",
                Traffic,
                Other,
                Blocked,
                A,
                B,
            ),
            (
                "<166>Mar 02 2026 10:00:00 ftd : %FTD-6-430004: SrcIP: 198.51.100.7, DstIP: 192.0.2.10, SrcPort: 80, DstPort: 50000, Protocol: tcp, FileDirection: Download, FileAction: Block, FileName: setup.exe",
                Threat,
                Malware,
                Blocked,
                A,
                B,
            ),
            (
                "<161>Mar 02 2026 10:00:00 ftd : %FTD-1-430005: SrcIP: 198.51.100.7, DstIP: 192.0.2.10, SrcPort: 80, DstPort: 50000, Protocol: tcp, FileDirection: Download, FileAction: Malware Cloud Lookup, ThreatName: Win.Trojan.Example, FileName: invoice.exe",
                Threat,
                Malware,
                Detected,
                A,
                B,
            ),
        ],
    );
}

#[test]
fn cisco_unknown_numbers_follow_their_family() {
    check(
        Vendor::Cisco,
        &[
            case("<165>Mar 02 2026 10:00:00 asa : %ASA-5-304009: Ran out of buffer blocks specified by url-block command", Traffic, Web, Allowed).unknown("304009"),
            case("<164>Mar 02 2026 10:00:00 asa : %ASA-4-338301: Intercepted DNS reply for domain bad.example from outside:198.51.100.7/53 to inside:192.0.2.10/53001, matched blacklist", Threat, Botnet, Detected).unknown("338301"),
            case("<164>Mar 02 2026 10:00:00 asa : %ASA-4-415011: HTTP - policy: 'http-pol' Protocol violation detected - Drop connection action taken from outside:198.51.100.7/40001 to inside:192.0.2.10/80", Threat, Intrusion, Detected).addresses("198.51.100.7", "192.0.2.10").unknown("415011"),
            case("<166>Mar 02 2026 10:00:00 asa : %ASA-6-113010: AAA challenge received for user taro from server 192.0.2.99", Ev, Other, Allowed).unknown("113010"),
        ],
    );
}

/// A Log Exporter line (pipe form, RFC 5424 header) for `product` and `action`.
fn checkpoint_line(product: &str, action: Option<&str>) -> String {
    let action = action.map(|word| format!("|action={word}")).unwrap_or_default();
    format!(
        "<134>1 2026-03-02T10:00:00+09:00 gw-tokyo CheckPoint 2041 - - time=1772413200|hostname=gw-tokyo|product={product}{action}|src=198.51.100.7|dst=192.0.2.10|s_port=40001|service=443|proto=6"
    )
}

// Check Point Log Exporter (sk122323), R81 "Log Fields Description".
#[test]
fn checkpoint_blades() {
    let table: &[(&str, Option<&str>, Kind, Category, Action)] = &[
        ("VPN-1 & FireWall-1", Some("Accept"), Traffic, Other, Allowed),
        ("VPN-1 & FireWall-1", Some("Drop"), Traffic, Other, Blocked),
        ("Firewall", Some("Reject"), Traffic, Other, Blocked),
        ("Application Control", Some("Allow"), Traffic, Application, Allowed),
        ("Application Control", Some("Block"), Threat, Application, Blocked),
        ("URL Filtering", Some("Block"), Threat, Web, Blocked),
        ("URL Filtering", Some("Ask"), Traffic, Web, Allowed),
        ("HTTPS Inspection", Some("Bypass"), Traffic, Other, Allowed),
        ("Content Awareness", Some("Block"), Threat, DataLeak, Blocked),
        ("IPS", Some("Detect"), Threat, Intrusion, Detected),
        ("IPS", Some("Prevent"), Threat, Intrusion, Blocked),
        ("SmartDefense", Some("Drop"), Threat, Intrusion, Blocked),
        ("Core Protections", Some("Detect"), Threat, Intrusion, Detected),
        ("Geo Protection", Some("Drop"), Threat, Anomaly, Blocked),
        ("Anti-Bot", Some("Detect"), Threat, Botnet, Detected),
        ("Anti-Bot", Some("Prevent"), Threat, Botnet, Blocked),
        ("Anti-Virus", Some("Prevent"), Threat, Malware, Blocked),
        ("New Anti Virus", Some("Detect"), Threat, Malware, Detected),
        ("Anti Malware", Some("Prevent"), Threat, Malware, Blocked),
        ("Threat Emulation", Some("Detect"), Threat, Malware, Detected),
        ("Threat Extraction", Some("Extract"), Threat, Malware, Blocked),
        ("Zero Phishing", Some("Prevent"), Threat, Web, Blocked),
        ("Anti-Spam", Some("Reject"), Threat, Spam, Blocked),
        ("Anti-Spam and Email Security", Some("Detect"), Threat, Spam, Detected),
        ("DLP", Some("Inform"), Threat, DataLeak, Detected),
        ("Data Loss Prevention", Some("Prevent"), Threat, DataLeak, Blocked),
        ("Identity Awareness", Some("Log In"), Ev, Other, Allowed),
        ("Mobile Access", Some("Accept"), Ev, Other, Allowed),
        ("VPN", Some("Key Install"), Ev, Other, Allowed),
        ("SmartConsole", None, Ev, Other, Allowed),
        ("SmartDashboard", None, Ev, Other, Allowed),
        ("Security Management", None, Ev, Other, Allowed),
        ("Log Update", None, Ev, Other, Allowed),
        ("System Monitor", None, Ev, Other, Allowed),
        // A threat blade without an action is still a detection, never allowed traffic.
        ("Anti-Bot", None, Threat, Botnet, Detected),
    ];
    let lines: Vec<String> = table.iter().map(|(product, action, ..)| checkpoint_line(product, *action)).collect();
    let cases: Vec<Case> = table
        .iter()
        .zip(&lines)
        .map(|((_, _, kind, category, action), line)| {
            let line: &'static str = Box::leak(line.clone().into_boxed_str());
            case(line, *kind, *category, *action).addresses("198.51.100.7", "192.0.2.10")
        })
        .collect();
    check(Vendor::Checkpoint, &cases);
}

#[test]
fn checkpoint_forms() {
    check(
        Vendor::Checkpoint,
        &[
            // RFC 5424 structured data `[Fields@…]`, message empty.
            case(
                r#"<134>1 2026-03-02T10:00:00+09:00 gw-tokyo CheckPoint 2041 - [Fields@2620 time="1772413200" action="Prevent" product="Anti-Bot" src="192.0.2.10" dst="198.51.100.7" s_port="50000" service="80" protection_name="Trojan.Win32.Example.C&C" malware_action="Communication with C&C site"]"#,
                Threat,
                Botnet,
                Blocked,
            )
            .addresses("192.0.2.10", "198.51.100.7"),
            // The same after a relay's second header and an octet count.
            case(
                r#"Mar  2 10:00:01 relay 623 <134>1 2026-03-02T10:00:00.123+09:00 gw-tokyo CheckPoint 2041 - [Fields@2620 action="Detect" product="IPS" src="198.51.100.7" dst="192.0.2.10" attack="Port Scan"]"#,
                Threat,
                Intrusion,
                Detected,
            )
            .addresses("198.51.100.7", "192.0.2.10"),
            case(
                r#"Mar  2 10:00:02 relay <134>1 2026-03-02T10:00:00+09:00 gw-tokyo CheckPoint 2041 - - time=1772413200|product=Anti-Bot|action=Detect|src=192.0.2.10|dst=198.51.100.7"#,
                Threat,
                Botnet,
                Detected,
            )
            .addresses("192.0.2.10", "198.51.100.7"),
            // Space-separated form.
            case(
                r#"<134>1 2026-03-02T10:00:00+09:00 gw-tokyo CheckPoint 2041 - - time=1772413200 product="URL Filtering" action="Block" src=192.0.2.10 dst=198.51.100.7 resource="http://bad.example/""#,
                Threat,
                Web,
                Blocked,
            ),
            // `[key:"value"; …]` form.
            case(
                r#"<134>1 2026-03-02T10:00:00Z gw CheckPoint 2041 - [action:"Drop"; product:"VPN-1 & FireWall-1"; src:"198.51.100.7"; dst:"192.0.2.10"; s_port:"40001"; service:"23"]"#,
                Traffic,
                Other,
                Blocked,
            )
            .addresses("198.51.100.7", "192.0.2.10"),
            // Management audit without an action: an event, not an unparsed line.
            case(
                r#"<134>1 2026-03-02T10:00:00+09:00 mgmt CheckPoint 2041 - - time=1772413200|product=SmartConsole|operation=Log In|administrator=admin|client_ip=192.0.2.50|audit_status=Success"#,
                Ev,
                Other,
                Allowed,
            ),
            case(
                r#"<134>1 2026-03-02T10:00:00+09:00 mgmt CheckPoint 2041 - [Fields@2620 time="1772413200" product="Security Management" operation="Publish" administrator="admin" subject="Policy Installation"]"#,
                Ev,
                Other,
                Allowed,
            ),
            // An unknown blade is counted; an unknown threat-prevention blade stays a threat.
            case(
                r#"<134>1 2026-03-02T10:00:00+09:00 gw CheckPoint 2041 - - time=1772413200|product=Anti-Ransomware|action=Detect|src=192.0.2.10"#,
                Threat,
                Malware,
                Detected,
            )
            .unknown("Anti-Ransomware"),
            case(
                r#"<134>1 2026-03-02T10:00:00+09:00 gw CheckPoint 2041 - - time=1772413200|product=QoS|action=Accept"#,
                Ev,
                Other,
                Allowed,
            )
            .unknown("QoS"),
        ],
    );
}

/// An SFOS v19.5+ line for `log_type/log_component/log_subtype` with extra fields.
fn sophos_line(log_type: &str, component: &str, subtype: &str, extra: &str) -> String {
    format!(
        "<30>timestamp=\"2026-03-02T10:00:00+0900\" device_model=\"XGS126\" device_serial_id=\"X1234567890\" log_id=\"010101600001\" log_type=\"{log_type}\" log_component=\"{component}\" log_subtype=\"{subtype}\" severity=\"Information\" src_ip=\"192.0.2.10\" dst_ip=\"198.51.100.7\" src_port=\"50000\" dst_port=\"443\" {extra}"
    )
}

/// `(log_type, log_component, log_subtype, extra fields, kind, category, action, unknown)`.
type SophosRow = (&'static str, &'static str, &'static str, &'static str, Kind, Category, Action, Option<&'static str>);

// Sophos Firewall syslog guide ("Syslog descriptions", v19.0 / v21.5).
#[test]
fn sophos_sfos() {
    let table: &[SophosRow] = &[
        ("Firewall", "DoS Attack", "Denied", "status=\"Deny\"", Threat, Anomaly, Blocked, None),
        ("Firewall", "ICMP redirection", "Denied", "", Threat, Anomaly, Blocked, None),
        ("Firewall", "Source Routed", "Denied", "", Threat, Anomaly, Blocked, None),
        ("Firewall", "IP Spoof", "Denied", "", Threat, Anomaly, Blocked, None),
        ("Firewall", "Firewall Rule", "Allowed", "status=\"Allow\"", Traffic, Other, Allowed, None),
        ("Firewall", "Firewall Rule", "Denied", "status=\"Deny\"", Traffic, Other, Blocked, None),
        ("Firewall", "Invalid Traffic", "Denied", "", Traffic, Other, Blocked, None),
        ("Firewall", "Fragmented Traffic", "Denied", "", Traffic, Other, Blocked, None),
        ("Firewall", "Appliance Access", "Allowed", "", Traffic, Other, Allowed, None),
        ("Firewall", "Local ACL", "Denied", "", Traffic, Other, Blocked, None),
        ("Firewall", "MAC Filter", "Denied", "", Traffic, Other, Blocked, None),
        ("Firewall", "IP-MAC Filter", "Denied", "", Traffic, Other, Blocked, None),
        ("Firewall", "Heartbeat", "Allowed", "", Ev, Other, Allowed, None),
        ("IDP", "Signatures", "Detect", "signature_msg=\"SERVER-WEBAPP attempt\"", Threat, Intrusion, Detected, None),
        ("IDP", "Signatures", "Drop", "signature_msg=\"SERVER-WEBAPP attempt\"", Threat, Intrusion, Blocked, None),
        ("IDP", "Anomaly", "Detect", "", Threat, Intrusion, Detected, None),
        ("Anti-Virus", "HTTP", "Virus", "virus=\"EICAR-AV-Test\"", Threat, Malware, Blocked, None),
        ("Anti-Virus", "SMTP", "Virus", "virus=\"EICAR-AV-Test\"", Threat, Malware, Blocked, None),
        ("Anti-Spam", "SMTP", "Spam", "spamaction=\"Reject\"", Threat, Spam, Blocked, None),
        ("Anti-Spam", "SMTP", "Probable Spam", "spamaction=\"Change Subject\"", Threat, Spam, Detected, None),
        ("Anti-Spam", "SMTP", "Outbound Spam", "spamaction=\"DROP\"", Threat, Spam, Blocked, None),
        ("Anti-Spam", "SMTP", "Outbound Probable Spam", "spamaction=\"WARN\"", Threat, Spam, Detected, None),
        ("Anti-Spam", "SMTPS", "Virus", "spamaction=\"DROP\" virus=\"Troj/Agent-ABC\"", Threat, Malware, Blocked, None),
        ("Anti-Spam", "SMTP", "Outbound Virus", "spamaction=\"DROP\"", Threat, Malware, Blocked, None),
        ("Anti-Spam", "SMTP", "DLP", "spamaction=\"Accept\"", Threat, DataLeak, Detected, None),
        ("Anti-Spam", "SMTP", "Denied", "reason=\"RBL\"", Threat, Spam, Blocked, None),
        ("Anti-Spam", "POP3", "Clean", "spamaction=\"Accept\"", Traffic, Spam, Allowed, None),
        (
            "Content Filtering",
            "Application",
            "Denied",
            "application=\"BitTorrent\"",
            Threat,
            Application,
            Blocked,
            None,
        ),
        ("Content Filtering", "SSL", "Do not decrypt", "", Traffic, Web, Allowed, None),
        ("Content Filtering", "HTTP", "Allowed", "url=\"http://news.example/\"", Traffic, Web, Allowed, None),
        ("Content Filtering", "HTTP", "Denied", "url=\"http://casino.example/\"", Threat, Web, Blocked, None),
        ("Application Filter", "Application", "Denied", "", Threat, Application, Blocked, None),
        ("Application Control", "Application", "Allowed", "", Traffic, Application, Allowed, None),
        ("ATP", "Firewall", "Alert", "threatname=\"C2/Generic-A\"", Threat, Botnet, Detected, None),
        ("ATP", "Web", "Drop", "threatname=\"C2/Generic-A\"", Threat, Botnet, Blocked, None),
        ("Sandstorm", "Sandstorm", "Denied", "", Threat, Malware, Blocked, None),
        ("Zero Day Protection", "Zero Day Protection", "Malicious", "", Threat, Malware, Detected, None),
        ("WAF", "Web Server Protection", "Denied", "", Threat, Intrusion, Blocked, None),
        ("Event", "Admin", "Authentication", "", Ev, Other, Allowed, None),
        ("System Health", "CPU", "Usage", "", Ev, Other, Allowed, None),
        ("SD-WAN", "SLA", "Information", "", Ev, Other, Allowed, None),
        ("Wireless Protection", "Access Point", "Information", "", Ev, Other, Allowed, None),
        ("Heartbeat", "Endpoint", "Information", "", Ev, Other, Allowed, None),
        // Not in the table: the family decides, and the identifier is counted.
        ("IDP", "Custom", "Detect", "", Threat, Intrusion, Detected, Some("IDP/Custom/Detect")),
        ("Firewall", "Firewall Rule X", "Virus", "", Threat, Malware, Detected, Some("Firewall/Firewall Rule X/Virus")),
        (
            "Anti-Spam",
            "SMTP",
            "Quarantined",
            "spamaction=\"QUARANTINE\"",
            Threat,
            Spam,
            Blocked,
            Some("Anti-Spam/SMTP/Quarantined"),
        ),
    ];
    let cases: Vec<Case> = table
        .iter()
        .map(|(log_type, component, subtype, extra, kind, category, action, unknown)| {
            let line: &'static str = Box::leak(sophos_line(log_type, component, subtype, extra).into_boxed_str());
            let mut case = case(line, *kind, *category, *action).addresses("192.0.2.10", "198.51.100.7");
            case.unknown = *unknown;
            case
        })
        .collect();
    check(Vendor::Sophos, &cases);
}

/// A structured-syslog (RFC 5424) Junos line for event `name` with `fields`.
fn junos_structured(name: &str, fields: &str) -> String {
    format!("<14>1 2026-03-02T10:00:00.000+09:00 srx-tokyo RT_FLOW - {name} [junos@2636.1.1.1.2.129 {fields}]")
}

// Junos System Log Explorer (RT_FLOW, RT_SCREEN, RT_IDP, RT_UTM, RT_AAMW, RT_SECINTEL, APPTRACK).
#[test]
fn juniper() {
    const FLOW: &str = r#"source-address="192.0.2.10" source-port="50000" destination-address="198.51.100.7" destination-port="443" protocol-id="6" policy-name="trust-to-untrust""#;
    const ATTACK: &str =
        r#"source-address="198.51.100.7" source-port="40001" destination-address="192.0.2.10" destination-port="80""#;
    let table: &[(&str, String, Kind, Category, Action)] = &[
        ("RT_FLOW_SESSION_CREATE", FLOW.to_owned(), Traffic, Other, Allowed),
        ("RT_FLOW_SESSION_CLOSE", format!(r#"reason="TCP FIN" {FLOW}"#), Traffic, Other, Allowed),
        ("RT_FLOW_SESSION_DENY", FLOW.to_owned(), Traffic, Other, Blocked),
        ("RT_FLOW_SESSION_CREATE_LS", FLOW.to_owned(), Traffic, Other, Allowed),
        ("RT_FLOW_SESSION_CLOSE_LS", FLOW.to_owned(), Traffic, Other, Allowed),
        ("RT_FLOW_SESSION_DENY_LS", FLOW.to_owned(), Traffic, Other, Blocked),
        ("RT_SCREEN_TCP", format!(r#"attack-name="SYN flood!" {ATTACK} action="drop""#), Threat, Anomaly, Blocked),
        (
            "RT_SCREEN_UDP",
            format!(r#"attack-name="UDP flood!" {ATTACK} action="alarm-without-drop""#),
            Threat,
            Anomaly,
            Detected,
        ),
        ("RT_SCREEN_ICMP", format!(r#"attack-name="ICMP flood!" {ATTACK} action="drop""#), Threat, Anomaly, Blocked),
        ("RT_SCREEN_IP", format!(r#"attack-name="IP spoofing!" {ATTACK} action="drop""#), Threat, Anomaly, Blocked),
        (
            "RT_SCREEN_SESSION_LIMIT",
            format!(r#"attack-name="Src IP session limit!" {ATTACK} action="drop""#),
            Threat,
            Anomaly,
            Blocked,
        ),
        (
            "RT_SCREEN_TCP_DST_IP",
            format!(r#"attack-name="Dst IP session limit!" {ATTACK} action="drop""#),
            Threat,
            Anomaly,
            Blocked,
        ),
        (
            "RT_SCREEN_TCP_SRC_IP",
            format!(r#"attack-name="TCP port scan!" {ATTACK} action="alarm-without-drop""#),
            Threat,
            Anomaly,
            Detected,
        ),
        (
            "IDP_ATTACK_LOG_EVENT",
            format!(r#"{ATTACK} action="DROP" threat-severity="HIGH" attack-name="HTTP:SQL:INJ:GENERIC""#),
            Threat,
            Intrusion,
            Blocked,
        ),
        (
            "IDP_ATTACK_LOG_EVENT_LS",
            format!(r#"{ATTACK} action="NONE" threat-severity="LOW" attack-name="SCAN:NMAP""#),
            Threat,
            Intrusion,
            Detected,
        ),
        (
            "IDP_APPDDOS_APP_ATTACK_EVENT",
            format!(r#"{ATTACK} application-name="HTTP" action="DROP" attack-name="APPDDOS:HTTP""#),
            Threat,
            Anomaly,
            Blocked,
        ),
        (
            "IDP_APPDDOS_APP_ATTACK_EVENT_LS",
            format!(r#"{ATTACK} application-name="DNS" action="NONE""#),
            Threat,
            Anomaly,
            Detected,
        ),
        (
            "IDP_APPDDOS_APP_STATE_EVENT",
            format!(r#"{ATTACK} application-name="HTTP" previous-state="NORMAL" current-state="ATTACK""#),
            Threat,
            Anomaly,
            Detected,
        ),
        (
            "IDP_APPDDOS_APP_STATE_EVENT_LS",
            format!(r#"{ATTACK} application-name="HTTP" current-state="RECOVERY""#),
            Threat,
            Anomaly,
            Detected,
        ),
        (
            "AV_VIRUS_DETECTED_MT",
            format!(r#"{ATTACK} profile-name="av" url="http://bad.example/x.exe" threat-name="EICAR""#),
            Threat,
            Malware,
            Blocked,
        ),
        ("AV_FILE_NOT_SCANNED_DROPPED_MT", ATTACK.to_owned(), Ev, Malware, Blocked),
        ("AV_FILE_NOT_SCANNED_PASSED_MT", ATTACK.to_owned(), Ev, Malware, Allowed),
        ("ANTISPAM_SPAM_DETECTED_MT", format!(r#"{ATTACK} action="tag-subject""#), Threat, Spam, Detected),
        (
            "WEBFILTER_URL_BLOCKED",
            format!(r#"{FLOW} category="Enhanced_Malware" url="bad.example""#),
            Threat,
            Web,
            Blocked,
        ),
        (
            "WEBFILTER_URL_REDIRECTED",
            format!(r#"{FLOW} category="Enhanced_Gambling" url="casino.example""#),
            Threat,
            Web,
            Blocked,
        ),
        (
            "WEBFILTER_URL_PERMITTED",
            format!(r#"{FLOW} category="Enhanced_News" url="news.example""#),
            Traffic,
            Web,
            Allowed,
        ),
        (
            "CONTENT_FILTERING_BLOCKED_MT",
            format!(r#"{FLOW} reason="blocked due to file extension block list""#),
            Threat,
            DataLeak,
            Blocked,
        ),
        ("AAMW_ACTION_LOG", format!(r#"{FLOW} action="BLOCK" verdict-number="9""#), Threat, Malware, Blocked),
        ("AAMW_MALWARE_EVENT_LOG", format!(r#"{FLOW} verdict-number="8""#), Threat, Malware, Detected),
        (
            "AAMW_HOST_INFECTED_EVENT_LOG",
            r#"host-address="192.0.2.10" threat-level="8""#.to_owned(),
            Threat,
            Malware,
            Detected,
        ),
        (
            "SECINTEL_ACTION_LOG",
            format!(r#"{FLOW} category="secintel" sub-category="CC" action="BLOCK""#),
            Threat,
            Botnet,
            Blocked,
        ),
        ("APPTRACK_SESSION_CREATE", FLOW.to_owned(), Traffic, Other, Allowed),
        ("APPTRACK_SESSION_CLOSE", FLOW.to_owned(), Traffic, Other, Allowed),
        ("APPTRACK_SESSION_VOL_UPDATE", FLOW.to_owned(), Traffic, Other, Allowed),
    ];
    let cases: Vec<Case> = table
        .iter()
        .map(|(name, fields, kind, category, action)| {
            let line: &'static str = Box::leak(junos_structured(name, fields).into_boxed_str());
            case(line, *kind, *category, *action)
        })
        .collect();
    check(Vendor::Juniper, &cases);
    check(
        Vendor::Juniper,
        &[
            case(
                "<14>Mar  2 10:00:00 srx-tokyo RT_FLOW: RT_FLOW_SESSION_DENY: session denied 198.51.100.7/40001->192.0.2.10/3389 0x0 junos-rdp 198.51.100.7/40001->192.0.2.10/3389 0x0 N/A N/A N/A N/A 6 deny-all untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 UNKNOWN policy deny",
                Traffic,
                Other,
                Blocked,
            )
            .addresses("198.51.100.7", "192.0.2.10"),
            case(
                "<11>Mar  2 10:00:00 srx-tokyo RT_SCREEN: RT_SCREEN_TCP: SYN flood! source: 198.51.100.7:40001, destination: 192.0.2.10:80, zone name: untrust, interface name: ge-0/0/0.0, action: drop",
                Threat,
                Anomaly,
                Blocked,
            ),
            case(
                "<11>Mar  2 10:00:00 srx-tokyo RT_IDP: IDP_ATTACK_LOG_EVENT: IDP: at 1772413200, SIG Attack log <198.51.100.7/40001->192.0.2.10/80> for TCP protocol and service SERVICE_IDP application HTTP by rule 1 of rulebase IPS in policy Recommended. attack: id=1, repeat=0, action=DROP, threat-severity=HIGH, name=HTTP:SQL:INJ:GENERIC",
                Threat,
                Intrusion,
                Blocked,
            )
            .addresses("198.51.100.7", "192.0.2.10"),
            case(
                "<11>Mar  2 10:00:00 srx-tokyo RT_IDP: IDP_APPDDOS_APP_ATTACK_EVENT: DDOS Attack on 192.0.2.10:80 from 198.51.100.7 for application HTTP by rule 1, action=DROP",
                Threat,
                Anomaly,
                Blocked,
            ),
            case(
                "<14>1 2026-03-02T10:00:00.000+09:00 srx-tokyo RT_UTM - WEBFILTER_URL_CATEGORIZED [junos@2636.1.1.1.2.129 source-address=\"192.0.2.10\" category=\"Enhanced_News\"]",
                Traffic,
                Web,
                Allowed,
            )
            .unknown("WEBFILTER_URL_CATEGORIZED"),
            case(
                "<14>1 2026-03-02T10:00:00.000+09:00 srx-tokyo RT_IDP - IDP_ATTACK_LOG_NEW [junos@2636.1.1.1.2.129 source-address=\"198.51.100.7\" action=\"NONE\"]",
                Threat,
                Intrusion,
                Detected,
            )
            .unknown("IDP_ATTACK_LOG_NEW"),
        ],
    );
}

// Cisco ASA Series Syslog Messages: system, AAA, failover and VPN messages are events; the
// traffic-path messages keep their documented verdict.
#[test]
fn cisco_asa_events_and_traffic_path() {
    let table: &[(&str, &str, Kind, Category, Action)] = &[
        ("1-101001", "(Primary) Failover cable OK.", Ev, Other, Allowed),
        ("1-101002", "(Primary) Bad failover cable.", Ev, Other, Allowed),
        ("1-105005", "(Primary) Lost Failover communications with mate on interface inside", Ev, Other, Allowed),
        ("1-105009", "(Primary) Testing on interface inside Passed", Ev, Other, Allowed),
        ("1-105043", "(Primary) Failover interface failed", Ev, Other, Allowed),
        ("1-106101", "Number of cached deny-flows for ACL log has reached limit (4096).", Ev, Other, Allowed),
        ("6-109012", "Authen Session End: user 'taro', sid 12, elapsed 300 seconds", Ev, Other, Allowed),
        (
            "6-109201",
            "UAUTH: Session=0x1, User=taro, Assigned IP=192.0.2.50, Succeeded adding entry.",
            Ev,
            Other,
            Allowed,
        ),
        ("5-111002", "Begin configuration: 192.0.2.50 reading from http [POST]", Ev, Other, Allowed),
        ("5-111003", "192.0.2.50 Erase configuration", Ev, Other, Allowed),
        ("5-111004", "192.0.2.50 end configuration: OK", Ev, Other, Allowed),
        ("5-111005", "192.0.2.50 end configuration: OK", Ev, Other, Allowed),
        ("5-111007", "Begin configuration: 192.0.2.50 reading from device.", Ev, Other, Allowed),
        ("5-111008", "User 'admin' executed the 'write memory' command.", Ev, Other, Allowed),
        ("7-111009", "User 'admin' executed cmd: show running-config", Ev, Other, Allowed),
        ("5-111010", "User 'admin', running 'CLI' from IP 192.0.2.50, executed 'write memory'", Ev, Other, Allowed),
        ("6-113004", "AAA user authentication Successful : server = 192.0.2.99 : user = taro", Ev, Other, Allowed),
        (
            "6-113005",
            "AAA user authentication Rejected : reason = AAA failure : server = 192.0.2.99 : user = taro",
            Ev,
            Other,
            Blocked,
        ),
        (
            "6-113006",
            "User 'taro' locked out on exceeding '3' successive failed authentication attempts",
            Ev,
            Other,
            Allowed,
        ),
        ("6-113012", "AAA user authentication Successful : local database : user = taro", Ev, Other, Allowed),
        (
            "4-113019",
            "Group = vpn, Username = taro, IP = 198.51.100.7, Session disconnected. Session Type: SSL, Duration: 1h, Bytes xmt: 1, Bytes rcv: 1, Reason: User Requested",
            Ev,
            Other,
            Allowed,
        ),
        ("7-113028", "Extraction of username from VPN client certificate has been requested.", Ev, Other, Allowed),
        (
            "6-113039",
            "Group <vpn> User <taro> IP <198.51.100.7> AnyConnect parent session started.",
            Ev,
            Other,
            Allowed,
        ),
        ("5-199019", "syslog message from a debug", Ev, Other, Allowed),
        ("3-201008", "Disallowing new connections.", Ev, Other, Allowed),
        ("4-308001", "console enable password incorrect for 3 tries (from 192.0.2.50)", Ev, Other, Allowed),
        ("6-321006", "System Memory usage reached 81%", Ev, Other, Allowed),
        (
            "2-323006",
            "Module ips experienced a data channel communication failure, data channel is DOWN.",
            Ev,
            Other,
            Allowed,
        ),
        (
            "6-338302",
            "Address 198.51.100.7 discovered for domain bad.example from dynamic list, Adding rule",
            Ev,
            Other,
            Allowed,
        ),
        ("6-338303", "Address 198.51.100.7 (bad.example) timed out, Removing rule", Ev, Other, Allowed),
        ("4-338309", "The license on this ASA does not support dynamic filter updater feature.", Ev, Other, Allowed),
        (
            "3-338310",
            "Failed to update from dynamic filter updater server https://update.example, reason: timeout",
            Ev,
            Other,
            Allowed,
        ),
        (
            "4-405003",
            "IP address collision detected between host 192.0.2.20 at 0011.2233.4455 and interface inside, 0011.2233.4466",
            Ev,
            Other,
            Allowed,
        ),
        (
            "6-409023",
            "Attempting AAA Fallback method LOCAL for Authentication request for user taro : Auth-server group radius unreachable",
            Ev,
            Other,
            Allowed,
        ),
        ("4-411001", "Line protocol on Interface GigabitEthernet0/1, changed state to up", Ev, Other, Allowed),
        ("4-444005", "Timebased activation key 0x1 will expire in 10 days.", Ev, Other, Allowed),
        ("5-502101", "New user added to local dbase: Uname: taro Priv: 15 Encpass: xyz", Ev, Other, Allowed),
        ("5-502102", "User deleted from local dbase: Uname: taro Priv: 15 Encpass: xyz", Ev, Other, Allowed),
        ("5-502103", "User priv level changed: Uname: taro From: 1 To: 15", Ev, Other, Allowed),
        ("5-505002", "Module ips is recovering. Please wait...", Ev, Other, Allowed),
        ("5-505015", "Module ips, application up sfr, version 7.0", Ev, Other, Allowed),
        ("6-603108", "Built PPTP Tunnel at outside, tunnel-id = 1, remote-peer = 198.51.100.7", Ev, Other, Allowed),
        ("6-603109", "Teardown PPTP Tunnel at outside, tunnel-id = 1, remote-peer = 198.51.100.7", Ev, Other, Allowed),
        (
            "6-605004",
            "Login denied from 198.51.100.7/40001 to outside:192.0.2.1/ssh for user \"admin\"",
            Ev,
            Other,
            Blocked,
        ),
        (
            "6-605005",
            "Login permitted from 192.0.2.50/40001 to inside:192.0.2.1/ssh for user \"admin\"",
            Ev,
            Other,
            Allowed,
        ),
        ("6-611101", "User authentication succeeded: IP address: 192.0.2.50, Uname: admin", Ev, Other, Allowed),
        ("6-611102", "User authentication failed: IP address: 198.51.100.7, Uname: admin", Ev, Other, Allowed),
        ("6-611103", "User logged out: Uname: admin", Ev, Other, Allowed),
        (
            "6-722023",
            "Group <vpn> User <taro> IP <198.51.100.7> TCP SVC connection terminated without compression",
            Ev,
            Other,
            Allowed,
        ),
        (
            "4-722051",
            "Group <vpn> User <taro> IP <198.51.100.7> IPv4 Address <192.168.113.2> IPv6 address <::> assigned to session",
            Ev,
            Other,
            Allowed,
        ),
        (
            "3-750003",
            "Local:192.0.2.1:500 Remote:198.51.100.7:500 Username:Unknown IKEv2 Negotiation aborted due to ERROR: Failed to receive the AUTH msg",
            Ev,
            Other,
            Allowed,
        ),
        (
            "4-106011",
            "Deny inbound (No xlate) tcp src outside:198.51.100.7/40001 dst outside:192.0.2.1/80",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "6-110003",
            "Routing failed to locate next hop for tcp from inside:192.0.2.10/50000 to outside:198.51.100.7/80",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "3-202010",
            "NAT pool exhausted for pat-pool, port range [1024-65535]. Unable to create TCP connection from inside:192.0.2.10/50000 to outside:198.51.100.7/80",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "6-302017",
            "Built inbound GRE connection 1 from outside:198.51.100.7 (198.51.100.7) to inside:192.0.2.10 (203.0.113.1)",
            Traffic,
            Other,
            Allowed,
        ),
        (
            "6-302018",
            "Teardown GRE connection 1 from outside:198.51.100.7 (198.51.100.7) to inside:192.0.2.10 (203.0.113.1) duration 0:00:30 bytes 100",
            Traffic,
            Other,
            Allowed,
        ),
        (
            "6-302023",
            "Teardown stub TCP connection for outside:198.51.100.7/40001 to inside:192.0.2.10/80 duration 0:00:00 forwarded bytes 0 Cluster flow with CLU closed on owner",
            Traffic,
            Other,
            Allowed,
        ),
        (
            "4-313009",
            "Denied invalid ICMP code 9, for outside:198.51.100.7/0 (198.51.100.7/0) to inside:192.0.2.10/0 (203.0.113.1/0)",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "6-418001",
            "Through-the-device packet to/from management-only network is denied: tcp src inside:192.0.2.10/50000 dst mgmt:192.0.2.200/22",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "4-419002",
            "Received duplicate TCP SYN from outside:198.51.100.7/40001 to inside:192.0.2.10/80 with different initial sequence number.",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "3-421001",
            "TCP flow from outside:198.51.100.7/40001 to inside:192.0.2.10/80 is dropped because application has failed.",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "6-421002",
            "TCP flow from outside:198.51.100.7/40001 to inside:192.0.2.10/80 bypassed application checking because the protocol is not supported.",
            Traffic,
            Other,
            Allowed,
        ),
        (
            "3-421007",
            "TCP flow from outside:198.51.100.7/40001 to inside:192.0.2.10/80 is skipped because application has failed.",
            Traffic,
            Other,
            Allowed,
        ),
        (
            "4-500003",
            "Bad TCP hdr length (hdrlen=4, pktlen=40) from 198.51.100.7/40001 to 192.0.2.10/80, flags: SYN, on interface outside",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "3-710004",
            "TCP connection limit exceeded from 198.51.100.7/40001 to outside:192.0.2.1/22 (current connections/connection limit = 5/5)",
            Traffic,
            Other,
            Blocked,
        ),
        (
            "4-405001",
            "Received ARP request collision from 192.0.2.20/0011.2233.4455 on interface inside with existing ARP entry 192.0.2.20/0011.2233.4466",
            Threat,
            Anomaly,
            Detected,
        ),
        (
            "4-420002",
            "IPS requested to drop TCP packet from outside:198.51.100.7/40001 to inside:192.0.2.10/80",
            Threat,
            Intrusion,
            Blocked,
        ),
    ];
    let cases: Vec<Case> = table
        .iter()
        .map(|(tag, text, kind, category, action)| {
            let line = format!("<166>Mar 02 2026 10:00:00 asa : %ASA-{tag}: {text}");
            case(Box::leak(line.into_boxed_str()), *kind, *category, *action)
        })
        .collect();
    check(Vendor::Cisco, &cases);
}

#[test]
fn checkpoint_json_exports() {
    check(
        Vendor::Checkpoint,
        &[
            case(
                r#"{"ProductName":"Anti-Bot","Action":"Prevent","loguid":"ab-1","origin":"192.0.2.1","time":"1772413200","sip":"192.0.2.10","sport":"50000","dip":"198.51.100.7","dport":"80","protection_name":"Trojan.Win32.Example"}"#,
                Threat,
                Botnet,
                Blocked,
            )
            .addresses("192.0.2.10", "198.51.100.7"),
            case(
                r#"{"ProductName":"MTA","action":"Detect","loguid":"m-1","src":"198.51.100.7","dst":"192.0.2.25","threatname":"Spam campaign"}"#,
                Threat,
                Spam,
                Detected,
            ),
            case(r#"{"ProductName":"WEB_API","action":"Update","loguid":"api-1","src":"192.0.2.50"}"#, Ev, Other, Allowed),
        ],
    );
}

/// A FortiOS 7 line with `type/subtype/eventtype` and `action`.
fn fortigate_line(log_type: &str, subtype: &str, eventtype: &str, action: &str, extra: &str) -> String {
    format!(
        "date=2026-03-02 time=10:00:00 devname=\"fgt-tokyo\" devid=\"FGT60F0000000001\" eventtime=1772413200000000000 tz=\"+0900\" logid=\"0000000000\" type=\"{log_type}\" subtype=\"{subtype}\" eventtype=\"{eventtype}\" level=\"warning\" vd=\"root\" srcip=192.0.2.10 srcport=50000 dstip=198.51.100.7 dstport=443 action=\"{action}\" {extra}"
    )
}

type FortiRow = (&'static str, &'static str, &'static str, &'static str, &'static str, Kind, Category, Action);

// FortiOS 7.6.1 / 7.2.7 Log Message Reference: types, subtypes and event types.
#[test]
fn fortigate() {
    let table: &[FortiRow] = &[
        ("traffic", "forward", "", "accept", "", Traffic, Other, Allowed),
        ("traffic", "forward", "", "deny", "", Traffic, Other, Blocked),
        ("traffic", "local", "", "close", "utmaction=\"block\" countav=1", Traffic, Other, Allowed),
        ("event", "system", "", "login", "", Ev, Other, Allowed),
        ("utm", "virus", "analytics", "monitored", "", Traffic, Malware, Allowed),
        ("utm", "virus", "oversize", "passthrough", "", Traffic, Malware, Allowed),
        ("utm", "virus", "scanerror", "passthrough", "", Ev, Malware, Allowed),
        ("utm", "virus", "infected", "blocked", "virus=\"EICAR_TEST_FILE\"", Threat, Malware, Blocked),
        ("utm", "virus", "infected", "monitored", "virus=\"EICAR_TEST_FILE\"", Threat, Malware, Detected),
        ("utm", "webfilter", "ftgd_blk", "blocked", "catdesc=\"Malicious Websites\"", Threat, Web, Blocked),
        ("utm", "webfilter", "ftgd_blk", "passthrough", "catdesc=\"Gambling\"", Threat, Web, Detected),
        ("utm", "webfilter", "ftgd_allow", "passthrough", "catdesc=\"News\"", Traffic, Web, Allowed),
        ("utm", "webfilter", "urlfilter", "blocked", "", Threat, Web, Blocked),
        ("utm", "ips", "malicious-url", "dropped", "", Threat, Web, Blocked),
        ("utm", "ips", "botnet", "detected", "attack=\"Bot.C2\"", Threat, Botnet, Detected),
        ("utm", "ips", "signature", "dropped", "attack=\"Apache.Struts.RCE\"", Threat, Intrusion, Blocked),
        ("utm", "ips", "signature", "detected", "attack=\"Apache.Struts.RCE\"", Threat, Intrusion, Detected),
        ("utm", "anomaly", "anomaly", "clear_session", "attack=\"tcp_syn_flood\"", Threat, Anomaly, Blocked),
        ("utm", "app-ctrl", "signature", "pass", "app=\"YouTube\"", Traffic, Application, Allowed),
        ("utm", "app-ctrl", "app-ctrl-all", "block", "app=\"BitTorrent\"", Threat, Application, Blocked),
        ("utm", "dns", "dns-response", "pass", "qname=\"news.example\"", Traffic, Dns, Allowed),
        (
            "utm",
            "dns",
            "dns-response",
            "block",
            "qname=\"bad.example\" botnetdomain=\"bad.example\"",
            Threat,
            Botnet,
            Blocked,
        ),
        ("utm", "emailfilter", "smtp", "log-only", "", Threat, Spam, Detected),
        ("utm", "spamfilter", "smtp", "blocked", "", Threat, Spam, Blocked),
        ("utm", "dlp", "dlp", "block", "filtername=\"card-numbers\"", Threat, DataLeak, Blocked),
        ("utm", "file-filter", "file-filter", "log-only", "", Threat, DataLeak, Detected),
        ("utm", "waf", "waf-signature", "blocked", "", Threat, Intrusion, Blocked),
        ("utm", "ssl", "ssl-anomaly", "blocked", "", Threat, Other, Blocked),
        ("utm", "ssh", "ssh-command", "passthrough", "", Traffic, Other, Allowed),
        ("utm", "cifs", "cifs-filefilter", "blocked", "", Threat, Other, Blocked),
        ("utm", "voip", "voip", "permit", "", Traffic, Other, Allowed),
        ("utm", "icap", "icap", "blocked", "", Threat, Other, Blocked),
        ("utm", "casb", "casb", "block", "", Threat, Application, Blocked),
        ("utm", "virtual-patch", "signature", "block", "", Threat, Intrusion, Blocked),
    ];
    let cases: Vec<Case> = table
        .iter()
        .map(|(log_type, subtype, eventtype, action, extra, kind, category, want)| {
            let line = fortigate_line(log_type, subtype, eventtype, action, extra);
            case(Box::leak(line.into_boxed_str()), *kind, *category, *want).addresses("192.0.2.10", "198.51.100.7")
        })
        .collect();
    check(Vendor::Fortigate, &cases);
    // FortiOS 5.x: the UTM subtype is the type; an unknown UTM subtype is counted.
    check(
        Vendor::Fortigate,
        &[
            case("date=2016-03-02 time=10:00:00 devname=fgt devid=FGT60D0000000001 logid=0211008192 type=virus subtype=infected level=warning vd=root srcip=192.0.2.10 dstip=198.51.100.7 action=blocked virus=EICAR", Threat, Malware, Blocked),
            case("date=2026-03-02 time=10:00:00 devname=fgt devid=FGT60F0000000001 logid=1900000001 type=utm subtype=gtp eventtype=gtp-all level=notice vd=root srcip=192.0.2.10 dstip=198.51.100.7 action=blocked", Threat, Other, Blocked).unknown("utm/gtp/gtp-all"),
        ],
    );
}

/// A PAN-OS 10.x CSV line: type, subtype, action, and for THREAT the URL and threat name.
fn panos_line(log_type: &str, subtype: &str, action: &str) -> String {
    let threat = if log_type == "THREAT" {
        r#","http://bad.example/x","Example(12345)",any,high,client-to-server"#
    } else {
        ",0,0,0"
    };
    format!(
        "<14>Mar  2 10:00:00 pa-tokyo 1,2026/03/02 10:00:00,012345678901,{log_type},{subtype},2561,2026/03/02 10:00:00,192.0.2.10,198.51.100.7,203.0.113.1,198.51.100.7,rule1,taro,,web-browsing,vsys1,trust,untrust,ethernet1/2,ethernet1/1,fwd,2026/03/02 10:00:00,1234,1,50000,443,40000,443,0x0,tcp,{action}{threat}"
    )
}

// PAN-OS 10.2/11.1 "Syslog Field Descriptions".
#[test]
fn paloalto() {
    let table: &[(&str, &str, &str, Kind, Category, Action)] = &[
        ("TRAFFIC", "end", "allow", Traffic, Other, Allowed),
        ("TRAFFIC", "deny", "deny", Traffic, Other, Blocked),
        ("TRAFFIC", "drop", "drop", Traffic, Other, Blocked),
        ("THREAT", "url", "block-url", Threat, Web, Blocked),
        ("THREAT", "url", "alert", Traffic, Web, Allowed),
        ("THREAT", "virus", "reset-both", Threat, Malware, Blocked),
        ("THREAT", "wildfire-virus", "alert", Threat, Malware, Detected),
        ("THREAT", "wildfire", "allow", Threat, Malware, Detected),
        ("THREAT", "ml-virus", "reset-both", Threat, Malware, Blocked),
        ("THREAT", "spyware", "sinkhole", Threat, Botnet, Blocked),
        ("THREAT", "vulnerability", "alert", Threat, Intrusion, Detected),
        ("THREAT", "scan", "drop", Threat, Anomaly, Blocked),
        ("THREAT", "flood", "random-drop", Threat, Anomaly, Blocked),
        ("THREAT", "packet", "drop", Threat, Anomaly, Blocked),
        ("THREAT", "resource", "alert", Threat, Anomaly, Detected),
        ("THREAT", "data", "alert", Threat, DataLeak, Detected),
        ("THREAT", "file", "alert", Traffic, Other, Allowed),
        ("THREAT", "file", "deny", Threat, Other, Blocked),
        ("CORRELATION", "compromised-host", "", Threat, Botnet, Detected),
        ("SYSTEM", "general", "", Ev, Other, Allowed),
        ("CONFIG", "0", "", Ev, Other, Allowed),
        ("HIPMATCH", "0", "", Ev, Other, Allowed),
        ("GLOBALPROTECT", "0", "", Ev, Other, Allowed),
        ("USERID", "login", "", Ev, Other, Allowed),
        ("AUTH", "0", "", Ev, Other, Allowed),
        ("DECRYPTION", "start", "", Ev, Other, Allowed),
        ("IPTAG", "0", "", Ev, Other, Allowed),
        ("GTP", "start", "", Ev, Other, Allowed),
        ("SCTP", "start", "", Ev, Other, Allowed),
        ("TUNNEL", "start", "", Ev, Other, Allowed),
    ];
    let mut cases: Vec<Case> = table
        .iter()
        .map(|(log_type, subtype, action, kind, category, want)| {
            let line = panos_line(log_type, subtype, action);
            let case = case(Box::leak(line.into_boxed_str()), *kind, *category, *want);
            if matches!(*log_type, "TRAFFIC" | "THREAT") { case.addresses("192.0.2.10", "198.51.100.7") } else { case }
        })
        .collect();
    let unknown = panos_line("THREAT", "new-subtype", "alert");
    cases.push(case(Box::leak(unknown.into_boxed_str()), Threat, Intrusion, Detected).unknown("THREAT/new-subtype"));
    check(Vendor::Paloalto, &cases);
}

// SonicOS 6.5.1 Log Events Reference Guide / SonicOS 7.0.1 Log Event Messages.
#[test]
fn sonicwall() {
    let table: &[(u32, &str, &str, Kind, Category, Action)] = &[
        (14, "Web site access denied", "drop", Threat, Web, Blocked),
        (16, "Web site access allowed", "NA", Traffic, Web, Allowed),
        (22, "Ping of death dropped", "drop", Threat, Anomaly, Blocked),
        (23, "IP spoof dropped", "drop", Threat, Anomaly, Blocked),
        (25, "Possible SYN flood attack detected", "NA", Threat, Anomaly, Detected),
        (27, "Land attack dropped", "drop", Threat, Anomaly, Blocked),
        (82, "Possible port scan detected", "NA", Threat, Anomaly, Detected),
        (83, "Probable port scan detected", "NA", Threat, Anomaly, Detected),
        (97, "Web site hit", "NA", Traffic, Web, Allowed),
        (98, "Connection Opened", "NA", Traffic, Other, Allowed),
        (537, "Connection Closed", "NA", Traffic, Other, Allowed),
        (608, "IPS Detection Alert: WEB-ATTACKS cmd.exe access", "NA", Threat, Intrusion, Detected),
        (609, "IPS Prevention Alert: WEB-ATTACKS cmd.exe access", "drop", Threat, Intrusion, Blocked),
        (794, "Anti-Spyware Prevention Alert: Example.Spy", "drop", Threat, Malware, Blocked),
        (795, "Anti-Spyware Detection Alert: Example.Spy", "NA", Threat, Malware, Detected),
        (809, "Gateway Anti-Virus Alert: EICAR (Test File)", "drop", Threat, Malware, Blocked),
        (810, "Gateway Anti-Virus Alert: EICAR (Test File)", "NA", Threat, Malware, Detected),
        (1154, "Application Control Detection Alert: YouTube", "NA", Traffic, Application, Allowed),
        (1155, "Application Control Prevention Alert: BitTorrent", "drop", Threat, Application, Blocked),
        (1235, "Botnet Filter: connection to a botnet host blocked", "drop", Threat, Botnet, Blocked),
        (1236, "Botnet Filter: connection to a botnet host detected", "NA", Threat, Botnet, Detected),
        (1460, "Capture ATP: file is malicious, blocked", "drop", Threat, Malware, Blocked),
    ];
    let mut cases: Vec<Case> = table
        .iter()
        .map(|(id, message, fw_action, kind, category, action)| {
            let line = format!(
                "<134> id=firewall sn=0017C5000001 time=\"2026-03-02 10:00:00\" fw=203.0.113.1 pri=1 c=32 gcat=3 m={id} msg=\"{message}\" src=198.51.100.7:40001:X1 dst=192.0.2.10:80:X0 proto=tcp/http fw_action=\"{fw_action}\""
            );
            case(Box::leak(line.into_boxed_str()), *kind, *category, *action).addresses("198.51.100.7", "192.0.2.10")
        })
        .collect();
    cases.push(
        case(
            "<134> id=firewall sn=0017C5000001 time=\"2026-03-02 10:00:00\" fw=203.0.113.1 pri=1 c=32 gcat=3 m=4321 msg=\"Gateway Anti-Virus Alert: new message\" src=198.51.100.7:40001:X1 dst=192.0.2.10:80:X0 fw_action=\"NA\"",
            Threat,
            Malware,
            Detected,
        )
        .unknown("4321"),
    );
    check(Vendor::Sonicwall, &cases);
}

// Suricata 7 EVE format and classification.config descriptions (also Snort's).
#[test]
fn suricata_and_snort() {
    let classes: &[(&str, Category)] = &[
        ("A Network Trojan was detected", Malware),
        ("Malware Command and Control Activity Detected", Botnet),
        ("Domain Observed Used for C2 Detected", Botnet),
        ("Exploit Kit Activity Detected", Malware),
        ("Possibly Unwanted Program Detected", Malware),
        ("Crypto Currency Mining Activity Detected", Malware),
        ("Possible Social Engineering Attempted", Web),
        ("Successful Credential Theft Detected", Web),
        ("Web Application Attack", Intrusion),
        ("access to a potentially vulnerable web application", Intrusion),
        ("Attempted User Privilege Gain", Intrusion),
        ("Unsuccessful User Privilege Gain", Intrusion),
        ("Successful User Privilege Gain", Intrusion),
        ("Attempted Administrator Privilege Gain", Intrusion),
        ("Successful Administrator Privilege Gain", Intrusion),
        ("Executable code was detected", Intrusion),
        ("Targeted Malicious Activity was Detected", Intrusion),
        ("Misc Attack", Intrusion),
        ("Potentially Bad Traffic", Intrusion),
        ("Decode of an RPC Query", Intrusion),
        ("A suspicious string was detected", Intrusion),
        ("A suspicious filename was detected", Intrusion),
        ("An attempted login using a suspicious username was detected", Intrusion),
        ("Attempt to login by a default username and password", Intrusion),
        ("A system call was detected", Intrusion),
        ("Detection of a Network Scan", Anomaly),
        ("Attempted Information Leak", Anomaly),
        ("Information Leak", Anomaly),
        ("Large Scale Information Leak", Anomaly),
        ("Attempted Denial of Service", Anomaly),
        ("Denial of Service", Anomaly),
        ("Device Retrieving External IP Address Detected", Anomaly),
        ("Potential Corporate Privacy Violation", Application),
        ("Inappropriate Content was Detected", Web),
        ("Misc activity", Other),
        ("Generic Protocol Command Decode", Other),
        ("Generic ICMP event", Other),
        ("A TCP connection was detected", Other),
        ("A client was using an unusual port", Other),
        ("Detection of a non-standard protocol or event", Other),
        ("Not Suspicious Traffic", Other),
        ("Unknown Traffic", Other),
    ];
    let mut cases = Vec::new();
    for (index, (class, category)) in classes.iter().enumerate() {
        let action = if index % 2 == 0 { "allowed" } else { "blocked" };
        let eve = format!(
            r#"{{"timestamp":"2026-03-02T10:00:00.000000+0900","flow_id":1,"event_type":"alert","src_ip":"198.51.100.7","src_port":40001,"dest_ip":"192.0.2.10","dest_port":80,"proto":"TCP","alert":{{"action":"{action}","gid":1,"signature_id":2000001,"rev":1,"signature":"ET TEST rule","category":"{class}","severity":2}}}}"#
        );
        let want = if action == "blocked" { Blocked } else { Detected };
        cases.push(
            case(Box::leak(eve.into_boxed_str()), Threat, *category, want).addresses("198.51.100.7", "192.0.2.10"),
        );
    }
    let types: &[(&str, Kind, Category, Action)] = &[
        ("drop", Threat, Intrusion, Blocked),
        ("anomaly", Ev, Anomaly, Allowed),
        ("dns", Traffic, Dns, Allowed),
        ("http", Traffic, Web, Allowed),
        ("tls", Traffic, Web, Allowed),
        ("flow", Traffic, Other, Allowed),
        ("netflow", Traffic, Other, Allowed),
        ("fileinfo", Traffic, Other, Allowed),
        ("smtp", Traffic, Other, Allowed),
        ("ssh", Traffic, Other, Allowed),
        ("dhcp", Traffic, Other, Allowed),
        ("stats", Ev, Other, Allowed),
        ("ftp", Traffic, Other, Allowed),
        ("ftp_data", Traffic, Other, Allowed),
        ("smb", Traffic, Other, Allowed),
        ("nfs", Traffic, Other, Allowed),
        ("tftp", Traffic, Other, Allowed),
        ("krb5", Traffic, Other, Allowed),
        ("ike", Traffic, Other, Allowed),
        ("snmp", Traffic, Other, Allowed),
        ("sip", Traffic, Other, Allowed),
        ("rdp", Traffic, Other, Allowed),
        ("rfb", Traffic, Other, Allowed),
        ("mqtt", Traffic, Other, Allowed),
        ("http2", Traffic, Other, Allowed),
        ("dnp3", Traffic, Other, Allowed),
        ("modbus", Traffic, Other, Allowed),
        ("dcerpc", Traffic, Other, Allowed),
        ("pgsql", Traffic, Other, Allowed),
        ("quic", Traffic, Other, Allowed),
        ("bittorrent-dht", Traffic, Other, Allowed),
        ("arp", Traffic, Other, Allowed),
    ];
    for (event_type, kind, category, action) in types {
        let eve = format!(
            r#"{{"timestamp":"2026-03-02T10:00:00.000000+0900","flow_id":1,"event_type":"{event_type}","src_ip":"192.0.2.10","dest_ip":"198.51.100.7"}}"#
        );
        cases.push(case(Box::leak(eve.into_boxed_str()), *kind, *category, *action));
    }
    // C&C wording in the signature outranks a generic class; an unknown class stays a threat.
    cases.push(case(r#"{"event_type":"alert","src_ip":"192.0.2.10","dest_ip":"198.51.100.7","alert":{"action":"allowed","signature":"ET MALWARE Example CnC Beacon","category":"A Network Trojan was detected","severity":1}}"#, Threat, Botnet, Detected));
    cases.push(case(r#"{"event_type":"alert","src_ip":"192.0.2.10","dest_ip":"198.51.100.7","alert":{"action":"allowed","signature":"LOCAL rule","category":"Local Custom Class","severity":3}}"#, Threat, Intrusion, Detected).unknown("alert/Local Custom Class"));
    check(Vendor::Suricata, &cases);
    check(
        Vendor::Pfsense,
        &[
            case("<38>Mar  2 10:00:00 pfsense snort[12345]: [1:2008578:6] ET SCAN Sipvicious Scan [Classification: Attempted Information Leak] [Priority: 2] {UDP} 198.51.100.7:5060 -> 192.0.2.10:5060", Threat, Anomaly, Detected).addresses("198.51.100.7", "192.0.2.10"),
            case("<38>Mar  2 10:00:00 pfsense suricata[12345]: [Drop] [1:2024897:2] ET EXPLOIT Possible Struts RCE [Classification: Attempted Administrator Privilege Gain] [Priority: 1] {TCP} 198.51.100.7:40001 -> 192.0.2.10:80", Threat, Intrusion, Blocked).addresses("198.51.100.7", "192.0.2.10"),
            case("<134>Mar  2 10:00:00 pfsense filterlog[321]: 5,,,1000000103,igb1,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,198.51.100.7,192.0.2.10,40001,22,0,S,1,,64240,,mss", Traffic, Other, Blocked).addresses("198.51.100.7", "192.0.2.10").ports(40001, 22),
            case("<134>Mar  2 10:00:00 pfsense filterlog[321]: 5,,,1000000103,igb1,match,reject,in,4,0x0,,64,0,0,DF,17,udp,60,198.51.100.7,192.0.2.10,40001,161,40", Traffic, Other, Blocked),
            case("<134>Mar  2 10:00:00 pfsense filterlog[321]: 7,,,1000000105,igb0,match,pass,out,4,0x0,,64,0,0,DF,6,tcp,60,192.0.2.10,198.51.100.7,50000,443,0,S,1,,64240,,mss", Traffic, Other, Allowed),
        ],
    );
}

#[test]
fn checkpoint_rfc5424_variants() {
    for line in [
        "<134>1 2026-03-02T10:00:00.123456+05:45 gw CheckPoint 2041 - - \u{feff}time=1772413200|product=Anti-Bot|action=Prevent|src=192.0.2.10|dst=198.51.100.7",
        "<134>1 2026-03-02T01:00:00Z gw CheckPoint - - - time=1772413200|product=Anti-Bot|action=Prevent|src=192.0.2.10|dst=198.51.100.7",
        "<134>1 2026-03-02T10:00:00+0900 gw CheckPoint 2041 - [Fields@2620 time=\"1772413200\" product=\"Anti-Bot\" action=\"Prevent\" src=\"192.0.2.10\" dst=\"198.51.100.7\"]",
        "134 <134>1 2026-03-02T10:00:00+09:00 gw CheckPoint 2041 - [Fields@2620 product=\"Anti-Bot\" action=\"Prevent\" src=\"192.0.2.10\" dst=\"198.51.100.7\"]",
    ] {
        let event = utm::parse_syslog_line(line.as_bytes(), None).unwrap_or_else(|error| panic!("{error}: {line}"));
        assert_eq!(
            (event.vendor, event.kind, event.category, event.action),
            (Vendor::Checkpoint, Threat, Botnet, Blocked),
            "{line}"
        );
        assert_eq!(event.src_ip.map(|a| a.to_string()).as_deref(), Some("192.0.2.10"), "{line}");
        assert!(event.time.is_some(), "{line}");
    }
}

// CEF (ArcSight CEF Implementation Standard) and LEEF 2.0: the device family's table, or the
// keyword rules with the line counted as an unknown identifier.
#[test]
fn cef_and_leef() {
    check(
        Vendor::Paloalto,
        &[case("<14>Mar  2 10:00:00 pa CEF:0|Palo Alto Networks|PAN-OS|10.2.4|THREAT|spyware|8|rt=Mar 02 2026 01:00:00 GMT src=192.0.2.10 dst=198.51.100.7 spt=50000 dpt=80 act=sinkhole", Threat, Botnet, Blocked).addresses("192.0.2.10", "198.51.100.7")],
    );
    check(
        Vendor::Sonicwall,
        &[case(
            "<134>CEF:0|SonicWall|NSa 2700|7.0.1|16|Website Accessed|6|src=192.0.2.10 dst=198.51.100.7 spt=50000 dpt=80 act=NA",
            Traffic,
            Web,
            Allowed,
        )],
    );
    check(
        Vendor::Watchguard,
        &[case(
            "LEEF:1.0|WatchGuard|XTM|12.8|30000152|serial=80AB12CD34EF5\tmsg=IPv4 source route attack from 198.51.100.7 detected.\tsrc=198.51.100.7",
            Threat,
            Anomaly,
            Detected,
        )],
    );
    check(
        Vendor::Cef,
        &[case("<14>Mar  2 10:00:00 ips CEF:0|ExampleCorp|NetGuard|2.1|4001|Exploit attempt blocked|8|src=198.51.100.7 dst=192.0.2.10 act=blocked cat=Intrusion", Threat, Intrusion, Blocked)
            .unknown("ExampleCorp|NetGuard|4001")],
    );
}

#[test]
fn cisco_acl_names_do_not_decide_the_verdict() {
    check(
        Vendor::Cisco,
        &[
            case(
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-106100: access-list deny_all_in permitted tcp inside/192.0.2.10(50000) -> outside/198.51.100.7(443) hit-cnt 1 first hit [0x1, 0x0]",
                Traffic,
                Other,
                Allowed,
            ),
            case(
                "<166>Mar 02 2026 10:00:00 asa : %ASA-6-106100: access-list permit_web denied tcp outside/198.51.100.7(40001) -> inside/192.0.2.10(80) hit-cnt 1 first hit [0x1, 0x0]",
                Traffic,
                Other,
                Blocked,
            ),
        ],
    );
}
