//! A deterministic generator of FortiGate logs, for benchmarks and for testing the parser on
//! volume: FortiOS 7 `key=value` lines as the FortiGate 60F of a small office sends them.
//!
//! The mix follows what such a device logs in a working day: mostly `type="traffic"
//! subtype="forward"` session ends (some with the `utmaction`/`countweb`/`countips` summary),
//! denied probes from the internet, and the UTM subtypes (virus, ips, webfilter, app-ctrl,
//! anomaly, dns, emailfilter, dlp, ssl) plus system, VPN and user events. Field names and order
//! follow the FortiOS Log Message Reference (7.x); values (IPS attack and virus names, FortiGuard
//! categories, services) are ones those logs carry. Phishing and malware host names are invented.
//!
//! Each line comes with the classification it was written to have ([`Intent`]), decided here from
//! the template, not by calling the parser, so tests can hold the parser to it. This module writes
//! bytes only; it must not parse, and the same seed always yields the same bytes.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use crate::event::{Action, Category, Kind};

/// The classification a generated line is meant to parse to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    pub kind: Kind,
    pub category: Category,
    pub action: Action,
}

/// Totals of one [`Generator::write_to`] call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Written {
    pub lines: u64,
    pub bytes: u64,
    /// Lines meant to parse as [`Kind::Threat`].
    pub threats: u64,
}

/// Writes FortiGate log lines from a seed. Lines are spread over three devices and advance the
/// clock by 0–200 ms each (about 10 lines per second), so a gigabyte covers a day and a half.
#[derive(Debug, Clone)]
pub struct Generator {
    rng: Rng,
    clock_ns: u64,
    session: u64,
    cached_second: u64,
    date_time: Vec<u8>,
    devices: Vec<Device>,
}

#[derive(Debug, Clone)]
struct Device {
    name: &'static str,
    serial: String,
    /// Third octet of the office LAN `192.168.x.0/24`.
    lan: u8,
    wan: [u8; 4],
}

/// 2025-06-02T00:00:00+09:00, a Monday.
const DEFAULT_START_SECONDS: i64 = 1_748_790_000;

impl Generator {
    /// A generator starting on Monday 2025-06-02 00:00 Tokyo time.
    pub fn new(seed: u64) -> Generator {
        Generator::starting_at(seed, DateTime::from_timestamp(DEFAULT_START_SECONDS, 0).unwrap_or_default())
    }

