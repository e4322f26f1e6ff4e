//! Fortinet FortiGate (FortiOS 5–7) `key=value` logs, default and comma-separated variants.
//!
//! One pass over the pairs fills a [`Fields`] of borrowed slices; [`classify`] then maps
//! `type`/`subtype`/`eventtype`/`action` to the normalised vocabulary. The CEF variant
//! (`cat=utm:virus`, `FTNTFGT…` keys) is read by [`crate::vendor::cef`] into the same
//! [`Fields`], so both wire formats classify identically.
//!
//! Rules (Fortinet "FortiOS Log Message Reference", type/subtype and logid tables):
//! - `type=traffic` is always [`Kind::Traffic`], even when `utmaction`, `utmevent` or
//!   `countips`/`countav`/… say a UTM profile acted: that verdict has its own UTM log, which is
//!   the one counted as the threat.
//! - `type=utm` (and the 5.x top-level types `anomaly`, `virus`, `ips`, `webfilter`, `dns` …)
//!   are threats when the subtype is inherently a detection (virus, ips, anomaly, dlp,
//!   emailfilter, waf) or when the action blocked something; allowed web, application and DNS
//!   usage records are `traffic`.
//! - `type=event` is [`Kind::Event`].
//! - `devid` is the device identifier (else `devname`). `eventtime` is UTC epoch in s/ms/µs/ns;
//!   otherwise `date`+`time` are local with `tz`, or Tokyo when `tz` is absent (FortiOS < 6.2).
//!
//! [`tally`] is [`parse`] for a roll-up: the same [`Fields`], [`classify`] and resolution of
//! device, time and signature, but it stops reading once no later pair can change what a
//! roll-up counts, and builds nothing else (addresses, ports, URL, severity).

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::catalogue::{Catalogue, Classified, Provenance, Rule, Verdict, entry, family};
use crate::event::{Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::kv::{KvIter, non_empty};
use crate::rollup::Tally;
use crate::time;
use crate::vendor::{Class, first, ip, is_any, is_block_word, port, text};

use Category::{Anomaly, Application, Botnet, DataLeak, Dns, Intrusion, Malware, Other, Spam, Web};
use Kind::{Event as Ev, Threat, Traffic};

/// FortiGate `type/subtype/eventtype` catalogue (FortiOS 5.x top-level UTM types are read as
/// `utm/<type>/…`). First matching row wins.
pub(crate) static CATALOGUE: Catalogue = Catalogue {
    vendor: Vendor::Fortigate,
    identifier: "`type/subtype/eventtype`",
    source: "Fortinet, *FortiOS 7.6.1 Log Message Reference* (\"Log types and subtypes\", log ID definitions) and \
             *FortiOS 7.2.7 Log Message Reference*; FortiOS 5.x top-level UTM types as in the 5.6 reference.",
    entries: &[
        entry(
            "traffic/*/*",
            Traffic,
            Other,
            Rule::Verdict,
            None,
            "Session record (forward, local, multicast, sniffer); action deny/block/drop is a policy block; UTM summary fields are ignored",
        ),
        entry("event/*/*", Ev, Other, Rule::Allowed, None, "System, VPN, user, HA, wireless, … events"),
        entry(
            "utm/virus/analytics",
            Traffic,
            Malware,
            Rule::ThreatIfBlocked,
            None,
            "File submitted to FortiSandbox for analysis",
        ),
        entry("utm/virus/oversize", Traffic, Malware, Rule::ThreatIfBlocked, None, "File too large to scan"),
        entry("utm/virus/scanerror", Ev, Malware, Rule::Verdict, None, "Scan error"),
        entry(
            "utm/virus/*",
            Threat,
            Malware,
            Rule::Verdict,
            None,
            "Antivirus: infected, filetype-executable, outbreak-prevention, malware-list, …",
        ),
        entry(
            "utm/webfilter/ftgd_blk",
            Threat,
            Web,
            Rule::Verdict,
            None,
            "FortiGuard category blocked (or warned and passed)",
        ),
        entry(
            "utm/webfilter/*",
            Traffic,
            Web,
            Rule::ThreatIfBlocked,
            None,
            "Web filter: ftgd_allow, urlfilter, content, urlmonitor, …",
        ),
        entry("utm/ips/malicious-url", Threat, Web, Rule::Verdict, None, "IPS: malicious URL"),
        entry("utm/ips/botnet", Threat, Botnet, Rule::Verdict, None, "IPS: botnet C&C"),
        entry("utm/ips/*", Threat, Intrusion, Rule::Verdict, None, "IPS signature"),
        entry("utm/anomaly/*", Threat, Anomaly, Rule::Verdict, None, "DoS policy anomaly (flood, scan)"),
        entry("utm/app-ctrl/*", Traffic, Application, Rule::ThreatIfBlocked, None, "Application control"),
        entry("utm/dns/*", Traffic, Dns, Rule::ThreatIfBlocked, None, "DNS filter: dns-query, dns-response"),
        entry(
            "utm/emailfilter/*",
            Threat,
            Spam,
            Rule::Verdict,
            None,
            "Email filter (spam); log-only and tagged are detections",
        ),
        entry("utm/spamfilter/*", Threat, Spam, Rule::Verdict, None, "Email filter (older name)"),
        entry("utm/dlp/*", Threat, DataLeak, Rule::Verdict, None, "Data leak prevention"),
        entry("utm/file-filter/*", Threat, DataLeak, Rule::Verdict, None, "File filter"),
        entry("utm/waf/*", Threat, Intrusion, Rule::Verdict, None, "Web application firewall"),
        entry("utm/ssl/*", Traffic, Other, Rule::ThreatIfBlocked, None, "SSL/TLS inspection"),
        entry("utm/ssh/*", Traffic, Other, Rule::ThreatIfBlocked, None, "SSH inspection"),
        entry("utm/cifs/*", Traffic, Other, Rule::ThreatIfBlocked, None, "CIFS inspection"),
        entry("utm/voip/*", Traffic, Other, Rule::ThreatIfBlocked, None, "VoIP (SIP) inspection"),
        entry("utm/icap/*", Traffic, Other, Rule::ThreatIfBlocked, None, "ICAP"),
        entry("utm/casb/*", Traffic, Application, Rule::ThreatIfBlocked, None, "Inline CASB"),
        entry("utm/virtual-patch/*", Threat, Intrusion, Rule::Verdict, None, "Virtual patching"),
    ],
    families: &[family("utm", Traffic, Other, Rule::ThreatIfBlocked, "a UTM subtype not in the table")],
    fallback: (Ev, Other, Rule::Verdict),
    notes: "Botnet C&C evidence on a UTM line (`eventtype=botnet`, a `botnetdomain`, or a message naming a botnet) makes it a botnet threat whatever its subtype. Traffic logs never count as threats, even when their `utmaction`/`count*` fields summarise a UTM verdict: that verdict has its own UTM log.",
};

/// The FortiGate fields the normaliser reads, as borrowed slices.
#[derive(Debug, Default, Clone)]
pub(crate) struct Fields<'a> {
    pub date: Option<&'a str>,
    pub time: Option<&'a str>,
    pub tz: Option<&'a str>,
    pub eventtime: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub devid: Option<&'a str>,
    pub devname: Option<&'a str>,
    pub log_type: Option<&'a str>,
    pub subtype: Option<&'a str>,
    pub eventtype: Option<&'a str>,
    pub level: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub crlevel: Option<&'a str>,
    pub action: Option<&'a str>,
    pub status: Option<&'a str>,
    pub srcip: Option<&'a str>,
    pub srcport: Option<&'a str>,
    pub dstip: Option<&'a str>,
    pub dstport: Option<&'a str>,
    pub attack: Option<&'a str>,
    pub virus: Option<&'a str>,
    pub app: Option<&'a str>,
    pub catdesc: Option<&'a str>,
    pub hostname: Option<&'a str>,
    pub url: Option<&'a str>,
    pub qname: Option<&'a str>,
    pub user: Option<&'a str>,
    pub unauthuser: Option<&'a str>,
    pub msg: Option<&'a str>,
    pub botnetdomain: Option<&'a str>,
    pub filtername: Option<&'a str>,
    pub logid: Option<&'a str>,
    pub proto: Option<&'a str>,
    pub policyid: Option<&'a str>,
    pub policyname: Option<&'a str>,
}

