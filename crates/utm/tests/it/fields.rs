//! The transport protocol, the firewall policy and the device's kind of identifier, per vendor,
//! on lines written after each vendor's log reference (field names and layouts as documented;
//! addresses from the documentation ranges).

use utm::{Event, parse_syslog_line};

fn parse(line: &str) -> Event<'_> {
    parse_syslog_line(line.as_bytes(), None).unwrap_or_else(|error| panic!("{error}: {line}"))
}

/// (line, transport, policy id, policy name, device, device is a serial)
#[allow(clippy::type_complexity)]
const LINES: &[(&str, Option<&str>, Option<&str>, Option<&str>, Option<&str>, bool)] = &[
    // FortiOS 7 traffic log: `proto` is the IANA number, `policyid`/`policyname` the policy.
    (
        r#"date=2024-05-01 time=10:15:31 devname="FGT60F" devid="FGT60FTK20000001" eventtime=1714526131000000000 tz="+0900" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=192.168.1.10 srcport=50000 dstip=203.0.113.5 dstport=443 proto=6 action="accept" policyid=1 policytype="policy" policyname="LAN-to-WAN""#,
        Some("tcp"),
        Some("1"),
        Some("LAN-to-WAN"),
        Some("FGT60FTK20000001"),
        true,
    ),
    // FortiOS without `devid`: the device name is not a serial.
    (
        r#"date=2024-05-01 time=10:15:31 devname="branch-fw" logid="0000000013" type="traffic" subtype="forward" srcip=192.168.1.10 dstip=203.0.113.5 proto=17 action="deny" policyid=0"#,
        Some("udp"),
        Some("0"),
        None,
        Some("branch-fw"),
        false,
    ),
    // PAN-OS 10 TRAFFIC CSV: field 12 is the rule, field 30 the protocol.
    (
        "1,2024/05/01 10:15:31,012801000001,TRAFFIC,end,2560,2024/05/01 10:15:31,192.168.1.10,203.0.113.5,0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,,12345,1,50000,443,0,0,0x400000,tcp,allow,5120,1024,4096,20,2024/05/01 10:15:01,30,computer-and-internet-info,,7000001,0x0,192.168.0.0-192.168.255.255,United States,,10,10,tcp-fin",
        Some("tcp"),
        None,
        Some("allow-web"),
        Some("012801000001"),
        true,
    ),
    // Sophos Firewall v20: `protocol`, `fw_rule_id`, `fw_rule_name`, `device_serial_id`.
    (
        r#"device_name="SFW" timestamp="2025-03-12T11:03:06+0900" device_model="XGS136" device_serial_id="C01001K234RXPF1" log_id="010101600001" log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" status="Allow" fw_rule_id="5" fw_rule_name="LAN to WAN" src_ip="192.168.1.10" dst_ip="203.0.113.5" protocol="TCP" src_port=50000 dst_port=443"#,
        Some("tcp"),
        Some("5"),
        Some("LAN to WAN"),
        Some("C01001K234RXPF1"),
        true,
    ),
    // WatchGuard Fireware traffic message: protocol word, policy in parentheses, serial first.
    (
        r#"<140>Feb 10 21:21:17 fbx FVE1234567890 (2026-02-10T12:21:17) firewall: msg_id="3000-0148" Allow 1-Trusted 0-External 60 tcp 20 64 10.0.1.2 203.0.113.5 52803 443 offset 10 S 1234 win 64240 (HTTPS-proxy-00)"#,
        Some("tcp"),
        None,
        Some("HTTPS-proxy-00"),
        Some("FVE1234567890"),
        true,
    ),
    // Cisco ASA 106023: protocol word and the access group.
    (
        r#"<164>May 01 2024 10:15:31 asa %ASA-4-106023: Deny tcp src outside:198.51.100.7/51234 dst inside:192.0.2.10/445 by access-group "outside_access_in" [0x0, 0x0]"#,
        Some("tcp"),
        None,
        Some("outside_access_in"),
        Some("asa"),
        false,
    ),
    // Cisco ASA 106100: the access list named first.
    (
        "<166>May 01 2024 10:15:31 asa %ASA-6-106100: access-list inside_in permitted udp inside/192.168.1.10(50000) -> outside/203.0.113.5(53) hit-cnt 1 first hit [0x1, 0x0]",
        Some("udp"),
        None,
        Some("inside_in"),
        Some("asa"),
        false,
    ),
    // pfSense filterlog (IPv4, TCP): field 17 the protocol, field 4 the rule's tracker id.
    (
        "<134>Jun  9 14:44:11 pfsense filterlog[123]: 5,,,1000000103,igb1,match,block,in,4,0x0,,64,12345,0,DF,6,tcp,60,198.51.100.7,192.0.2.10,51234,445,0,S,123456,,64240,,mss",
        Some("tcp"),
        Some("1000000103"),
        None,
        Some("pfsense"),
        false,
    ),
    // SonicOS: `proto=tcp/https`, `rule="5 (LAN->WAN)"`, `sn` the serial.
    (
        r#"<134> id=firewall sn=0040103CE114 time="2024-05-01 10:15:31" fw=203.0.113.1 pri=6 c=262144 m=98 msg="Connection Opened" src=192.168.1.10:50000:X0 dst=203.0.113.5:443:X1 proto=tcp/https rule="5 (LAN->WAN)""#,
        Some("tcp"),
        None,
        Some("5 (LAN->WAN)"),
        Some("0040103CE114"),
        true,
    ),
    // Suricata EVE alert: `proto` in capitals.
    (
        r#"{"timestamp":"2024-05-01T10:15:31.123456+0900","event_type":"alert","src_ip":"198.51.100.7","src_port":51234,"dest_ip":"192.0.2.10","dest_port":445,"proto":"TCP","alert":{"action":"blocked","signature_id":2019284,"signature":"ET EXPLOIT test","category":"Attempted Administrator Privilege Gain","severity":1}}"#,
        Some("tcp"),
        None,
        None,
        None,
        false,
    ),
];

#[test]
fn transport_policy_and_device_per_vendor() {
    for (line, transport, policy_id, policy_name, device, serial) in LINES {
        let event = parse(line);
        assert_eq!(event.transport.as_deref(), *transport, "transport of {line}");
        assert_eq!(event.policy_id.as_deref(), *policy_id, "policy id of {line}");
        assert_eq!(event.policy_name.as_deref(), *policy_name, "policy name of {line}");
        assert_eq!(event.device.as_deref(), *device, "device of {line}");
        assert_eq!(event.device_is_serial, *serial, "device kind of {line}");
    }
}

#[test]
fn junos_structured_session_deny_names_protocol_and_policy() {
    let line = r#"<14>1 2024-05-01T10:15:31.000+09:00 srx RT_FLOW - RT_FLOW_SESSION_DENY [junos@2636.1.1.1.2.129 source-address="198.51.100.7" source-port="51234" destination-address="192.0.2.10" destination-port="445" service-name="junos-smb" protocol-id="6" icmp-type="0" policy-name="deny-all" source-zone-name="untrust" destination-zone-name="trust"]"#;
    let event = parse(line);
    assert_eq!(event.transport.as_deref(), Some("tcp"));
    assert_eq!(event.policy_name.as_deref(), Some("deny-all"));
    assert_eq!(event.dst_port, Some(445));
}