    /// A generator whose first line is at `start`.
    pub fn starting_at(seed: u64, start: DateTime<Utc>) -> Generator {
        let mut rng = Rng::new(seed);
        let names = ["FG60F-Sakura-Kogyo", "FG60F-Kanda-Office", "FG60F-Minato-Clinic"];
        let devices = names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let serial = format!("FGT60FTK{:08}", 20_000_000 + rng.below(9_999_999));
                Device {
                    name,
                    serial,
                    lan: [1, 10, 100][index],
                    wan: [203, 0, 113, 10 + index as u8 * 16 + rng.below(8) as u8],
                }
            })
            .collect();
        let start_ns = u64::try_from(start.timestamp()).unwrap_or(0) * 1_000_000_000;
        Generator {
            rng,
            clock_ns: start_ns,
            session: 1_000_000 + seed % 1_000_000,
            cached_second: u64::MAX,
            date_time: Vec::with_capacity(32),
            devices,
        }
    }

    /// Appends one line and its `\n` to `out`; returns what it should parse to.
    pub fn next_line(&mut self, out: &mut Vec<u8>) -> Intent {
        self.clock_ns += self.rng.below(200_000_000);
        self.session += 1 + self.rng.below(3);
        let device = self.rng.below(self.devices.len() as u64) as usize;
        let template = pick_template(self.rng.below(TEMPLATE_WEIGHT_TOTAL));
        let mut line = Line { out };
        self.header(&mut line, device, template.logid, template.log_type, template.subtype);
        let intent = self.body(&mut line, device, template.body);
        line.out.push(b'\n');
        intent
    }

    /// Writes lines to `writer` until at least `bytes` bytes have been written.
    pub fn write_to(&mut self, writer: &mut impl Write, bytes: u64) -> io::Result<Written> {
        let mut written = Written::default();
        let mut buffer = Vec::with_capacity(1 << 20);
        while written.bytes < bytes {
            buffer.clear();
            while buffer.len() < (1 << 20) - 4096 && written.bytes + (buffer.len() as u64) < bytes {
                let intent = self.next_line(&mut buffer);
                written.lines += 1;
                written.threats += u64::from(intent.kind == Kind::Threat);
            }
            writer.write_all(&buffer)?;
            written.bytes += buffer.len() as u64;
        }
        Ok(written)
    }

    fn header(&mut self, line: &mut Line<'_>, device: usize, logid: &str, log_type: &str, subtype: &str) {
        let second = self.clock_ns / 1_000_000_000;
        if second != self.cached_second {
            self.cached_second = second;
            self.date_time.clear();
            write_local_date_time(&mut self.date_time, second);
        }
        line.out.extend_from_slice(&self.date_time);
        let device = &self.devices[device];
        line.quoted("devname", device.name);
        line.quoted("devid", &device.serial);
        line.number("eventtime", self.clock_ns + self.rng.below(1_000_000));
        line.quoted("tz", "+0900");
        line.quoted("logid", logid);
        line.quoted("type", log_type);
        line.quoted("subtype", subtype);
    }

    fn body(&mut self, line: &mut Line<'_>, device: usize, body: Body) -> Intent {
        match body {
            Body::TrafficForward => self.traffic_forward(line, device),
            Body::TrafficForwardDeny => self.traffic_forward_deny(line, device),
            Body::TrafficLocalDeny => self.traffic_local(line, device, false),
            Body::TrafficLocalAccept => self.traffic_local(line, device, true),
            Body::Virus { blocked } => self.virus(line, device, blocked),
            Body::Ips { eventtype, blocked } => self.ips(line, device, eventtype, blocked),
            Body::Webfilter { outcome } => self.webfilter(line, device, outcome),
            Body::AppCtrl { blocked } => self.app_ctrl(line, device, blocked),
            Body::Anomaly { blocked } => self.anomaly(line, device, blocked),
            Body::Dns { outcome } => self.dns(line, device, outcome),
            Body::Email { blocked } => self.email(line, device, blocked),
            Body::Dlp { blocked } => self.dlp(line, device, blocked),
            Body::Ssl { blocked } => self.ssl(line, device, blocked),
            Body::Event { kind } => self.event(line, device, kind),
        }
    }

    fn traffic_forward(&mut self, line: &mut Line<'_>, device: usize) -> Intent {
        let service = *self.pick(OUTBOUND_SERVICES);
        let destination = *self.pick(DESTINATIONS);
        let tcp = service.protocol == 6;
        let action = if tcp {
            *self.pick(&["close", "close", "close", "close", "close", "close", "timeout", "client-rst", "server-rst"])
        } else {
            *self.pick(&["accept", "accept", "accept", "timeout"])
        };
        line.quoted("level", "notice");
        line.quoted("vd", "root");
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        line.quoted("srcintf", "internal");
        line.quoted("srcintfrole", "lan");
        let destination_ip = self.public_ip(destination.first_octets);
        line.ip("dstip", destination_ip);
        line.number("dstport", u64::from(service.port));
        line.quoted("dstintf", "wan1");
        line.quoted("dstintfrole", "wan");
        line.quoted("srccountry", "Reserved");
        line.quoted("dstcountry", destination.country);
        line.number("sessionid", self.session);
        line.number("proto", u64::from(service.protocol));
        line.quoted("action", action);
        line.number("policyid", 1);
        line.quoted("policytype", "policy");
        line.quoted("poluuid", "7c2d5a40-3f1e-51ee-8c4b-2a6b9e0d1f35");
        line.quoted("policyname", "LAN-to-WAN");
        line.quoted("service", service.name);
        line.quoted("trandisp", "snat");
        line.ip("transip", self.devices[device].wan);
        line.number("transport", source_port);
        line.number("appid", u64::from(destination.app_id));
        line.quoted("app", destination.app);
        line.quoted("appcat", destination.app_category);
        line.quoted("apprisk", destination.app_risk);
        line.quoted("applist", "default");
        let duration = self.rng.below(180);
        line.number("duration", duration);
        let sent = 60 + self.rng.below(40_000);
        let received = 60 + self.rng.below(400_000);
        line.number("sentbyte", sent);
        line.number("rcvdbyte", received);
        line.number("sentpkt", 1 + sent / 700);
        line.number("rcvdpkt", 1 + received / 1200);
        // The UTM summary: a web or IPS profile saw this session. The matching UTM log, when
        // there is one, is a separate line; this one stays traffic.
        match self.rng.below(20) {
            0..=3 if service.port == 443 || service.port == 80 => {
                line.quoted("utmaction", "allow");
                line.number("countweb", 1);
            }
            4 => {
                line.quoted("utmaction", "allow");
                line.number("countips", 1);
            }
            5 => {
                line.quoted("utmaction", "block");
                line.number("countweb", 1);
            }
            _ => {}
        }
        line.number("vwlid", 0);
        line.quoted("srchwvendor", self.word(&["Microsoft", "Apple", "Dell", "Lenovo", "HP", "Brother"]));
        line.quoted("osname", self.word(&["Windows", "Windows", "Windows", "macOS", "iOS", "Android"]));
        self.mac(line, "mastersrcmac");
        self.mac(line, "srcmac");
        line.number("srcserver", 0);
        traffic(Action::Allowed)
    }

    fn traffic_forward_deny(&mut self, line: &mut Line<'_>, device: usize) -> Intent {
        let service = *self.pick(&[SERVICES[6], SERVICES[7], SERVICES[9], SERVICES[0]]);
        line.quoted("level", "notice");
        line.quoted("vd", "root");
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        line.quoted("srcintf", "internal");
        line.quoted("srcintfrole", "lan");
        let destination_ip = self.public_ip(&[45, 91, 185, 193]);
        line.ip("dstip", destination_ip);
        line.number("dstport", u64::from(service.port));
        line.quoted("dstintf", "wan1");
        line.quoted("dstintfrole", "wan");
        line.quoted("srccountry", "Reserved");
        line.quoted("dstcountry", self.word(&["Russian Federation", "Netherlands", "Seychelles", "Bulgaria"]));
        line.number("sessionid", self.session);
        line.number("proto", u64::from(service.protocol));
        line.quoted("action", "deny");
        line.number("policyid", 0);
        line.quoted("policytype", "policy");
        line.quoted("service", service.name);
        line.quoted("trandisp", "noop");
        line.number("duration", 0);
        line.number("sentbyte", 0);
        line.number("rcvdbyte", 0);
        line.number("sentpkt", 0);
        line.quoted("appcat", "unscanned");
        line.number("crscore", 30);
        line.number("craction", 131_072);
        line.quoted("crlevel", "high");
        traffic(Action::Blocked)
    }

    /// Sessions to the FortiGate itself: internet probes denied by the local-in policy, or
    /// FortiGuard and NTP traffic it accepts.
    fn traffic_local(&mut self, line: &mut Line<'_>, device: usize, accept: bool) -> Intent {
        let (service, action) = if accept {
            (SERVICES[1], "accept")
        } else {
            (*self.pick(&[SERVICES[6], SERVICES[7], SERVICES[8], SERVICES[9], SERVICES[10]]), "deny")
        };
        line.quoted("level", "notice");
        line.quoted("vd", "root");
        let source = self.public_ip(ATTACKER_OCTETS);
        line.ip("srcip", source);
        line.number("srcport", 1024 + self.rng.below(64_000));
        line.quoted("srcintf", "wan1");
        line.quoted("srcintfrole", "wan");
        line.ip("dstip", self.devices[device].wan);
        line.number("dstport", u64::from(service.port));
        line.quoted("dstintf", "root");
        line.quoted("dstintfrole", "undefined");
        line.quoted("srccountry", self.word(COUNTRIES));
        line.quoted("dstcountry", "Japan");
        line.number("sessionid", self.session);
        line.number("proto", u64::from(service.protocol));
        line.quoted("action", action);
        line.number("policyid", 0);
        line.quoted("policytype", "local-in-policy");
        line.quoted("service", service.name);
        line.quoted("trandisp", "noop");
        line.quoted("app", service.name);
        line.number("duration", 0);
        line.number("sentbyte", 0);
        line.number("rcvdbyte", 0);
        line.number("sentpkt", 0);
        line.number("rcvdpkt", 0);
        line.quoted("appcat", "unscanned");
        traffic(if accept { Action::Allowed } else { Action::Blocked })
    }

    fn virus(&mut self, line: &mut Line<'_>, device: usize, blocked: bool) -> Intent {
        let (virus, file) = *self.pick(VIRUSES);
        line.quoted("eventtype", "infected");
        line.quoted("level", "warning");
        line.quoted("vd", "root");
        line.quoted("msg", "File is infected.");
        line.quoted("action", if blocked { "blocked" } else { "monitored" });
        line.quoted("service", "HTTPS");
        line.number("sessionid", self.session);
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        let destination = self.public_ip(ATTACKER_OCTETS);
        line.ip("dstip", destination);
        line.number("dstport", 443);
        line.quoted("srcintf", "internal");
        line.quoted("srcintfrole", "lan");
        line.quoted("dstintf", "wan1");
        line.quoted("dstintfrole", "wan");
        line.number("policyid", 1);
        line.number("proto", 6);
        line.quoted("direction", "incoming");
        line.quoted("filename", file);
        line.quoted("quarskip", "File-was-not-quarantined");
        line.quoted("virus", virus);
        line.quoted("viruscat", "Virus");
        line.quoted("dtype", "av-engine");
        line.number("virusid", 10_000_000 + self.rng.below(1_000_000));
        let host = self.suspicious_host();
        line.out.extend_from_slice(b" url=\"https://");
        line.out.extend_from_slice(&host);
        line.out.extend_from_slice(b"/download/");
        line.out.extend_from_slice(file.as_bytes());
        line.out.push(b'"');
        line.quoted("profile", "default");
        line.quoted("agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
        line.quoted("analyticssubmit", "false");
        line.number("crscore", 50);
        line.number("craction", 2);
        line.quoted("crlevel", "critical");
        threat(Category::Malware, if blocked { Action::Blocked } else { Action::Detected })
    }

    fn ips(&mut self, line: &mut Line<'_>, device: usize, eventtype: IpsEvent, blocked: bool) -> Intent {
        let (eventtype_word, attack, category) = match eventtype {
            IpsEvent::Signature => ("signature", *self.pick(IPS_ATTACKS), Category::Intrusion),
            IpsEvent::Botnet => ("botnet", *self.pick(BOTNETS), Category::Botnet),
            IpsEvent::MaliciousUrl => ("malicious-url", "Malicious.URL", Category::Web),
        };
        line.quoted("eventtype", eventtype_word);
        line.quoted("level", "alert");
        line.quoted("vd", "root");
        line.quoted("severity", self.word(&["critical", "high", "medium"]));
        let inbound = eventtype == IpsEvent::Signature;
        let lan_port = 49152 + self.rng.below(16_000);
        let remote = self.public_ip(ATTACKER_OCTETS);
        if inbound {
            line.ip("srcip", remote);
            line.quoted("srccountry", self.word(COUNTRIES));
            line.ip("dstip", [192, 168, self.devices[device].lan, 2 + self.rng.below(8) as u8]);
            line.quoted("dstcountry", "Reserved");
            line.quoted("srcintf", "wan1");
            line.quoted("srcintfrole", "wan");
            line.quoted("dstintf", "internal");
            line.quoted("dstintfrole", "lan");
        } else {
            self.lan_source(line, device, lan_port);
            line.quoted("srccountry", "Reserved");
            line.ip("dstip", remote);
            line.quoted("dstcountry", self.word(COUNTRIES));
            line.quoted("srcintf", "internal");
            line.quoted("srcintfrole", "lan");
            line.quoted("dstintf", "wan1");
            line.quoted("dstintfrole", "wan");
        }
        line.number("sessionid", self.session);
        let action = match (eventtype, blocked) {
            (_, false) => "detected",
            (IpsEvent::Signature, true) => *self.pick(&["dropped", "dropped", "reset"]),
            (_, true) => "blocked",
        };
        line.quoted("action", action);
        line.number("proto", 6);
        line.quoted("service", if inbound { "HTTPS" } else { "HTTP" });
        line.number("policyid", if inbound { 3 } else { 1 });
        line.quoted("attack", attack);
        if inbound {
            line.number("srcport", 1024 + self.rng.below(64_000));
            line.number("dstport", 443);
        } else {
            line.number("srcport", lan_port);
            line.number("dstport", 80);
        }
        line.quoted("direction", if inbound { "outgoing" } else { "incoming" });
        line.number("attackid", 10_000 + self.rng.below(90_000));
        line.quoted("profile", "default");
        line.number("incidentserialno", 100_000_000 + self.rng.below(900_000_000));
        match eventtype {
            IpsEvent::Signature => {
                line.out.extend_from_slice(b" msg=\"web_server: ");
                line.out.extend_from_slice(attack.as_bytes());
                line.out.push(b'"');
            }
            IpsEvent::Botnet => {
                line.out.extend_from_slice(b" msg=\"botnet: ");
                line.out.extend_from_slice(attack.as_bytes());
                line.out.push(b'"');
            }
            IpsEvent::MaliciousUrl => {
                let host = self.suspicious_host();
                line.out.extend_from_slice(b" url=\"http://");
                line.out.extend_from_slice(&host);
                line.out.extend_from_slice(b"/index.php\"");
                line.quoted("msg", "URL is in the malicious URL list.");
            }
        }
        line.number("crscore", 50);
        line.number("craction", 4096);
        line.quoted("crlevel", "critical");
        threat(category, if blocked { Action::Blocked } else { Action::Detected })
    }

    fn webfilter(&mut self, line: &mut Line<'_>, device: usize, outcome: WebOutcome) -> Intent {
        let (eventtype, level, action, msg) = match outcome {
            WebOutcome::Allowed => {
                ("ftgd_allow", "notice", "passthrough", "URL belongs to an allowed category in policy")
            }
            WebOutcome::Blocked => ("ftgd_blk", "warning", "blocked", "URL belongs to a denied category in policy"),
            WebOutcome::Warned => {
                ("ftgd_blk", "warning", "passthrough", "URL belongs to a category with warnings enabled")
            }
        };
        line.quoted("eventtype", eventtype);
        line.quoted("level", level);
        line.quoted("vd", "root");
        line.number("policyid", 1);
        line.number("sessionid", self.session);
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        line.quoted("srcintf", "internal");
        line.quoted("srcintfrole", "lan");
        let (category, description, host) = if outcome == WebOutcome::Allowed {
            let (category, description, host) = *self.pick(ALLOWED_SITES);
            (category, description, host.as_bytes().to_vec())
        } else {
            let (category, description) = *self.pick(BLOCKED_CATEGORIES);
            (category, description, self.suspicious_host())
        };
        line.ip("dstip", self.public_ip(&[104, 172, 185, 203]));
        line.number("dstport", 443);
        line.quoted("dstintf", "wan1");
        line.quoted("dstintfrole", "wan");
        line.number("proto", 6);
        line.quoted("service", "HTTPS");
        line.out.extend_from_slice(b" hostname=\"");
        line.out.extend_from_slice(&host);
        line.out.push(b'"');
        line.quoted("profile", "default");
        line.quoted("action", action);
        line.quoted("reqtype", "direct");
        line.quoted("url", self.word(&["/", "/index.html", "/login", "/news/", "/api/v1/items"]));
        line.number("sentbyte", 300 + self.rng.below(2000));
        line.number("rcvdbyte", if outcome == WebOutcome::Blocked { 0 } else { 1000 + self.rng.below(90_000) });
        line.quoted("direction", "outgoing");
        line.quoted("msg", msg);
        line.quoted("method", "domain");
        line.number("cat", u64::from(category));
        line.quoted("catdesc", description);
        match outcome {
            WebOutcome::Allowed => Intent { kind: Kind::Traffic, category: Category::Web, action: Action::Allowed },
            WebOutcome::Blocked => threat(Category::Web, Action::Blocked),
            WebOutcome::Warned => threat(Category::Web, Action::Detected),
        }
    }

    fn app_ctrl(&mut self, line: &mut Line<'_>, device: usize, blocked: bool) -> Intent {
        let (app, app_category, app_id) = if blocked {
            *self.pick(&[("BitTorrent", "P2P", 10_000u32), ("Tor", "Proxy", 16_238), ("uTorrent", "P2P", 15_716)])
        } else {
            let destination = *self.pick(DESTINATIONS);
            (destination.app, destination.app_category, destination.app_id)
        };
        line.quoted("eventtype", "signature");
        line.quoted("level", if blocked { "warning" } else { "information" });
        line.quoted("vd", "root");
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        line.ip("dstip", self.public_ip(&[13, 20, 52, 142, 157]));
        line.number("dstport", 443);
        line.quoted("srcintf", "internal");
        line.quoted("srcintfrole", "lan");
        line.quoted("dstintf", "wan1");
        line.quoted("dstintfrole", "wan");
        line.number("proto", 6);
        line.quoted("service", "HTTPS");
        line.quoted("direction", "outgoing");
        line.number("policyid", 1);
        line.number("sessionid", self.session);
        line.quoted("applist", "default");
        line.quoted("action", if blocked { "block" } else { "pass" });
        line.quoted("appcat", app_category);
        line.quoted("app", app);
        line.number("appid", u64::from(app_id));
        line.quoted("apprisk", if blocked { "high" } else { "elevated" });
        line.quoted("msg", if blocked { "P2P: BitTorrent" } else { "Collaboration: application detected" });
        let intent_action = if blocked { Action::Blocked } else { Action::Allowed };
        Intent {
            kind: if blocked { Kind::Threat } else { Kind::Traffic },
            category: Category::Application,
            action: intent_action,
        }
    }

    fn anomaly(&mut self, line: &mut Line<'_>, device: usize, blocked: bool) -> Intent {
        let attack = *self.pick(&["tcp_syn_flood", "udp_flood", "tcp_port_scan", "icmp_flood", "ip_src_session"]);
        line.quoted("eventtype", "anomaly");
        line.quoted("level", "alert");
        line.quoted("vd", "root");
        line.quoted("severity", "critical");
        line.ip("srcip", self.public_ip(ATTACKER_OCTETS));
        line.quoted("srccountry", self.word(COUNTRIES));
        line.ip("dstip", self.devices[device].wan);
        line.quoted("srcintf", "wan1");
        line.quoted("srcintfrole", "wan");
        line.number("sessionid", 0);
        line.quoted("action", if blocked { "clear_session" } else { "detected" });
        line.number("proto", 6);
        line.quoted("service", "tcp/443");
        line.number("count", 1 + self.rng.below(3000));
        line.quoted("attack", attack);
        line.number("srcport", 1024 + self.rng.below(64_000));
        line.number("dstport", 443);
        line.number("attackid", 100_663_396 + self.rng.below(8));
        line.quoted("policyid", "1");
        line.quoted("policytype", "DoS-policy");
        line.quoted("ref", "http://www.fortinet.com/ids/VID100663396");
        line.quoted("msg", "anomaly: threshold exceeded");
        line.number("crscore", 50);
        line.number("craction", 4096);
        line.quoted("crlevel", "critical");
        threat(Category::Anomaly, if blocked { Action::Blocked } else { Action::Detected })
    }

    fn dns(&mut self, line: &mut Line<'_>, device: usize, outcome: DnsOutcome) -> Intent {
        line.quoted("eventtype", "dns-response");
        line.quoted("level", if outcome == DnsOutcome::Allowed { "information" } else { "warning" });
        line.quoted("vd", "root");
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        line.ip("dstip", *self.pick(&[[8, 8, 8, 8], [1, 1, 1, 1], [208, 67, 222, 222]]));
        line.number("dstport", 53);
        line.quoted("srcintf", "internal");
        line.quoted("srcintfrole", "lan");
        line.quoted("dstintf", "wan1");
        line.quoted("dstintfrole", "wan");
        line.number("proto", 17);
        line.number("sessionid", self.session);
        line.number("policyid", 1);
        line.number("xid", self.rng.below(65_536));
        let host = match outcome {
            DnsOutcome::Allowed => self.pick(ALLOWED_SITES).2.as_bytes().to_vec(),
            _ => self.suspicious_host(),
        };
        line.out.extend_from_slice(b" qname=\"");
        line.out.extend_from_slice(&host);
        line.out.push(b'"');
        line.quoted("qtype", "A");
        line.number("qtypeval", 1);
        line.quoted("qclass", "IN");
        match outcome {
            DnsOutcome::Allowed => {
                let (category, description, _) = *self.pick(ALLOWED_SITES);
                line.ip("ipaddr", self.public_ip(&[142, 183, 23]));
                line.quoted("msg", "Domain is monitored");
                line.quoted("action", "pass");
                line.number("cat", u64::from(category));
                line.quoted("catdesc", description);
                Intent { kind: Kind::Traffic, category: Category::Dns, action: Action::Allowed }
            }
            DnsOutcome::Category => {
                let (category, description) = *self.pick(BLOCKED_CATEGORIES);
                line.quoted("msg", "Domain belongs to a denied category in policy");
                line.quoted("action", "block");
                line.number("cat", u64::from(category));
                line.quoted("catdesc", description);
                threat(Category::Dns, Action::Blocked)
            }
            DnsOutcome::Botnet => {
                line.quoted("msg", "Domain was blocked because it is in the botnet C&C domain list.");
                line.quoted("action", "block");
                line.out.extend_from_slice(b" botnetdomain=\"");
                line.out.extend_from_slice(&host);
                line.out.push(b'"');
                threat(Category::Botnet, Action::Blocked)
            }
        }
    }

    fn email(&mut self, line: &mut Line<'_>, device: usize, blocked: bool) -> Intent {
        line.quoted("eventtype", "smtp");
        line.quoted("level", "notice");
        line.quoted("vd", "root");
        line.number("policyid", 2);
        line.number("sessionid", self.session);
        line.ip("srcip", self.public_ip(ATTACKER_OCTETS));
        line.number("srcport", 1024 + self.rng.below(64_000));
        line.quoted("srcintf", "wan1");
        line.quoted("srcintfrole", "wan");
        line.ip("dstip", [192, 168, self.devices[device].lan, 25]);
        line.number("dstport", 25);
        line.quoted("dstintf", "internal");
        line.quoted("dstintfrole", "lan");
        line.number("proto", 6);
        line.quoted("service", "SMTP");
        line.quoted("profile", "default");
        line.quoted("action", if blocked { "blocked" } else { "log-only" });
        line.quoted("from", "no-reply@account-notice.example.net");
        line.quoted("to", "info@sakura-kogyo.example.jp");
        line.quoted("recipient", "info");
        line.quoted("direction", "incoming");
        line.quoted("msg", "from ip is in ip blacklist.(FortiGuard Antispam)");
        line.quoted("subject", "【重要】アカウント確認のお願い");
        line.number("size", 2000 + self.rng.below(40_000));
        line.quoted("attachment", "no");
        threat(Category::Spam, if blocked { Action::Blocked } else { Action::Detected })
    }

    fn dlp(&mut self, line: &mut Line<'_>, device: usize, blocked: bool) -> Intent {
        line.quoted("eventtype", "dlp");
        line.quoted("level", "warning");
        line.quoted("vd", "root");
        line.quoted("filteridx", "1");
        line.quoted("filtername", self.word(&["credit-card", "jp-my-number", "confidential-docs"]));
        line.quoted("dlpextra", "builtin-patterns");
        line.quoted("filtertype", "sensor");
        line.quoted("filtercat", "file");
        line.quoted("severity", "medium");
        line.number("policyid", 1);
        line.number("sessionid", self.session);
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        line.ip("dstip", self.public_ip(&[52, 104, 142]));
        line.number("dstport", 443);
        line.quoted("srcintf", "internal");
        line.quoted("dstintf", "wan1");
        line.number("proto", 6);
        line.quoted("service", "HTTPS");
        line.quoted("filetype", "xlsx");
        line.quoted("direction", "outgoing");
        line.quoted("action", if blocked { "block" } else { "log-only" });
        line.quoted("filename", "customer-list.xlsx");
        line.quoted("profile", "default");
        threat(Category::DataLeak, if blocked { Action::Blocked } else { Action::Detected })
    }

    fn ssl(&mut self, line: &mut Line<'_>, device: usize, blocked: bool) -> Intent {
        line.quoted("eventtype", if blocked { "ssl-anomalies" } else { "ssl-exempt" });
        line.quoted("level", if blocked { "warning" } else { "notice" });
        line.quoted("vd", "root");
        line.number("policyid", 1);
        line.number("sessionid", self.session);
        let source_port = 49152 + self.rng.below(16_000);
        self.lan_source(line, device, source_port);
        line.ip("dstip", self.public_ip(&[13, 20, 23, 104]));
        line.number("dstport", 443);
        line.quoted("srcintf", "internal");
        line.quoted("dstintf", "wan1");
        line.number("proto", 6);
        line.quoted("action", if blocked { "blocked" } else { "exempt" });
        line.quoted("profile", "certificate-inspection");
        if blocked {
            line.quoted("reason", "block-cert-invalid");
            line.quoted("msg", "Server certificate blocked");
        } else {
            line.quoted("hostname", self.word(&["update.microsoft.com", "www.apple.com", "ocsp.digicert.com"]));
            line.quoted("msg", "SSL connection is exempted");
        }
        Intent {
            kind: if blocked { Kind::Threat } else { Kind::Traffic },
            category: Category::Other,
            action: if blocked { Action::Blocked } else { Action::Allowed },
        }
    }

    fn event(&mut self, line: &mut Line<'_>, device: usize, kind: EventKind) -> Intent {
        match kind {
            EventKind::AdminLogin => {
                line.quoted("level", "information");
                line.quoted("vd", "root");
                line.quoted("logdesc", "Admin login successful");
                line.quoted("sn", "1717200000");
                line.quoted("user", "admin");
                line.out.extend_from_slice(b" ui=\"https(192.168.");
                push_number(line.out, u64::from(self.devices[device].lan));
                line.out.extend_from_slice(b".99)\"");
                line.quoted("method", "https");
                line.quoted("action", "login");
                line.quoted("status", "success");
                line.quoted("reason", "none");
                line.quoted("profile", "super_admin");
                line.quoted("msg", "Administrator admin logged in successfully from https");
            }
            EventKind::VpnTunnel => {
                line.quoted("level", "notice");
                line.quoted("vd", "root");
                line.quoted("logdesc", "IPsec connection status changed");
                line.quoted("msg", "IPsec connection status change");
                line.quoted("action", self.word(&["tunnel-up", "tunnel-down"]));
                line.ip("remip", self.public_ip(&[126, 133, 153]));
                line.ip("locip", self.devices[device].wan);
                line.number("remport", 500);
                line.number("locport", 500);
                line.quoted("outintf", "wan1");
                line.quoted("cookies", "5f1a2b3c4d5e6f70/8192a3b4c5d6e7f8");
                line.quoted("user", "N/A");
                line.quoted("group", "N/A");
                line.quoted("xauthuser", "N/A");
                line.quoted("vpntunnel", "branch-office");
                line.quoted("tunnelip", "N/A");
                line.quoted("tunnelid", "0");
                line.quoted("tunneltype", "ipsec");
                line.quoted("duration", "0");
            }
            EventKind::UserAuth => {
                line.quoted("level", "notice");
                line.quoted("vd", "root");
                line.quoted("logdesc", "Authentication logon");
                let source_port = 49152 + self.rng.below(16_000);
                self.lan_source(line, device, source_port);
                line.quoted("user", self.word(&["tanaka", "suzuki", "sato", "takahashi"]));
                line.quoted("group", "staff");
                line.quoted("authproto", "FSSO");
                line.quoted("action", "FSSO-logon");
                line.quoted("status", "success");
                line.quoted("msg", "FSSO-logon event from FSSO_Collector");
            }
            EventKind::SystemPerformance => {
                line.quoted("level", "notice");
                line.quoted("vd", "root");
                line.quoted("logdesc", "System performance statistics");
                line.quoted("action", "perf-stats");
                line.quoted("cpu", "3");
                line.quoted("mem", "48");
                line.quoted("totalsession", "412");
                line.quoted("disk", "0");
                line.quoted("bandwidth", "1212/3840");
                line.quoted("setuprate", "4");
                line.quoted("disklograte", "0");
                line.quoted("fazlograte", "0");
                line.quoted("freediskstorage", "0");
                line.quoted("sysuptime", "1209600");
                line.quoted(
                    "msg",
                    "Performance statistics: average CPU: 3, memory:  48, concurrent sessions:  412, setup-rate: 4",
                );
            }
        }
        Intent { kind: Kind::Event, category: Category::Other, action: Action::Allowed }
    }

    fn lan_source(&mut self, line: &mut Line<'_>, device: usize, port: u64) {
        line.ip("srcip", [192, 168, self.devices[device].lan, 2 + self.rng.below(60) as u8]);
        line.number("srcport", port);
    }

    fn public_ip(&mut self, first_octets: &[u8]) -> [u8; 4] {
        let first = *self.pick(first_octets);
        let random = self.rng.next();
        [first, (random >> 8) as u8, (random >> 16) as u8, 1 + (random >> 24) as u8 % 254]
    }

    fn suspicious_host(&mut self) -> Vec<u8> {
        let word = *self.pick(&["secure-login", "account-verify", "update-service", "cdn-files", "mail-auth"]);
        let tld = *self.pick(&["xyz", "top", "icu", "online", "shop"]);
        let mut host = Vec::with_capacity(32);
        host.extend_from_slice(word.as_bytes());
        host.push(b'-');
        push_hex(&mut host, self.rng.below(1 << 24), 6);
        host.push(b'.');
        host.extend_from_slice(tld.as_bytes());
        host
    }

    fn mac(&mut self, line: &mut Line<'_>, key: &str) {
        let random = self.rng.next();
        line.out.push(b' ');
        line.out.extend_from_slice(key.as_bytes());
        line.out.extend_from_slice(b"=\"");
        for index in 0..6 {
            if index > 0 {
                line.out.push(b':');
            }
            push_hex(line.out, (random >> (index * 8)) & 0xff, 2);
        }
        line.out.push(b'"');
    }

    fn word(&mut self, words: &[&'static str]) -> &'static str {
        words[self.rng.below(words.len() as u64) as usize]
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.rng.below(items.len() as u64) as usize]
    }
}

fn traffic(action: Action) -> Intent {
    Intent { kind: Kind::Traffic, category: Category::Other, action }
}

fn threat(category: Category, action: Action) -> Intent {
    Intent { kind: Kind::Threat, category, action }
}

/// Appends ` key=value` pieces to a line.
struct Line<'a> {
    out: &'a mut Vec<u8>,
}