pub(crate) fn parse(line: &str) -> Result<Event<'_>, Unparsed> {
    let mut fields = Fields::default();
    scan(line, &mut fields);
    fields.typed()?;
    Ok(build(&fields, Vendor::Fortigate))
}

/// Reads every pair of a native line into `fields` (empty), as [`parse`] does before building
/// its event; for the writers that print a line's record straight from them
/// ([`crate::output`]). The fields are filled in place: they are too many to be moved about
/// on every line.
pub(crate) fn scan<'a>(line: &'a str, fields: &mut Fields<'a>) {
    let separator = detect_separator(line);
    for (key, value) in KvIter::new(line, separator) {
        fields.set(key, value);
    }
}

/// Whether the fields that [`scan`] read from `line` show `logid=` within its first 256 bytes,
/// which makes the line native FortiGate for [`crate::vendor::is_native_fortigate`] (when it
/// also starts like one). `false` says nothing: `logid=` may still be there, empty or inside
/// another value.
pub(crate) fn logid_in_head(line: &str, fields: &Fields<'_>) -> bool {
    let Some(value) = fields.logid else { return false };
    let bytes = line.as_bytes();
    // The value borrows from the line: its offset there, then that of the `=` before it (and
    // before its opening quote when it has one).
    let Some(start) = (value.as_ptr() as usize).checked_sub(bytes.as_ptr() as usize) else {
        return false;
    };
    let equals = match start.checked_sub(2) {
        Some(equals) if bytes.get(start - 1) == Some(&b'"') && bytes.get(equals) == Some(&b'=') => equals,
        _ => start.wrapping_sub(1),
    };
    (5..256).contains(&equals) && bytes.get(equals - 5..=equals) == Some(b"logid=".as_slice())
}

