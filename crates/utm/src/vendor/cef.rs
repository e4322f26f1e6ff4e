//! ArcSight CEF and IBM QRadar LEEF, generic and per device vendor.
//!
//! Decision (documented for the report): a CEF/LEEF line is attributed to the *device vendor*
//! when we know it (Fortinet → `fortigate`, Palo Alto → `paloalto`, Check Point → `checkpoint`,
//! SonicWall → `sonicwall`, WatchGuard → `watchguard`, Sophos → `sophos`, Cisco → `cisco`,
//! Juniper → `juniper`), and classified with that vendor's rules; other devices are `cef`/`leef`.
//! The report counts devices, and a FortiGate does not become a different product because its
//! administrator chose CEF.
//!
//! CEF (Micro Focus "CEF Implementation Standard"): seven `|`-separated header fields with `\|`
//! and `\\` escaped, then `key=value` extensions where a value runs until the next ` key=`
//! and may contain `\=`, `\\`, `\n`, `\r`. Values are unescaped only when they contain a
//! backslash (allocation only then). Some collectors drop the `CEF:` prefix (`0|Vendor|…`).
//! LEEF 1.0 uses TAB between attributes; LEEF 2.0 names its delimiter after the event id.

use std::borrow::Cow;

use memchr::{memchr, memmem};

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, UnparsedReason, Vendor};
use crate::time;
use crate::vendor::{self, Class, contains_ignore_case, fortigate, ip, is_any, port};

/// Byte offset of the CEF version digit (after `CEF:`), or of a bare `0|`/`1|` header.
pub(crate) fn find_cef_start(text: &str) -> Option<usize> {
    let head = &text.as_bytes()[..text.len().min(512)];
    if let Some(index) = memmem::find(head, b"CEF:") {
        let after = index + 4;
        let skip = head[after..].iter().take_while(|b| **b == b' ').count();
        return Some(after + skip);
    }
    let trimmed = text.trim_start();
    let offset = text.len() - trimmed.len();
    let bytes = trimmed.as_bytes();
    if bytes.len() > 4 && matches!(bytes[0], b'0' | b'1') && bytes[1] == b'|' && bytes[2] != b'|' {
        // At least six more pipes make a header.
        if memchr::memchr_iter(b'|', &bytes[..bytes.len().min(512)]).count() >= 7 {
            return Some(offset);
        }
    }
    None
}

/// Byte offset just after `LEEF:` (or a bare `1.0|`/`2.0|` header).
pub(crate) fn find_leef_start(text: &str) -> Option<usize> {
    let head = &text.as_bytes()[..text.len().min(512)];
    if let Some(index) = memmem::find(head, b"LEEF:") {
        return Some(index + 5);
    }
    let trimmed = text.trim_start();
    if (trimmed.starts_with("1.0|") || trimmed.starts_with("2.0|"))
        && memchr::memchr_iter(b'|', &trimmed.as_bytes()[..trimmed.len().min(512)]).count() >= 5
    {
        return Some(text.len() - trimmed.len());
    }
    None
}

/// The parsed CEF or LEEF header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header<'a> {
    pub device_vendor: &'a str,
    pub device_product: &'a str,
    pub signature_id: &'a str,
    pub name: &'a str,
    pub severity: &'a str,
}

