//! Per-vendor fixtures written from the vendors' documentation (field layouts and example
//! values from the FortiOS Log Message Reference, PAN-OS Syslog Field Descriptions, Sophos
//! Firewall syslog guide, Cisco ASA syslog messages, …) → exact normalised fields.

use std::net::IpAddr;

use rstest::rstest;
use utm::{Action, Category, Event, Kind, Severity, Vendor, parse_line, parse_syslog_line};

fn addr(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

fn parse(line: &str) -> Event<'_> {
    parse_syslog_line(line.as_bytes(), None).unwrap_or_else(|error| panic!("{error}: {line}"))
}

const FGT_VIRUS: &str = r#"date=2024-05-01 time=10:15:30 devname="fgt-tokyo" devid="FGT60FTK20000001" eventtime=1714526130123456789 tz="+0900" logid="0211008192" type="utm" subtype="virus" eventtype="infected" level="warning" vd="root" policyid=1 msg="File is infected." action="blocked" service="HTTP" sessionid=101 srcip=192.168.1.10 dstip=203.0.113.5 srcport=50000 dstport=80 srcintf="internal" dstintf="wan1" proto=6 direction="incoming" filename="eicar.com" quarskip="No-skip" virus="EICAR_TEST_FILE" dtype="Virus" ref="http://www.fortinet.com/ve?vn=EICAR_TEST_FILE" virusid=2172 url="http://example.com/eicar.com" profile="default" user="tanaka" agent="curl/8.0" analyticscksum="abc" analyticssubmit="false""#;

#[test]
fn fortigate_virus_blocked() {
    let event = parse(FGT_VIRUS);
    assert_eq!(event.vendor, Vendor::Fortigate);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Malware, Action::Blocked));
    assert_eq!(event.device.as_deref(), Some("FGT60FTK20000001"));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:15:30.123456789+00:00");
    assert_eq!(event.utc_offset_seconds, Some(9 * 3600));
    assert!(!event.time_zone_assumed);
    assert_eq!(event.signature.as_deref(), Some("EICAR_TEST_FILE"));
    assert_eq!(event.src_ip, addr("192.168.1.10"));
    assert_eq!(event.src_port, Some(50000));
    assert_eq!(event.dst_ip, addr("203.0.113.5"));
    assert_eq!(event.dst_port, Some(80));
    assert_eq!(event.url.as_deref(), Some("http://example.com/eicar.com"));
    assert_eq!(event.user.as_deref(), Some("tanaka"));
    assert_eq!(event.severity, Some(Severity::Medium));
    assert_eq!(event.vendor_severity.as_deref(), Some("warning"));
}

#[rstest]
// IPS signature in prevention and in monitor mode.
#[case(r#"date=2024-05-01 time=10:00:00 devid="FGT1" logid="0419016384" type="utm" subtype="ips" eventtype="signature" level="alert" severity="critical" srcip=198.51.100.7 dstip=192.168.1.20 srcport=4444 dstport=445 action="dropped" attack="MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution" attackid=43796"#,
    Kind::Threat, Category::Intrusion, Action::Blocked, Some("MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution"))]
#[case(r#"date=2024-05-01 time=10:00:00 devid="FGT1" logid="0419016384" type="utm" subtype="ips" eventtype="signature" severity="medium" srcip=10.0.0.5 dstip=10.0.0.6 action="detected" attack="Nmap.Script.Scanner""#,
    Kind::Threat, Category::Intrusion, Action::Detected, Some("Nmap.Script.Scanner"))]
// Botnet C&C via IPS eventtype.
#[case(r#"devid="FGT1" logid="0422016400" type="utm" subtype="ips" eventtype="botnet" srcip=192.168.1.30 dstip=203.0.113.66 action="blocked" attack="Zeus.Botnet""#,
    Kind::Threat, Category::Botnet, Action::Blocked, Some("Zeus.Botnet"))]
// Webfilter block and allow (the allow is a usage record, not a threat).
#[case(r#"devid="FGT1" logid="0316013056" type="utm" subtype="webfilter" eventtype="ftgd_blk" srcip=192.168.1.10 dstip=203.0.113.9 hostname="malware.example" url="/dl.exe" action="blocked" cat=26 catdesc="Malicious Websites""#,
    Kind::Threat, Category::Web, Action::Blocked, Some("Malicious Websites"))]