impl Fields<'_> {
    /// Why a line with these fields is refused, if it is: it needs a `type` or a `logid`.
    pub(crate) fn typed(&self) -> Result<(), Unparsed> {
        if self.log_type.is_none() && self.logid.is_none() {
            return Err(Unparsed::new(Some(Vendor::Fortigate), UnparsedReason::MissingField("type")));
        }
        Ok(())
    }
}

/// What [`parse`] followed by [`Tally::of`] gives, without reading past the pair that settles
/// it: a session log needs `type`, `action`, `devid` and a valid `eventtime`, which FortiOS
/// writes in the first half of the line; a system or VPN event needs only `type`.
pub(crate) fn tally(line: &str) -> Result<Tally<'_>, Unparsed> {
    let separator = detect_separator(line);
    let mut fields = Fields::default();
    // Worked out once, when their field is filled (a filled field never changes): the family
    // of `type`, and `eventtime` as `resolve_time` reads it.
    let mut family = None;
    let mut eventtime = None;
    for (key, value) in KvIter::new(line, separator) {
        if !fields.set(key, value) {
            continue;
        }
        family = family.or_else(|| fields.log_type.map(LogFamily::of));
        eventtime = eventtime.or_else(|| fields.eventtime.map(time::epoch_any_unit));
        if fields.settles_tally(family, eventtime) {
            break;
        }
    }
    if fields.log_type.is_none() && fields.logid.is_none() {
        return Err(Unparsed::new(Some(Vendor::Fortigate), UnparsedReason::MissingField("type")));
    }
    let (kind, category, action) = classify(&fields);
    // `resolve_time` takes a valid `eventtime` first.
    let time = match eventtime {
        Some(Some(utc)) => Some(utc),
        _ => resolve_time(&fields).map(|stamp| stamp.utc),
    };
    let signature = if kind == Kind::Threat { resolve_signature(&fields, category) } else { None };
    Ok(Tally::new(kind, category, action, device(&fields), signature, time))
}