pub(crate) fn parse_cef(text: &str) -> Result<Event<'_>, Unparsed> {
    let start = find_cef_start(text).ok_or(Unparsed::new(Some(Vendor::Cef), UnparsedReason::WrongFormat))?;
    let mut fields: [&str; 7] = [""; 7];
    let mut rest = &text[start..];
    for slot in fields.iter_mut() {
        let Some(end) = find_unescaped(rest, b'|') else {
            return Err(Unparsed::new(
                Some(Vendor::Cef),
                UnparsedReason::Malformed("CEF header has fewer than 8 fields"),
            ));
        };
        *slot = &rest[..end];
        rest = &rest[end + 1..];
    }
    // Some senders double the pipe after `CEF:0` (`CEF:0||Check Point|…`): shift past it.
    if fields[1].is_empty() && !fields[2].is_empty() {
        fields.rotate_left(1);
        let end = find_unescaped(rest, b'|').unwrap_or(0);
        fields[6] = &rest[..end];
        rest = if end == 0 { rest } else { &rest[end + 1..] };
    }
    let header = Header {
        device_vendor: fields[1],
        device_product: fields[2],
        signature_id: fields[4],
        name: fields[5],
        severity: fields[6],
    };
    let extension = Extension::cef(rest);
    Ok(build(header, extension, Vendor::Cef))
}

pub(crate) fn parse_leef(text: &str) -> Result<Event<'_>, Unparsed> {
    let start = find_leef_start(text).ok_or(Unparsed::new(Some(Vendor::Leef), UnparsedReason::WrongFormat))?;
    let rest = &text[start..];
    let mut parts: [&str; 5] = [""; 5];
    let mut remaining = rest;
    for slot in parts.iter_mut() {
        let Some(end) = memchr(b'|', remaining.as_bytes()) else {
            return Err(Unparsed::new(
                Some(Vendor::Leef),
                UnparsedReason::Malformed("LEEF header has fewer than 6 fields"),
            ));
        };
        *slot = &remaining[..end];
        remaining = &remaining[end + 1..];
    }
    let mut delimiter = b'\t';
    if parts[0].starts_with('2') {
        // LEEF 2.0: an optional delimiter field (`^`, `x09`, `0x09`) before the attributes.
        if let Some(end) = memchr(b'|', remaining.as_bytes()).filter(|end| *end <= 6) {
            let spec = &remaining[..end];
            delimiter = leef_delimiter(spec).unwrap_or(b'\t');
            remaining = &remaining[end + 1..];
        }
    }
    // Syslog relays rewrite TAB as `#011`; some senders use spaces.
    let extension = if memchr(delimiter, remaining.as_bytes()).is_some() {
        Extension::delimited(remaining, delimiter)
    } else if remaining.contains("#011") {
        Extension::hash_tab(remaining)
    } else {
        Extension::cef(remaining)
    };
    let header = Header {
        device_vendor: parts[1],
        device_product: parts[2],
        signature_id: parts[4],
        name: parts[4],
        severity: "",
    };
    Ok(build(header, extension, Vendor::Leef))
}

fn leef_delimiter(spec: &str) -> Option<u8> {
    let hex = spec.strip_prefix("0x").or_else(|| spec.strip_prefix('x'));
    match hex {
        Some(hex) => u8::from_str_radix(hex, 16).ok(),
        None if spec.len() == 1 => Some(spec.as_bytes()[0]),
        None => None,
    }
}

/// Extension attributes, looked up by key (linear scans over at most a few dozen pairs).
pub(crate) struct Extension<'a> {
    pairs: Vec<(&'a str, Cow<'a, str>)>,
}