#[case(r#"devid="FGT1" logid="0317013312" type="utm" subtype="webfilter" eventtype="ftgd_allow" srcip=192.168.1.10 dstip=203.0.113.9 hostname="news.example" url="/" action="passthrough" cat=36 catdesc="News and Media""#,
    Kind::Traffic, Category::Web, Action::Allowed, Some("News and Media"))]
// Application control block.
#[case(r#"devid="FGT1" logid="1059028704" type="utm" subtype="app-ctrl" eventtype="signature" srcip=192.168.1.10 dstip=203.0.113.10 action="block" app="BitTorrent" appcat="P2P""#,
    Kind::Threat, Category::Application, Action::Blocked, Some("BitTorrent"))]
// Anomaly (DoS policy) on 6.x and the 5.x top-level type.
#[case(r#"devid="FGT1" logid="0720018432" type="utm" subtype="anomaly" eventtype="anomaly" severity="critical" srcip=198.51.100.1 dstip=192.168.1.1 action="clear_session" attack="tcp_syn_flood""#,
    Kind::Threat, Category::Anomaly, Action::Blocked, Some("tcp_syn_flood"))]
#[case(r#"devid=FGT1 logid=0720018433 type=anomaly subtype=anomaly srcip=198.51.100.1 dstip=192.168.1.1 action=detected attack=icmp_flood"#,
    Kind::Threat, Category::Anomaly, Action::Detected, Some("icmp_flood"))]
// DNS filter: botnet domain blocked.
#[case(r#"devid="FGT1" logid="1501054601" type="utm" subtype="dns" eventtype="dns-response" srcip=192.168.1.10 dstip=192.168.1.1 qname="cnc.example" action="block" msg="Domain was blocked because it is in the botnet C&C domain list." botnetdomain="cnc.example""#,
    Kind::Threat, Category::Botnet, Action::Blocked, Some("cnc.example"))]
// Email filter spam and DLP.
#[case(r#"devid="FGT1" logid="0508020503" type="utm" subtype="emailfilter" eventtype="smtp" srcip=203.0.113.20 dstip=192.168.1.25 action="blocked" from="spam@example.net" subject="win""#,
    Kind::Threat, Category::Spam, Action::Blocked, None)]
#[case(r#"devid="FGT1" logid="0954024576" type="utm" subtype="dlp" eventtype="dlp" srcip=192.168.1.10 dstip=203.0.113.30 action="block" filtername="credit-card""#,
    Kind::Threat, Category::DataLeak, Action::Blocked, Some("credit-card"))]
// Traffic logs with UTM summary fields stay traffic: no double counting.
#[case(r#"date=2024-05-01 time=10:00:00 devid="FGT1" logid="0000000013" type="traffic" subtype="forward" srcip=192.168.1.10 dstip=203.0.113.5 srcport=50000 dstport=80 action="close" utmaction="block" countav=1 countips=2 utmevent="virus""#,
    Kind::Traffic, Category::Other, Action::Allowed, None)]
#[case(r#"devid="FGT1" logid="0000000013" type="traffic" subtype="forward" srcip=192.168.1.10 dstip=203.0.113.5 action="deny" policyid=0"#,
    Kind::Traffic, Category::Other, Action::Blocked, None)]
// Event log.
#[case(r#"date=2024-05-01 time=10:00:00 devid="FGT1" logid="0100032001" type="event" subtype="system" level="information" user="admin" action="login" status="success""#,
    Kind::Event, Category::Other, Action::Allowed, None)]
fn fortigate_classification(
    #[case] line: &str,
    #[case] kind: Kind,
    #[case] category: Category,
    #[case] action: Action,
    #[case] signature: Option<&str>,
) {
    let event = parse_line(line.as_bytes(), Some(Vendor::Fortigate)).unwrap();
    assert_eq!((event.kind, event.category, event.action), (kind, category, action));
    assert_eq!(event.signature.as_deref(), signature);
    // Auto-detection agrees with the forced vendor.
    assert_eq!(parse_line(line.as_bytes(), None).unwrap().vendor, Vendor::Fortigate);
}

