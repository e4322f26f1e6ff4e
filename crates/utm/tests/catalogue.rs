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