impl<'a> Fields<'a> {
    /// Records one pair and returns whether it filled a field. Unknown keys are ignored; the
    /// first non-empty occurrence of a key wins, so a filled field never changes.
    ///
    /// A FortiOS 7 line has 40–60 keys of which a third are read here, so the dispatch is by
    /// length first and a whole-key comparison second, as one or two integers ([`short`],
    /// [`long`]) rather than byte by byte. Always inlined into the scan loops of
    /// [`parse`] and [`tally`], where it runs once per pair.
    #[inline(always)]
    pub(crate) fn set(&mut self, key: &'a str, value: &'a str) -> bool {
        const DATE: u64 = short(b"date");
        const TIME: u64 = short(b"time");
        const TYPE: u64 = short(b"type");
        const USER: u64 = short(b"user");
        const DEVID: u64 = short(b"devid");
        const LEVEL: u64 = short(b"level");
        const SRCIP: u64 = short(b"srcip");
        const DSTIP: u64 = short(b"dstip");
        const VIRUS: u64 = short(b"virus");
        const QNAME: u64 = short(b"qname");
        const LOGID: u64 = short(b"logid");
        const PROTO: u64 = short(b"proto");
        const ACTION: u64 = short(b"action");
        const STATUS: u64 = short(b"status");
        const ATTACK: u64 = short(b"attack");
        const DEVNAME: u64 = short(b"devname");
        const SUBTYPE: u64 = short(b"subtype");
        const CRLEVEL: u64 = short(b"crlevel");
        const SRCPORT: u64 = short(b"srcport");
        const DSTPORT: u64 = short(b"dstport");
        const CATDESC: u64 = short(b"catdesc");
        const SEVERITY: u64 = short(b"severity");
        const HOSTNAME: u64 = short(b"hostname");
        const POLICYID: u64 = short(b"policyid");
        const EVENTTIME: u128 = long(b"eventtime");
        const TIMESTAMP: u128 = long(b"timestamp");
        const EVENTTYPE: u128 = long(b"eventtype");
        const UNAUTHUSER: u128 = long(b"unauthuser");
        const FILTERNAME: u128 = long(b"filtername");
        const POLICYNAME: u128 = long(b"policyname");
        const BOTNETDOMAIN: u128 = long(b"botnetdomain");
        let bytes = key.as_bytes();
        let slot = match bytes.len() {
            2 if key == "tz" => &mut self.tz,
            3 => match key {
                "app" => &mut self.app,
                "url" => &mut self.url,
                "msg" => &mut self.msg,
                _ => return false,
            },
            4 => match short(bytes) {
                DATE => &mut self.date,
                TIME => &mut self.time,
                TYPE => &mut self.log_type,
                USER => &mut self.user,
                _ => return false,
            },
            5 => match short(bytes) {
                DEVID => &mut self.devid,
                LEVEL => &mut self.level,
                SRCIP => &mut self.srcip,
                DSTIP => &mut self.dstip,
                VIRUS => &mut self.virus,
                QNAME => &mut self.qname,
                LOGID => &mut self.logid,
                PROTO => &mut self.proto,
                _ => return false,
            },
            6 => match short(bytes) {
                ACTION => &mut self.action,
                STATUS => &mut self.status,
                ATTACK => &mut self.attack,
                _ => return false,
            },
            7 => match short(bytes) {
                DEVNAME => &mut self.devname,
                SUBTYPE => &mut self.subtype,
                CRLEVEL => &mut self.crlevel,
                SRCPORT => &mut self.srcport,
                DSTPORT => &mut self.dstport,
                CATDESC => &mut self.catdesc,
                _ => return false,
            },
            8 => match short(bytes) {
                SEVERITY => &mut self.severity,
                HOSTNAME => &mut self.hostname,
                POLICYID => &mut self.policyid,
                _ => return false,
            },
            9 => match long(bytes) {
                EVENTTIME => &mut self.eventtime,
                TIMESTAMP => &mut self.timestamp,
                EVENTTYPE => &mut self.eventtype,
                _ => return false,
            },
            10 => match long(bytes) {
                UNAUTHUSER => &mut self.unauthuser,
                FILTERNAME => &mut self.filtername,
                POLICYNAME => &mut self.policyname,
                _ => return false,
            },
            12 if long(bytes) == BOTNETDOMAIN => &mut self.botnetdomain,
            _ => return false,
        };
        first(slot, value)
    }