#[test]
fn fortigate_time_variants() {
    // FortiOS 5.x: no tz → Tokyo assumed.
    let event = parse(
        r#"date=2016-06-15 time=10:42:31 devname=fw devid=FGT1 logid=0000000013 type=traffic subtype=forward status=accept"#,
    );
    assert_eq!(event.time.unwrap().to_rfc3339(), "2016-06-15T01:42:31+00:00");
    assert!(event.time_zone_assumed);
    // eventtime in seconds, milliseconds and microseconds.
    for eventtime in ["1714526130", "1714526130000", "1714526130000000"] {
        let line = format!(
            r#"devid="FGT1" logid="0000000013" type="traffic" eventtime={eventtime} tz="+0900" action="accept""#
        );
        let event = parse_line(line.as_bytes(), None).unwrap();
        assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:15:30+00:00");
    }
}

#[test]
fn fortigate_csv_and_syslog_header() {
    let event = parse(
        r#"<189>date=2024-05-01,time=10:00:00,devid="FGT1",logid="0419016384",type="utm",subtype="ips",srcip=10.1.1.1,dstip=10.2.2.2,action="reset",attack="Web.Shell, Upload",tz="+0900""#,
    );
    assert_eq!((event.category, event.action), (Category::Intrusion, Action::Blocked));
    assert_eq!(event.signature.as_deref(), Some("Web.Shell, Upload"));
    assert_eq!(event.src_ip, addr("10.1.1.1"));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:00:00+00:00");
}

#[test]
fn fortigate_cef_maps_to_fortigate() {
    let line = r"CEF:0|Fortinet|Fortigate|v7.2.8|16384|utm:ips signature dropped|7|deviceExternalId=FGT60FTK20000001 FTNTFGTlogid=0419016384 cat=utm:ips FTNTFGTsubtype=ips FTNTFGTeventtype=signature FTNTFGTlevel=alert FTNTFGTseverity=high src=198.51.100.7 spt=4444 dst=192.168.1.20 dpt=445 act=dropped FTNTFGTattack=Exploit.Kit cs1=x\=y";
    let event = parse(line);
    assert_eq!(event.vendor, Vendor::Fortigate);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Intrusion, Action::Blocked));
    assert_eq!(event.device.as_deref(), Some("FGT60FTK20000001"));
    assert_eq!(event.signature.as_deref(), Some("Exploit.Kit"));
    assert_eq!(
        (event.src_ip, event.src_port, event.dst_ip, event.dst_port),
        (addr("198.51.100.7"), Some(4444), addr("192.168.1.20"), Some(445))
    );
    assert_eq!(event.severity, Some(Severity::High));
}

#[test]
fn sophos_sfos_idp_drop_and_firewall_allow() {
    let event = parse(
        r#"device="SFW" date=2024-05-01 time=10:00:00 timezone="JST" device_name="XGS2100" device_id=X1234567890 log_id=020703406001 log_type="IDP" log_component="Anomaly" log_subtype="Drop" priority=Warning signature_id=1234 signature_msg="SERVER-WEBAPP exploit" src_ip=198.51.100.3 dst_ip=192.168.10.5 protocol="TCP" src_port=40000 dst_port=443"#,
    );
    assert_eq!(event.vendor, Vendor::Sophos);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Intrusion, Action::Blocked));
    assert_eq!(event.device.as_deref(), Some("X1234567890"));
    assert_eq!(event.signature.as_deref(), Some("SERVER-WEBAPP exploit"));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:00:00+00:00");
    let event = parse(
        r#"timestamp="2025-03-12T11:03:06+0900" device_model="XGS136" device_serial_id="X4321" log_id="010101600001" log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" src_ip=192.168.10.5 dst_ip=203.0.113.8 src_port=50001 dst_port=443"#,
    );
    assert_eq!((event.kind, event.action), (Kind::Traffic, Action::Allowed));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2025-03-12T02:03:06+00:00");
}