impl<'a> Extension<'a> {
    fn cef(text: &'a str) -> Extension<'a> {
        let mut pairs = Vec::with_capacity(32);
        let bytes = text.as_bytes();
        let mut key_start = skip_spaces(bytes, 0);
        let Some(mut equals) = find_key_equals(bytes, key_start) else {
            return Extension { pairs };
        };
        loop {
            let value_start = equals + 1;
            // The next key starts after the last space before the next unescaped '='; an '='
            // with no space before it since the value started (`CN=a,O=b`) belongs to the value.
            let mut next = find_key_equals(bytes, value_start);
            let mut boundary = None;
            while let Some(next_equals) = next {
                if let Some(space) =
                    bytes[value_start..next_equals].iter().rposition(|b| matches!(b, b' ' | b'\n' | b'\t'))
                {
                    boundary = Some(value_start + space);
                    break;
                }
                next = find_key_equals(bytes, next_equals + 1);
            }
            let (value_end, next_key_start) = match boundary {
                Some(space) => (space, space + 1),
                None => (bytes.len(), bytes.len()),
            };
            let key = text[key_start..equals].trim();
            let raw = text[value_start..value_end].trim();
            let raw = raw.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')).unwrap_or(raw);
            let value = unescape(raw);
            if !key.is_empty() {
                pairs.push((key, value));
            }
            match next {
                Some(next_equals) if next_key_start < next_equals => {
                    key_start = next_key_start;
                    equals = next_equals;
                }
                _ => break,
            }
        }
        Extension { pairs }
    }

    fn delimited(text: &'a str, delimiter: u8) -> Extension<'a> {
        let pairs = text
            .split(delimiter as char)
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                Some((key.trim(), Cow::Borrowed(value.trim())))
            })
            .collect();
        Extension { pairs }
    }

    fn hash_tab(text: &'a str) -> Extension<'a> {
        let pairs = text
            .split("#011")
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                Some((key.trim(), Cow::Borrowed(value.trim())))
            })
            .collect();
        Extension { pairs }
    }

    /// The first value for `key`, absent when empty.
    pub(crate) fn get(&self, key: &str) -> Option<&Cow<'a, str>> {
        self.pairs.iter().find(|(candidate, value)| *candidate == key && !value.is_empty()).map(|(_, value)| value)
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.get(key).map(|value| value.as_ref())
    }

    fn text(&self, key: &str) -> Option<Cow<'a, str>> {
        self.get(key).filter(|value| crate::kv::non_empty(value).is_some()).cloned()
    }

    /// The value of the custom string whose label is one of `labels` (`cs1Label=Virus cs1=…`).
    fn labelled(&self, labels: &[&str]) -> Option<Cow<'a, str>> {
        for (key, value) in &self.pairs {
            if let Some(prefix) = key.strip_suffix("Label")
                && is_any(value, labels)
            {
                return self.text(prefix);
            }
        }
        None
    }
}