    /// Whether the fields so far fix everything [`Tally`] reads, whatever pairs follow;
    /// `family` is that of `log_type`, `eventtime` the parsed `eventtime` when there is one.
    ///
    /// Filled fields never change, so: an event's tally is its kind alone; a session log's is
    /// fixed once `action` (which hides `status`), `devid` (which hides `devname`) and an
    /// `eventtime` that parses (which hides `date`, `time`, `tz` and `timestamp`) are known.
    /// UTM logs can still meet `msg`, `botnetdomain` or a signature key, so they never settle.
    fn settles_tally(&self, family: Option<LogFamily>, eventtime: Option<Option<DateTime<Utc>>>) -> bool {
        debug_assert_eq!(family, self.log_type.map(LogFamily::of));
        debug_assert_eq!(eventtime, self.eventtime.map(time::epoch_any_unit));
        match family {
            Some(LogFamily::Event) => true,
            Some(LogFamily::Traffic) => {
                self.action.is_some() && self.devid.is_some() && matches!(eventtime, Some(Some(_)))
            }
            Some(LogFamily::Utm) | None => false,
        }
    }
}

/// A key of 4 to 8 bytes as one integer: its first and last four bytes, which together cover
/// it. Two keys of the same length are equal exactly when these are; [`Fields::set`] compares
/// lengths first. With the length known at each call, this is two loads.
#[inline(always)]
const fn short(key: &[u8]) -> u64 {
    let length = key.len();
    let head = u32::from_le_bytes([key[0], key[1], key[2], key[3]]);
    let tail = u32::from_le_bytes([key[length - 4], key[length - 3], key[length - 2], key[length - 1]]);
    head as u64 | (tail as u64) << 32
}

/// [`short`] for keys of 8 to 16 bytes: the first and last eight.
#[inline(always)]
const fn long(key: &[u8]) -> u128 {
    let length = key.len();
    let head = u64::from_le_bytes([key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7]]);
    let tail = u64::from_le_bytes([
        key[length - 8],
        key[length - 7],
        key[length - 6],
        key[length - 5],
        key[length - 4],
        key[length - 3],
        key[length - 2],
        key[length - 1],
    ]);
    head as u128 | (tail as u128) << 64
}

/// The three ways [`classify`] treats a `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogFamily {
    /// A session record, whatever UTM summary it carries.
    Traffic,
    /// System, VPN and user events, and a blank type.
    Event,
    /// `utm` and the FortiOS 5.x top-level UTM types.
    Utm,
}

impl LogFamily {
    fn of(log_type: &str) -> LogFamily {
        let log_type = time::trim_ascii_spaces(log_type);
        if log_type.eq_ignore_ascii_case("traffic") {
            LogFamily::Traffic
        } else if log_type.eq_ignore_ascii_case("event")
            || log_type.eq_ignore_ascii_case("appevent")
            || log_type.is_empty()
        {
            LogFamily::Event
        } else {
            LogFamily::Utm
        }
    }
}

/// Builds the event from collected fields (shared with the CEF reader).
pub(crate) fn build<'a>(fields: &Fields<'a>, vendor: Vendor) -> Event<'a> {
    build_with(fields, vendor, None)
}

/// [`build`] looking UTM rows up in `rows` first (see [`classify_remembered`]).
pub(crate) fn build_remembered<'a>(fields: &Fields<'a>, rows: &mut Rows) -> Event<'a> {
    build_with(fields, Vendor::Fortigate, Some(rows))
}

fn build_with<'a>(fields: &Fields<'a>, vendor: Vendor, rows: Option<&mut Rows>) -> Event<'a> {
    let classified = classify_with(fields, rows);
    let (kind, category, action) = classified.class();
    let mut event = Event::new(vendor, kind, category, action);
    if !classified.is_known() {
        // Only identifiers missing from the table allocate.
        event.unknown_identifier = Some(Cow::Owned(unknown_identifier(fields)));
    }
    if let Some(stamp) = resolve_time(fields) {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    event.device = device(fields).map(Cow::Borrowed);
    event.device_is_serial = fields.devid.and_then(non_empty).is_some();
    event.transport = fields.proto.and_then(crate::vendor::transport);
    event.policy_id = fields.policyid.and_then(text);
    event.policy_name = fields.policyname.and_then(text);
    let severity_word = fields.severity_word();
    event.severity = severity_word.and_then(Severity::from_word);
    event.vendor_severity = severity_word.and_then(text);
    event.src_ip = fields.srcip.and_then(ip);
    event.src_port = fields.srcport.and_then(port);
    event.dst_ip = fields.dstip.and_then(ip);
    event.dst_port = fields.dstport.and_then(port);
    event.user = fields.user_name().and_then(text);
    event.url = resolve_url(fields);
    event.signature = signature(fields, kind, category).map(Cow::Borrowed);
    event
}