#[test]
fn sophos_utm9_packet_dropped() {
    let event = parse(
        r#"<30>2024:05:01-10:00:00 utm ulogd[1234]: id="2001" severity="info" sys="SecureNet" sub="packetfilter" name="Packet dropped" action="drop" fwrule="60001" srcip="198.51.100.9" dstip="192.168.1.1" proto="6" srcport="5555" dstport="22""#,
    );
    assert_eq!(event.vendor, Vendor::Sophos);
    assert_eq!((event.kind, event.action), (Kind::Traffic, Action::Blocked));
    assert_eq!(event.dst_port, Some(22));
}

#[test]
fn paloalto_threat_csv() {
    let line = r#"<14>May  1 10:00:00 pa-820 1,2024/05/01 10:00:00,012801000001,THREAT,vulnerability,2562,2024/05/01 10:00:00,198.51.100.4,192.168.20.10,0.0.0.0,0.0.0.0,rule-in,,,web-browsing,vsys1,untrust,trust,ethernet1/1,ethernet1/2,fwd,2024/05/01 10:00:00,12345,1,51000,80,0,0,0x2000,tcp,reset-both,"/cgi-bin/x.cgi?a=1,2",Apache Struts Remote Code Execution Vulnerability(33403),any,critical,client-to-server,1111,0x0,US,JP,0,,0,,,0,,,,,,,,0,0,0,0,0,,pa-820,,,,,0,,0,,N/A,code-execution,AppThreat-8000,0x0"#;
    let event = parse(line);
    assert_eq!(event.vendor, Vendor::Paloalto);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Intrusion, Action::Blocked));
    assert_eq!(event.device.as_deref(), Some("012801000001"));
    assert_eq!(event.signature.as_deref(), Some("Apache Struts Remote Code Execution Vulnerability(33403)"));
    assert_eq!(event.url.as_deref(), Some("/cgi-bin/x.cgi?a=1,2"));
    assert_eq!(event.severity, Some(Severity::Critical));
    assert_eq!((event.src_port, event.dst_port), (Some(51000), Some(80)));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:00:00+00:00");
}

#[test]
fn paloalto_traffic_deny() {
    let event = parse(
        "1,2024/05/01 10:00:00,012801000001,TRAFFIC,drop,2562,2024/05/01 10:00:00,198.51.100.4,192.168.20.10,0.0.0.0,0.0.0.0,deny-all,,,not-applicable,vsys1,untrust,trust,ethernet1/1,,fwd,2024/05/01 10:00:00,0,1,51000,23,0,0,0x0,tcp,deny,60,60,0,1",
    );
    assert_eq!((event.kind, event.action), (Kind::Traffic, Action::Blocked));
    assert_eq!(event.dst_port, Some(23));
}

#[test]
fn checkpoint_log_exporter() {
    let event = parse(
        "<134>1 2024-05-01T10:00:00+09:00 mgmt CheckPoint 1234 - - time=1714525200|hostname=gw1|product=Anti-Bot|action=Prevent|src=192.168.1.50|dst=203.0.113.77|s_port=51515|service=443|protection_name=Trojan.Win32.Emotet.C|severity=High|origin=10.0.0.1",
    );
    assert_eq!(event.vendor, Vendor::Checkpoint);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Botnet, Action::Blocked));
    assert_eq!(event.signature.as_deref(), Some("Trojan.Win32.Emotet.C"));
    assert_eq!(event.device.as_deref(), Some("10.0.0.1"));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:00:00+00:00");
}