impl Line<'_> {
    fn quoted(&mut self, key: &str, value: &str) {
        self.out.push(b' ');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"=\"");
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'"');
    }

    fn number(&mut self, key: &str, value: u64) {
        self.out.push(b' ');
        self.out.extend_from_slice(key.as_bytes());
        self.out.push(b'=');
        push_number(self.out, value);
    }

    fn ip(&mut self, key: &str, octets: [u8; 4]) {
        self.out.push(b' ');
        self.out.extend_from_slice(key.as_bytes());
        self.out.push(b'=');
        for (index, octet) in octets.into_iter().enumerate() {
            if index > 0 {
                self.out.push(b'.');
            }
            push_number(self.out, u64::from(octet));
        }
    }
}

fn push_number(out: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[start..]);
}

fn push_hex(out: &mut Vec<u8>, value: u64, width: u32) {
    for shift in (0..width).rev() {
        out.push(b"0123456789abcdef"[((value >> (shift * 4)) & 0xf) as usize]);
    }
}

fn push_padded(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut rest = value;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&digits[..width]);
}

/// `date=YYYY-MM-DD time=HH:MM:SS` in Tokyo time (+09:00, no daylight saving).
fn write_local_date_time(out: &mut Vec<u8>, utc_second: u64) {
    let local = utc_second + 9 * 3600;
    let days = local / 86_400;
    let second_of_day = local % 86_400;
    let (year, month, day) = civil_from_days(days as i64);
    out.extend_from_slice(b"date=");
    push_padded(out, year as u64, 4);
    out.push(b'-');
    push_padded(out, u64::from(month), 2);
    out.push(b'-');
    push_padded(out, u64::from(day), 2);
    out.extend_from_slice(b" time=");
    push_padded(out, second_of_day / 3600, 2);
    out.push(b':');
    push_padded(out, second_of_day / 60 % 60, 2);
    out.push(b':');
    push_padded(out, second_of_day % 60, 2);
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// SplitMix64: tiny, fast and fully determined by the seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x6a09_e667_f3bc_c909)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform enough in `0..bound` for log generation (Lemire's multiply-shift).
    fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(bound)) >> 64) as u64
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IpsEvent {
    Signature,
    Botnet,
    MaliciousUrl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WebOutcome {
    Allowed,
    Blocked,
    Warned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DnsOutcome {
    Allowed,
    Category,
    Botnet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventKind {
    AdminLogin,
    VpnTunnel,
    UserAuth,
    SystemPerformance,
}

#[derive(Debug, Clone, Copy)]
enum Body {
    TrafficForward,
    TrafficForwardDeny,
    TrafficLocalDeny,
    TrafficLocalAccept,
    Virus { blocked: bool },
    Ips { eventtype: IpsEvent, blocked: bool },
    Webfilter { outcome: WebOutcome },
    AppCtrl { blocked: bool },
    Anomaly { blocked: bool },
    Dns { outcome: DnsOutcome },
    Email { blocked: bool },
    Dlp { blocked: bool },
    Ssl { blocked: bool },
    Event { kind: EventKind },
}

struct Template {
    /// Relative frequency out of [`TEMPLATE_WEIGHT_TOTAL`].
    weight: u64,
    logid: &'static str,
    log_type: &'static str,
    subtype: &'static str,
    body: Body,
}

const fn template(
    weight: u64,
    logid: &'static str,
    log_type: &'static str,
    subtype: &'static str,
    body: Body,
) -> Template {
    Template { weight, logid, log_type, subtype, body }
}

/// Per 10,000 lines. Log IDs from the FortiOS 7.2 Log Message Reference.
const TEMPLATES: &[Template] = &[
    template(7_600, "0000000013", "traffic", "forward", Body::TrafficForward),
    template(350, "0000000013", "traffic", "forward", Body::TrafficForwardDeny),
    template(500, "0001000014", "traffic", "local", Body::TrafficLocalDeny),
    template(150, "0001000014", "traffic", "local", Body::TrafficLocalAccept),
    template(300, "0317013312", "utm", "webfilter", Body::Webfilter { outcome: WebOutcome::Allowed }),
    template(40, "0316013056", "utm", "webfilter", Body::Webfilter { outcome: WebOutcome::Blocked }),
    template(5, "0316013057", "utm", "webfilter", Body::Webfilter { outcome: WebOutcome::Warned }),
    template(280, "1059028705", "utm", "app-ctrl", Body::AppCtrl { blocked: false }),
    template(25, "1059028704", "utm", "app-ctrl", Body::AppCtrl { blocked: true }),
    template(300, "1501054802", "utm", "dns", Body::Dns { outcome: DnsOutcome::Allowed }),
    template(15, "1501054400", "utm", "dns", Body::Dns { outcome: DnsOutcome::Category }),
    template(5, "1501054601", "utm", "dns", Body::Dns { outcome: DnsOutcome::Botnet }),
    template(40, "0419016384", "utm", "ips", Body::Ips { eventtype: IpsEvent::Signature, blocked: true }),
    template(20, "0419016384", "utm", "ips", Body::Ips { eventtype: IpsEvent::Signature, blocked: false }),
    template(5, "0422016400", "utm", "ips", Body::Ips { eventtype: IpsEvent::Botnet, blocked: true }),
    template(5, "0421016399", "utm", "ips", Body::Ips { eventtype: IpsEvent::MaliciousUrl, blocked: true }),
    template(20, "0720018432", "utm", "anomaly", Body::Anomaly { blocked: true }),
    template(10, "0720018433", "utm", "anomaly", Body::Anomaly { blocked: false }),
    template(10, "0211008192", "utm", "virus", Body::Virus { blocked: true }),
    template(2, "0211008193", "utm", "virus", Body::Virus { blocked: false }),
    template(10, "0510020491", "utm", "emailfilter", Body::Email { blocked: false }),
    template(5, "0510020490", "utm", "emailfilter", Body::Email { blocked: true }),
    template(3, "0954024576", "utm", "dlp", Body::Dlp { blocked: true }),
    template(2, "0955024577", "utm", "dlp", Body::Dlp { blocked: false }),
    template(80, "1700062302", "utm", "ssl", Body::Ssl { blocked: false }),
    template(8, "1700062300", "utm", "ssl", Body::Ssl { blocked: true }),
    template(50, "0100032001", "event", "system", Body::Event { kind: EventKind::AdminLogin }),
    template(40, "0101037141", "event", "vpn", Body::Event { kind: EventKind::VpnTunnel }),
    template(60, "0102043039", "event", "user", Body::Event { kind: EventKind::UserAuth }),
    template(100, "0100040704", "event", "system", Body::Event { kind: EventKind::SystemPerformance }),
];

const TEMPLATE_WEIGHT_TOTAL: u64 = {
    let mut total = 0;
    let mut index = 0;
    while index < TEMPLATES.len() {
        total += TEMPLATES[index].weight;
        index += 1;
    }
    total
};

fn pick_template(mut draw: u64) -> &'static Template {
    for template in TEMPLATES {
        if draw < template.weight {
            return template;
        }
        draw -= template.weight;
    }
    &TEMPLATES[0]
}

#[derive(Clone, Copy)]
struct Service {
    name: &'static str,
    port: u16,
    protocol: u8,
}

const SERVICES: &[Service] = &[
    Service { name: "HTTPS", port: 443, protocol: 6 },
    Service { name: "NTP", port: 123, protocol: 17 },
    Service { name: "HTTPS", port: 443, protocol: 6 },
    Service { name: "HTTP", port: 80, protocol: 6 },
    Service { name: "DNS", port: 53, protocol: 17 },
    Service { name: "udp/443", port: 443, protocol: 17 },
    Service { name: "SMB", port: 445, protocol: 6 },
    Service { name: "RDP", port: 3389, protocol: 6 },
    Service { name: "TELNET", port: 23, protocol: 6 },
    Service { name: "SSH", port: 22, protocol: 6 },
    Service { name: "SIP", port: 5060, protocol: 17 },
    Service { name: "IMAPS", port: 993, protocol: 6 },
    Service { name: "SMTPS", port: 465, protocol: 6 },
    Service { name: "HTTPS", port: 443, protocol: 6 },
];

/// What office PCs open to the internet; weighted towards HTTPS as real traffic is.
const OUTBOUND_SERVICES: &[Service] = &[
    SERVICES[0],
    SERVICES[0],
    SERVICES[0],
    SERVICES[0],
    SERVICES[3],
    SERVICES[4],
    SERVICES[4],
    SERVICES[5],
    SERVICES[1],
    SERVICES[11],
    SERVICES[12],
];

#[derive(Clone, Copy)]
struct Destination {
    first_octets: &'static [u8],
    country: &'static str,
    app: &'static str,
    app_id: u32,
    app_category: &'static str,
    app_risk: &'static str,
}

const DESTINATIONS: &[Destination] = &[
    Destination {
        first_octets: &[13, 20, 52],
        country: "Japan",
        app: "Microsoft.Portal",
        app_id: 41_469,
        app_category: "Collaboration",
        app_risk: "medium",
    },
    Destination {
        first_octets: &[13, 20, 40],
        country: "United States",
        app: "Microsoft.Outlook",
        app_id: 16_798,
        app_category: "Email",
        app_risk: "medium",
    },
    Destination {
        first_octets: &[142, 172],
        country: "Japan",
        app: "Google.Services",
        app_id: 15_817,
        app_category: "General.Interest",
        app_risk: "low",
    },
    Destination {
        first_octets: &[142, 172],
        country: "United States",
        app: "YouTube",
        app_id: 31_077,
        app_category: "Video/Audio",
        app_risk: "elevated",
    },
    Destination {
        first_octets: &[147],
        country: "Japan",
        app: "LINE",
        app_id: 16_218,
        app_category: "Collaboration",
        app_risk: "elevated",
    },
    Destination {
        first_octets: &[183],
        country: "Japan",
        app: "Yahoo.Japan",
        app_id: 17_459,
        app_category: "General.Interest",
        app_risk: "low",
    },
    Destination {
        first_octets: &[23, 104],
        country: "Japan",
        app: "HTTPS.BROWSER",
        app_id: 40_568,
        app_category: "Web.Client",
        app_risk: "medium",
    },
    Destination {
        first_octets: &[52, 54],
        country: "Singapore",
        app: "Amazon.AWS",
        app_id: 36_375,
        app_category: "Cloud.IT",
        app_risk: "low",
    },
    Destination {
        first_octets: &[17],
        country: "United States",
        app: "Apple.iCloud",
        app_id: 16_920,
        app_category: "Storage.Backup",
        app_risk: "elevated",
    },
    Destination {
        first_octets: &[157],
        country: "Japan",
        app: "Zoom",
        app_id: 43_540,
        app_category: "Collaboration",
        app_risk: "elevated",
    },
];

const COUNTRIES: &[&str] = &[
    "China",
    "United States",
    "Russian Federation",
    "Netherlands",
    "Brazil",
    "Viet Nam",
    "Korea, Republic of",
    "India",
];

const ATTACKER_OCTETS: &[u8] = &[1, 5, 27, 36, 45, 61, 77, 89, 91, 103, 110, 117, 141, 185, 193, 212, 218, 222];

const IPS_ATTACKS: &[&str] = &[
    "MS.SMB.Server.SMB1.Trans2.Secondary.Handling.Code.Execution",
    "Apache.Log4j.Error.Log.Remote.Code.Execution",
    "HTTP.URI.SQL.Injection",
    "Nmap.Script.Scanner",
    "ThinkPHP.Controller.Parameter.Remote.Code.Execution",
    "PHPUnit.Eval-stdin.PHP.Remote.Code.Execution",
    "Bash.Function.Definitions.Remote.Code.Execution",
    "Realtek.SDK.Miniigd.UPnP.SOAP.Command.Execution",
    "Netcore.Netis.Devices.Hardcoded.Password.Security.Bypass",
    "D-Link.Devices.HNAP.SOAPAction-Header.Command.Execution",
    "Zyxel.NAS.Command.Injection",
    "SSH.Connection.Brute.Force",
];

const BOTNETS: &[&str] = &["Mirai.Botnet", "Emotet.Botnet", "Zeus.Botnet", "Qakbot.Botnet", "Gafgyt.Botnet"];

const VIRUSES: &[(&str, &str)] = &[
    ("EICAR_TEST_FILE", "eicar.com"),
    ("W32/Agent.AB!tr", "setup.exe"),
    ("JS/Agent.PJX!tr", "invoice.js"),
    ("HTML/Phishing.AZ!tr", "login.html"),
    ("MSOffice/Agent.ASDF!tr.dldr", "請求書.docm"),
    ("W32/Emotet.CFG!tr", "document.zip"),
    ("Android/Agent.FHD!tr", "update.apk"),
];

const BLOCKED_CATEGORIES: &[(u16, &str)] =
    &[(26, "Malicious Websites"), (61, "Phishing"), (86, "Spam URLs"), (90, "Newly Observed Domain"), (11, "Gambling")];

const ALLOWED_SITES: &[(u16, &str, &str)] = &[
    (41, "Search Engines and Portals", "www.google.com"),
    (41, "Search Engines and Portals", "www.yahoo.co.jp"),
    (36, "News and Media", "www.nikkei.com"),
    (36, "News and Media", "news.yahoo.co.jp"),
    (52, "Information Technology", "login.microsoftonline.com"),
    (52, "Information Technology", "outlook.office365.com"),
    (75, "Streaming Media and Download", "www.youtube.com"),
    (37, "Social Networking", "line.me"),
    (43, "Shopping", "www.amazon.co.jp"),
    (43, "Shopping", "www.rakuten.co.jp"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes() {
        let mut first = Vec::new();
        let mut second = Vec::new();
        Generator::new(7).write_to(&mut first, 100_000).unwrap();
        Generator::new(7).write_to(&mut second, 100_000).unwrap();
        assert_eq!(first, second);
        let mut other = Vec::new();
        Generator::new(8).write_to(&mut other, 100_000).unwrap();
        assert_ne!(first, other);
    }

    #[test]
    fn tokyo_date_time() {
        let mut out = Vec::new();
        // 2025-06-01T15:00:00Z is 2025-06-02 00:00:00 in Tokyo.
        write_local_date_time(&mut out, 1_748_790_000);
        assert_eq!(out, b"date=2025-06-02 time=00:00:00");
        out.clear();
        write_local_date_time(&mut out, 951_750_000 + 86_399);
        assert_eq!(out, b"date=2000-02-29 time=23:59:59");
    }

    #[test]
    fn writes_at_least_the_requested_size() {
        let mut out = Vec::new();
        let written = Generator::new(1).write_to(&mut out, 3_000_000).unwrap();
        assert_eq!(written.bytes, out.len() as u64);
        assert!(written.bytes >= 3_000_000 && written.bytes < 3_000_000 + 4096);
        assert_eq!(written.lines, out.iter().filter(|byte| **byte == b'\n').count() as u64);
    }
}