fn build<'a>(header: Header<'a>, extension: Extension<'a>, format: Vendor) -> Event<'a> {
    let vendor = device_vendor(header.device_vendor, header.device_product).unwrap_or(format);
    if vendor == Vendor::Fortigate {
        return build_fortigate(&header, &extension);
    }
    let (kind, category, action) = classify(vendor, &header, &extension);
    let mut event = Event::new(vendor, kind, category, action);
    event.unknown_identifier = unknown_identifier(vendor, &header).map(Cow::Borrowed);
    if matches!(vendor, Vendor::Cef | Vendor::Leef | Vendor::Sophos | Vendor::Juniper | Vendor::Cisco) {
        // No catalogue for this device's CEF/LEEF identifiers: classified by the keyword rules
        // below and
        // counted by `Device Vendor|Device Product|Signature ID` so the operator sees it.
        event.unknown_identifier = Some(Cow::Owned(format!(
            "{}|{}|{}",
            header.device_vendor.trim(),
            header.device_product.trim(),
            header.signature_id.trim()
        )));
    }
    if vendor == Vendor::Paloalto && vendor::paloalto::CATALOGUE.entry(&[header.signature_id, header.name]).is_none() {
        event.unknown_identifier = Some(Cow::Owned(format!("{}/{}", header.signature_id, header.name)));
    }
    if vendor == Vendor::Checkpoint && !header.signature_id.eq_ignore_ascii_case("IPS") {
        let product = extension.str("product").unwrap_or(header.device_product);
        if !product.trim().is_empty() && vendor::checkpoint::CATALOGUE.entry(&[product]).is_none() {
            event.unknown_identifier = Some(Cow::Owned(product.to_owned()));
        }
    }
    // Source and destination: the standard keys, then LEEF's and WatchGuard's.
    event.src_ip = ["src", "sourceAddress", "c6a2", "srcIP"].iter().find_map(|key| extension.str(key).and_then(ip));
    event.dst_ip =
        ["dst", "destinationAddress", "c6a3", "dstIP"].iter().find_map(|key| extension.str(key).and_then(ip));
    event.src_port = ["spt", "srcPort", "sourcePort"].iter().find_map(|key| extension.str(key).and_then(port));
    event.dst_port = ["dpt", "dstPort", "destinationPort"].iter().find_map(|key| extension.str(key).and_then(port));
    event.url = extension
        .text("request")
        .or_else(|| extension.text("requestURL"))
        .or_else(|| extension.text("url"))
        .or_else(|| extension.text("dhost"))
        .or_else(|| extension.text("destinationDnsDomain"));
    event.user = extension.text("suser").or_else(|| extension.text("usrName")).or_else(|| extension.text("duser"));
    event.device = extension
        .text("deviceExternalId")
        .or_else(|| extension.text("PanOSDeviceSN"))
        .or_else(|| extension.text("serial"))
        .or_else(|| extension.text("dvchost"))
        .or_else(|| extension.text("sys_name"));
    event.device_is_serial =
        ["deviceExternalId", "PanOSDeviceSN", "serial"].iter().any(|key| extension.text(key).is_some());
    event.transport = extension.get("proto").and_then(|value| match borrowed(value) {
        Some(value) => vendor::transport(value),
        None => vendor::transport(value).map(|name| Cow::Owned(name.into_owned())),
    });
    event.policy_name = extension
        .labelled(&["Rule", "Rule Name", "Policy", "Policy Name"])
        .or_else(|| extension.text("policy"))
        .or_else(|| extension.text("rule_name"));
    let severity = if header.severity.is_empty() {
        extension.get("sev").map(|value| value.as_ref()).unwrap_or("")
    } else {
        header.severity
    };
    event.severity = match time::parse_digits::<u8>(severity) {
        Some(number) => Some(Severity::from_cef_number(number.min(10))),
        None => Severity::from_word(severity),
    };
    event.vendor_severity = crate::kv::non_empty(severity).map(|_| match extension.get("sev") {
        Some(value) if header.severity.is_empty() => value.clone(),
        _ => Cow::Borrowed(header.severity),
    });
    if kind == Kind::Threat || category != Category::Other {
        event.signature = extension
            .labelled(&["Virus", "Attack", "Threat Name", "Signature", "Protection Name", "Malware Name"])
            .or_else(|| extension.text("signature_name"))
            .or_else(|| crate::kv::non_empty(header.name).map(Cow::Borrowed));
    }
    let stamp = extension
        .str("rt")
        .or_else(|| extension.str("devTime"))
        .or_else(|| extension.str("start"))
        .and_then(parse_cef_time);
    if let Some(mut stamp) = stamp {
        // `dtz` names the zone of a zone-less `rt`: undo the Tokyo assumption.
        if stamp.assumed
            && let Some(offset) = extension.str("dtz").and_then(time::parse_offset)
        {
            stamp.utc += chrono::Duration::seconds(i64::from(stamp.offset.unwrap_or(0) - offset));
            stamp.offset = Some(offset);
            stamp.assumed = false;
        }
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    event
}

/// FortiGate CEF: rebuild the native field set from `cat=type:subtype`, `act`, `FTNTFGT…` and
/// the standard keys, then classify with the FortiGate rules.
fn build_fortigate<'a>(header: &Header<'a>, extension: &Extension<'a>) -> Event<'a> {
    let mut fields = fortigate::Fields::default();
    for (key, value) in &extension.pairs {
        let native = key.strip_prefix("FTNTFGT").or_else(|| key.strip_prefix("FortinetFortiGate"));
        if let (Some(native), Some(value)) = (native, borrowed(value)) {
            fields.set(native, value);
        }
    }
    let get = |key: &str| extension.get(key).and_then(borrowed);
    if let Some(category) = get("cat") {
        let (log_type, subtype) = category.split_once(':').unwrap_or((category, ""));
        fields.log_type = Some(log_type);
        if !subtype.is_empty() {
            fields.subtype = Some(subtype);
        }
    }
    fields.action = get("act").or(fields.action);
    fields.srcip = get("src").or(get("c6a2")).or(fields.srcip);
    fields.dstip = get("dst").or(get("c6a3")).or(fields.dstip);
    fields.srcport = get("spt").or(fields.srcport);
    fields.dstport = get("dpt").or(fields.dstport);
    fields.msg = get("msg").or(fields.msg);
    fields.url = get("request").or(fields.url);
    fields.hostname = get("dhost").or(fields.hostname);
    fields.user = get("suser").or(get("duser")).or(fields.user);
    fields.devid = get("deviceExternalId").or(fields.devid);
    fields.proto = get("proto").or(fields.proto);
    fields.app = fields.app.or(get("app").filter(|_| fields.subtype == Some("app-ctrl")));
    for (key, value) in &extension.pairs {
        if let Some(prefix) = key.strip_suffix("Label") {
            let slot = match value.as_ref() {
                "Virus" | "Virus Name" => &mut fields.virus,
                "Attack" | "Attack Name" => &mut fields.attack,
                "Application" => &mut fields.app,
                _ => continue,
            };
            if slot.is_none() {
                *slot = get(prefix);
            }
        }
    }
    let mut event = fortigate::build(&fields, Vendor::Fortigate);
    if event.time.is_none()
        && let Some(stamp) = get("rt").and_then(parse_cef_time)
    {
        event.time = Some(stamp.utc);
        event.utc_offset_seconds = stamp.offset;
        event.time_zone_assumed = stamp.assumed;
    }
    if event.severity.is_none() {
        event.severity =
            time::parse_digits::<u8>(header.severity).map(|number| Severity::from_cef_number(number.min(10)));
        event.vendor_severity = crate::kv::non_empty(header.severity).map(Cow::Borrowed);
    }
    event
}

/// The vendor's identifier when its catalogue does not have it (see [`crate::catalogue`]).
fn unknown_identifier<'a>(vendor: Vendor, header: &Header<'a>) -> Option<&'a str> {
    let id = header.signature_id;
    let known = match vendor {
        Vendor::Watchguard => vendor::watchguard::CATALOGUE.entry(&[id]).is_some(),
        Vendor::Sonicwall => vendor::sonicwall::CATALOGUE.entry(&[id]).is_some(),
        _ => true,
    };
    (!known).then_some(id)
}