#[rstest]
#[case(
    "<164>May 01 2024 10:00:00: %ASA-4-106023: Deny tcp src outside:198.51.100.5/40000 dst inside:192.168.1.10/3389 by access-group \"outside_in\" [0x0, 0x0]",
    Kind::Traffic,
    Category::Other,
    Action::Blocked,
    "198.51.100.5",
    3389
)]
#[case(
    "%ASA-6-302013: Built inbound TCP connection 123 for outside:198.51.100.5/40000 (198.51.100.5/40000) to dmz:192.168.2.10/443 (203.0.113.10/443)",
    Kind::Traffic,
    Category::Other,
    Action::Allowed,
    "198.51.100.5",
    443
)]
#[case(
    "%ASA-4-338008: Dynamic filter dropped blacklisted TCP traffic from inside:192.168.1.20/50000 (203.0.113.1/50000) to outside:198.51.100.66/80 (198.51.100.66/80), destination 198.51.100.66 resolved from dynamic list: bad.example",
    Kind::Threat,
    Category::Botnet,
    Action::Blocked,
    "192.168.1.20",
    80
)]
#[case(
    "%FTD-1-430001: EventPriority: High, SrcIP: 198.51.100.8, DstIP: 192.168.1.30, SrcPort: 12345, DstPort: 80, Protocol: tcp, InlineResult: Blocked, Message: SERVER-WEBAPP exploit attempt",
    Kind::Threat,
    Category::Intrusion,
    Action::Blocked,
    "198.51.100.8",
    80
)]
fn cisco(
    #[case] line: &str,
    #[case] kind: Kind,
    #[case] category: Category,
    #[case] action: Action,
    #[case] source: &str,
    #[case] destination_port: u16,
) {
    let event = parse(line);
    assert_eq!(event.vendor, Vendor::Cisco);
    assert_eq!((event.kind, event.category, event.action), (kind, category, action));
    assert_eq!(event.src_ip, addr(source));
    assert_eq!(event.dst_port, Some(destination_port));
}

#[test]
fn sonicwall_ips_prevention() {
    let event = parse(
        r#"<134> id=firewall sn=0017C5000001 time="2024-05-01 10:00:00" fw=203.0.113.2 pri=1 c=32 gcat=3 m=609 msg="IPS Prevention Alert: WEB-ATTACKS exploit" sid=1234 src=198.51.100.4:40000:X1 dst=192.168.1.10:80:X0 proto=tcp/http fw_action="drop""#,
    );
    assert_eq!(event.vendor, Vendor::Sonicwall);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Intrusion, Action::Blocked));
    assert_eq!(event.device.as_deref(), Some("0017C5000001"));
    assert_eq!((event.src_ip, event.src_port, event.dst_port), (addr("198.51.100.4"), Some(40000), Some(80)));
}

#[test]
fn watchguard_native_deny() {
    let event = parse(
        r#"<140>May  1 10:00:00 FBX-T40 firewall: msg_id="3000-0148" Deny 0-External 1-Trusted tcp 198.51.100.4 192.168.1.10 40000 3389 offset 5 A 123 (Unhandled External Packet-00)"#,
    );
    assert_eq!(event.vendor, Vendor::Watchguard);
    assert_eq!((event.kind, event.action), (Kind::Traffic, Action::Blocked));
    assert_eq!(
        (event.src_ip, event.dst_ip, event.src_port, event.dst_port),
        (addr("198.51.100.4"), addr("192.168.1.10"), Some(40000), Some(3389))
    );
    assert_eq!(event.device.as_deref(), Some("FBX-T40"));
}

#[test]
fn juniper_idp_and_flow() {
    let event = parse(
        r#"<14>1 2024-05-01T10:00:00.000+09:00 srx1 RT_IDP - RT_IDP_ATTACK_LOG_EVENT [junos@2636.1.1.1.2.129 source-address="198.51.100.4" source-port="40000" destination-address="192.168.1.10" destination-port="80" attack-name="HTTP:SQL:INJ:GENERIC" action="DROP" threat-severity="HIGH"]"#,
    );
    assert_eq!(event.vendor, Vendor::Juniper);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Intrusion, Action::Blocked));
    assert_eq!(event.signature.as_deref(), Some("HTTP:SQL:INJ:GENERIC"));
    assert_eq!(event.device.as_deref(), Some("srx1"));
    let event = parse(
        "<14>May  1 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_DENY: session denied 198.51.100.4/40000->192.168.1.10/23 junos-telnet 6(0) default-deny untrust trust",
    );
    assert_eq!((event.kind, event.action), (Kind::Traffic, Action::Blocked));
    assert_eq!((event.src_ip, event.dst_port), (addr("198.51.100.4"), Some(23)));
}