/// The `type/subtype/eventtype` identifier of a line whose identifier is not in the catalogue.
pub(crate) fn unknown_identifier(fields: &Fields<'_>) -> String {
    format!(
        "{}/{}/{}",
        fields.log_type.unwrap_or("").trim(),
        fields.subtype.unwrap_or("").trim(),
        fields.eventtype.unwrap_or("").trim()
    )
}

impl<'a> Fields<'a> {
    /// The severity word [`build`] reads: `severity`, else `crlevel`, else `level`.
    pub(crate) fn severity_word(&self) -> Option<&'a str> {
        self.severity.or(self.crlevel).or(self.level)
    }

    /// The user [`build`] reads: `user`, else `unauthuser`.
    pub(crate) fn user_name(&self) -> Option<&'a str> {
        self.user.or(self.unauthuser)
    }
}

/// The event's signature: none for a plain session record.
pub(crate) fn signature<'a>(fields: &Fields<'a>, kind: Kind, category: Category) -> Option<&'a str> {
    if kind != Kind::Traffic || category != Category::Other { resolve_signature(fields, category) } else { None }
}

/// Maps type/subtype/eventtype/action to the normalised classification.
pub(crate) fn classify(fields: &Fields<'_>) -> Class {
    classify_structured(fields).class()
}

/// [`classify`] with the catalogue's provenance.
pub(crate) fn classify_structured(fields: &Fields<'_>) -> Classified {
    classify_with(fields, None)
}

/// [`classify_structured`], looking UTM rows up in `rows` first.
pub(crate) fn classify_remembered(fields: &Fields<'_>, rows: &mut Rows) -> Classified {
    classify_with(fields, Some(rows))
}

/// The catalogue rows of the last few UTM `subtype/eventtype` pairs seen, for a writer that
/// classifies line after line: a log has a handful of such pairs, and finding one's row in the
/// table costs as much as writing the whole record.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    /// `(subtype, eventtype, row)`, at most [`Rows::KEPT`]; the oldest is replaced first.
    kept: Vec<(String, String, Option<&'static crate::catalogue::Entry>)>,
    replaced: usize,
}

impl Rows {
    const KEPT: usize = 16;

    /// What `CATALOGUE.entry(&["utm", subtype, eventtype])` gives.
    fn entry(&mut self, subtype: &str, eventtype: &str) -> Option<&'static crate::catalogue::Entry> {
        let found = self.kept.iter().find(|(kept_subtype, kept_eventtype, _)| {
            kept_subtype.as_str() == subtype && kept_eventtype.as_str() == eventtype
        });
        if let Some((_, _, row)) = found {
            return *row;
        }
        let row = CATALOGUE.entry(&["utm", subtype, eventtype]);
        let kept = (subtype.to_owned(), eventtype.to_owned(), row);
        if self.kept.len() < Rows::KEPT {
            self.kept.push(kept);
        } else {
            self.kept[self.replaced % Rows::KEPT] = kept;
            self.replaced += 1;
        }
        row
    }
}