/// Maps the CEF/LEEF `Device Vendor` to a vendor family we classify natively.
fn device_vendor(vendor: &str, product: &str) -> Option<Vendor> {
    let vendor = vendor.trim();
    if contains_ignore_case(vendor, "fortinet") && !contains_ignore_case(product, "fortimail") {
        Some(Vendor::Fortigate)
    } else if contains_ignore_case(vendor, "palo alto") {
        Some(Vendor::Paloalto)
    } else if contains_ignore_case(vendor, "check point") {
        Some(Vendor::Checkpoint)
    } else if contains_ignore_case(vendor, "sonicwall") {
        Some(Vendor::Sonicwall)
    } else if contains_ignore_case(vendor, "watchguard") {
        Some(Vendor::Watchguard)
    } else if contains_ignore_case(vendor, "sophos") {
        Some(Vendor::Sophos)
    } else if contains_ignore_case(vendor, "juniper") {
        Some(Vendor::Juniper)
    } else if contains_ignore_case(vendor, "cisco")
        && (contains_ignore_case(product, "asa") || contains_ignore_case(product, "firepower"))
    {
        Some(Vendor::Cisco)
    } else {
        None
    }
}

fn classify(vendor: Vendor, header: &Header<'_>, extension: &Extension<'_>) -> Class {
    let act = extension
        .str("act")
        .or_else(|| extension.str("disp"))
        .or_else(|| extension.str("action"))
        .or_else(|| extension.str("fw_action"))
        .or_else(|| extension.str("outcome"));
    match vendor {
        Vendor::Paloalto => vendor::paloalto::classify(header.signature_id, header.name, act.unwrap_or(""), None),
        Vendor::Checkpoint => {
            let product = extension.str("product").unwrap_or(header.device_product);
            let product = if header.signature_id.eq_ignore_ascii_case("IPS") { "IPS" } else { product };
            vendor::checkpoint::classify(product, act.unwrap_or(""))
        }
        Vendor::Sonicwall => vendor::sonicwall::classify(header.signature_id, header.name, act),
        Vendor::Watchguard => vendor::watchguard::classify(header.signature_id, act, extension.str("msg")),
        _ => generic_classify(header, extension, act),
    }
}