#[test]
fn pfsense_filterlog_block() {
    let event = parse(
        "<134>May  1 10:00:00 fw filterlog[1234]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,198.51.100.4,192.168.1.1,40000,22,0,S,123,,64240,,mss",
    );
    assert_eq!(event.vendor, Vendor::Pfsense);
    assert_eq!((event.kind, event.action), (Kind::Traffic, Action::Blocked));
    assert_eq!(
        (event.src_ip, event.dst_ip, event.src_port, event.dst_port),
        (addr("198.51.100.4"), addr("192.168.1.1"), Some(40000), Some(22))
    );
    let event = parse(
        "<134>1 2024-05-01T10:00:00+09:00 opn filterlog 1 - [meta sequenceId=\"1\"] 7,,,abc,igb0,match,pass,out,6,0x00,0x00000,64,udp,17,40,2001:db8::1,2001:db8::2,5353,53,40",
    );
    assert_eq!(event.action, Action::Allowed);
    assert_eq!((event.src_ip, event.dst_port), (addr("2001:db8::1"), Some(53)));
}

#[test]
fn suricata_alert_blocked() {
    let event = parse(
        r#"{"timestamp":"2024-05-01T10:00:00.123456+0900","flow_id":1,"event_type":"alert","src_ip":"192.168.1.10","src_port":50000,"dest_ip":"203.0.113.9","dest_port":443,"proto":"TCP","alert":{"action":"blocked","gid":1,"signature_id":2030000,"rev":1,"signature":"ET MALWARE Win32/Example CnC Checkin","category":"A Network Trojan was detected","severity":1}}"#,
    );
    assert_eq!(event.vendor, Vendor::Suricata);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Botnet, Action::Blocked));
    assert_eq!(event.severity, Some(Severity::High));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:00:00.123456+00:00");
    assert_eq!(event.utc_offset_seconds, Some(9 * 3600));
}

#[test]
fn generic_cef_and_leef() {
    let event = parse(
        r"CEF:0|ExampleVendor|ExampleIPS|1.0|100|Malware download blocked|8|src=192.168.1.10 dst=203.0.113.9 spt=50000 dpt=80 act=blocked request=http://bad.example/x.exe suser=suzuki msg=a\=b c",
    );
    assert_eq!(event.vendor, Vendor::Cef);
    assert_eq!((event.kind, event.category, event.action), (Kind::Threat, Category::Malware, Action::Blocked));
    assert_eq!(event.url.as_deref(), Some("http://bad.example/x.exe"));
    assert_eq!(event.user.as_deref(), Some("suzuki"));
    assert_eq!(event.severity, Some(Severity::High));
    let event = parse(
        "LEEF:1.0|ExampleVendor|FW|1.0|Deny|src=198.51.100.4\tdst=192.168.1.10\tsrcPort=40000\tdstPort=22\tdevTime=May 01 2024 10:00:00\taction=deny",
    );
    assert_eq!(event.vendor, Vendor::Leef);
    assert_eq!((event.kind, event.action), (Kind::Traffic, Action::Blocked));
    assert_eq!(event.time.unwrap().to_rfc3339(), "2024-05-01T01:00:00+00:00");
}

#[test]
fn unparsable_lines_are_errors_not_panics() {
    for line in ["", "   ", "hello world", "<13>", "CEF:0|truncated", "{\"event_type\":", "1,2,3"] {
        assert!(parse_syslog_line(line.as_bytes(), None).is_err(), "{line:?}");
    }
    let error = parse_line(b"nothing here", None).unwrap_err();
    assert_eq!(error.reason, utm::UnparsedReason::UnknownFormat);
}

#[test]
fn vendor_codes_round_trip() {
    for vendor in Vendor::ALL {
        assert_eq!(Vendor::from_code(vendor.code()), Some(vendor));
        assert_eq!(serde_json::to_value(vendor).unwrap(), vendor.code());
    }
    assert_eq!(Vendor::from_code("FortiGate"), None);
    assert_eq!(serde_json::to_value(Category::DataLeak).unwrap(), "data_leak");
    assert_eq!(serde_json::to_value(Action::Detected).unwrap(), "detected");
    assert_eq!(serde_json::to_value(Kind::Threat).unwrap(), "threat");
}

#[test]
fn owned_event_round_trips_through_json() {
    let owned = parse(FGT_VIRUS).into_owned();
    let json = serde_json::to_string(&owned).unwrap();
    let back: utm::OwnedEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(back, owned);
}