fn classify_with(fields: &Fields<'_>, rows: Option<&mut Rows>) -> Classified {
    let log_type = time::trim_ascii_spaces(fields.log_type.unwrap_or(""));
    let action = fields.action.or(fields.status).map(time::trim_ascii_spaces);
    match LogFamily::of(log_type) {
        LogFamily::Traffic => {
            // A session record; its UTM summary fields are deliberately ignored, and only a
            // policy verdict blocks (`close`, `timeout`, `client-rst` … are session ends).
            let blocked = action.is_some_and(|word| is_any(word, &["deny", "blocked", "block", "drop", "dropped"]));
            return known(&CATALOGUE.entries[0], Verdict::from_block(blocked));
        }
        LogFamily::Event => return known(&CATALOGUE.entries[1], Verdict::Unknown),
        LogFamily::Utm => {}
    }
    // FortiOS 5.x wrote the UTM subtype as the type (`type=virus`, `type=dns`, `type=anomaly`).
    let subtype = if log_type.eq_ignore_ascii_case("utm") {
        time::trim_ascii_spaces(fields.subtype.unwrap_or(""))
    } else {
        log_type
    };
    let subtype = match subtype {
        "av" | "antivirus" | "sandbox" => "virus",
        "web" => "webfilter",
        "application" | "app" => "app-ctrl",
        "dns-query" | "dns-response" => "dns",
        "antispam" | "email" => "emailfilter",
        other => other,
    };
    let eventtype = time::trim_ascii_spaces(fields.eventtype.unwrap_or(""));
    let blocked = action.is_some_and(is_block_word);
    let parts = ["utm", subtype, eventtype];
    let row = match rows {
        Some(rows) => rows.entry(subtype, eventtype),
        None => CATALOGUE.entry(&parts),
    };
    let mut classified = CATALOGUE.classify_found(row, &parts, Verdict::from_block(blocked));
    // Botnet C&C evidence outranks the subtype: a DNS or IPS log about a botnet is a botnet
    // threat (FortiGuard botnet C&C domain list, `eventtype=botnet`).
    let botnet = eventtype.eq_ignore_ascii_case("botnet")
        || fields.botnetdomain.is_some_and(|domain| !domain.is_empty())
        || fields.msg.is_some_and(|msg| crate::vendor::contains_ignore_case(msg, "botnet"));
    if botnet {
        let (kind, category, action) =
            crate::catalogue::resolve(Kind::Threat, Botnet, Rule::Verdict, Verdict::from_block(blocked));
        classified = Classified { kind, category, action, ..classified };
    }
    classified
}

fn known(entry: &crate::catalogue::Entry, verdict: Verdict) -> Classified {
    let (kind, category, action) = crate::catalogue::resolve(entry.kind, entry.category, entry.rule, verdict);
    Classified { kind, category, action, severity: entry.severity, provenance: Provenance::Known }
}

pub(crate) fn resolve_time(fields: &Fields<'_>) -> Option<time::Stamp> {
    let offset = fields.tz.and_then(time::parse_offset);
    if let Some(utc) = fields.eventtime.and_then(time::epoch_any_unit) {
        return Some(time::Stamp { utc, offset, assumed: false });
    }
    if let (Some(date), Some(clock)) = (fields.date, fields.time)
        && let (Some(date), Some(clock)) = (time::parse_date(date.trim()), time::parse_clock(clock.trim()))
    {
        return time::local_to_stamp(date.and_time(clock), offset);
    }
    let utc = fields.timestamp.and_then(time::epoch_any_unit)?;
    Some(time::Stamp { utc, offset, assumed: false })
}

/// The absolute URL when logged; otherwise the host (webfilter logs `url` as a path).
pub(crate) fn resolve_url<'a>(fields: &Fields<'a>) -> Option<Cow<'a, str>> {
    if let Some(url) = fields.url.filter(|url| url.contains("://")) {
        return text(url);
    }
    fields.hostname.or(fields.qname).or(fields.botnetdomain).or(fields.url).and_then(text)
}

/// `devid`, else `devname`.
pub(crate) fn device<'a>(fields: &Fields<'a>) -> Option<&'a str> {
    fields.devid.or(fields.devname).and_then(non_empty)
}

fn resolve_signature<'a>(fields: &Fields<'a>, category: Category) -> Option<&'a str> {
    let candidate = match category {
        Category::Malware => fields.virus.or(fields.attack),
        Category::Intrusion | Category::Anomaly => fields.attack,
        Category::Application => fields.app.or(fields.attack),
        Category::Web | Category::Dns => fields.catdesc.or(fields.attack),
        Category::Botnet => fields.attack.or(fields.botnetdomain).or(fields.virus),
        Category::DataLeak => fields.filtername,
        _ => None,
    };
    candidate.or(fields.msg).and_then(non_empty)
}

/// Space by default; comma for the CSV variant (`date=2018-07-26,time=…`).
fn detect_separator(line: &str) -> u8 {
    let bytes = line.as_bytes();
    // The first key is a few bytes long: a plain loop finds its end for less than a call.
    let Some(equals) = bytes.iter().position(|byte| *byte == b'=') else {
        return b' ';
    };
    let rest = &bytes[equals + 1..];
    let value_end = if rest.first() == Some(&b'"') {
        memchr::memchr(b'"', &rest[1..]).map(|index| index + 2)
    } else {
        memchr::memchr2(b' ', b',', rest)
    };
    match value_end.and_then(|index| rest.get(index)) {
        Some(b',') => b',',
        _ => b' ',
    }
}