/// Vendor-neutral classification from `cat`, the event name and the action word.
fn generic_classify(header: &Header<'_>, extension: &Extension<'_>, act: Option<&str>) -> Class {
    let category_word = extension.str("cat").unwrap_or("");
    let haystack = [category_word, header.name, header.signature_id];
    let has = |needle: &str| haystack.iter().any(|text| contains_ignore_case(text, needle));
    let category = if has("malware") || has("virus") || has("malop") || has("trojan") || has("ransom") {
        Category::Malware
    } else if has("botnet") || has("c&c") || has("command and control") {
        Category::Botnet
    } else if has("intrusion") || has("ips") || has("ids") || has("exploit") || has("attack") {
        Category::Intrusion
    } else if has("spam") || has("phish") {
        Category::Spam
    } else if has("url") || has("web") {
        Category::Web
    } else if has("dlp") || has("data loss") {
        Category::DataLeak
    } else {
        Category::Other
    };
    let threat = !matches!(category, Category::Other | Category::Web);
    let action = if threat { vendor::threat_action(act) } else { vendor::traffic_action(act) };
    let kind = if threat || action == Action::Blocked && category != Category::Other {
        Kind::Threat
    } else if extension.get("src").is_some() && extension.get("dst").is_some() {
        Kind::Traffic
    } else {
        Kind::Event
    };
    (kind, category, action)
}

/// CEF `rt`: epoch milliseconds, or `MMM dd yyyy HH:mm:ss[.SSS] [zone]`.
fn parse_cef_time(value: &str) -> Option<time::Stamp> {
    if let Some(utc) = time::epoch_any_unit(value) {
        return Some(time::Stamp { utc, offset: None, assumed: false });
    }
    time::parse_month_day_year(value).or_else(|| time::parse_iso(value))
}

/// The value as a slice of the input line; `None` for the rare unescaped (owned) value, which a
/// borrowing event cannot hold.
fn borrowed<'a>(value: &Cow<'a, str>) -> Option<&'a str> {
    match value {
        Cow::Borrowed(text) => Some(text),
        Cow::Owned(_) => None,
    }
}

fn unescape(value: &str) -> Cow<'_, str> {
    if memchr(b'\\', value.as_bytes()).is_none() {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

fn find_unescaped(text: &str, wanted: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            byte if byte == wanted => return Some(index),
            _ => index += 1,
        }
    }
    None
}

fn skip_spaces(bytes: &[u8], mut index: usize) -> usize {
    while index < bytes.len() && matches!(bytes[index], b' ' | b'\t' | b'\n') {
        index += 1;
    }
    index
}

/// The next unescaped `=` at or after `from` that is preceded by a plausible key.
fn find_key_equals(bytes: &[u8], from: usize) -> Option<usize> {
    let mut index = from;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'=' => {
                if index > from && bytes[index - 1] != b' ' {
                    return Some(index);
                }
                index += 1;
            }
            _ => index += 1,
        }
    }
    None
}
