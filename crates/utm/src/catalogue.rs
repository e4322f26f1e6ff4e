//! Vendor message catalogues as data: for each vendor, a table from the vendor's own message
//! identifiers (WatchGuard `msg_id`, ASA/FTD message numbers, Check Point blades, Sophos
//! `log_type/log_component/log_subtype`, Junos `RT_*` tags …) to Kojo's [`Kind`], [`Category`],
//! [`Action`] rule and severity, written from the vendor's published log reference (each table
//! names its guide and version in [`Catalogue::source`]).
//!
//! An identifier that is not in a table is never guessed silently: it is classified by its
//! *family* when one matches (a message of a threat family stays a threat, never allowed
//! traffic), else by the table's conservative fallback, and the event carries the identifier in
//! [`crate::Event::unknown_identifier`] so that [`IntakeCounts`] can report "N lines of unknown
//! message type X" per vendor.
//!
//! Lookups compare borrowed slices; nothing here allocates on the parse path. The tables are
//! rendered to `docs/utm-catalogues.md` by [`render_markdown`] (a test keeps the page current).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::{Action, Category, Event, Kind, Severity, Unparsed, Vendor};

/// How an entry's action is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The message itself means the device stopped something.
    Blocked,
    /// A detection that, by the message's definition, was not stopped.
    Detected,
    /// Nothing was stopped (traffic, events). Never used with [`Kind::Threat`].
    Allowed,
    /// The line's own verdict decides: blocked when it says so, else detected for a threat and
    /// allowed for traffic or an event.
    Verdict,
    /// Policy-style filtering (web, application): a block is a threat, anything else is
    /// traffic that was allowed.
    ThreatIfBlocked,
}

/// The verdict a parser read from the line's structured fields (or, for prose-only formats,
/// from the documented wording of that message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Blocked,
    Passed,
    Unknown,
}

impl Verdict {
    pub(crate) fn from_block(blocked: bool) -> Verdict {
        if blocked { Verdict::Blocked } else { Verdict::Passed }
    }
}

/// One catalogue row. `id` may have several `/`-separated parts (Sophos type/component/subtype);
/// a part `*` matches anything, and a part ending in `*` is a documented range (`4000*`).
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub id: &'static str,
    pub kind: Kind,
    pub category: Category,
    pub rule: Rule,
    pub severity: Option<Severity>,
    /// What the vendor's guide says the message means, in a few words.
    pub meaning: &'static str,
}

/// A family of identifiers (a prefix of the first part) with the classification an identifier
/// of that family gets when it is not in the table.
#[derive(Debug, Clone, Copy)]
pub struct Family {
    pub prefix: &'static str,
    pub kind: Kind,
    pub category: Category,
    pub rule: Rule,
    pub meaning: &'static str,
}

/// One vendor's table.
#[derive(Debug)]
pub struct Catalogue {
    pub vendor: Vendor,
    /// Which field(s) the identifier is made of.
    pub identifier: &'static str,
    /// The guide (and version) the table was written from.
    pub source: &'static str,
    pub entries: &'static [Entry],
    pub families: &'static [Family],
    /// For an identifier in no family.
    pub fallback: (Kind, Category, Rule),
    /// Rules beyond the table (verdict words, keyword fallbacks), for the documentation.
    pub notes: &'static str,
}

/// How a line was classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provenance {
    /// The identifier is in the table.
    Known,
    /// Not in the table; classified by its family.
    Family,
    /// Not in the table nor in any family: the conservative fallback.
    Fallback,
}

/// The result of a catalogue lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified {
    pub kind: Kind,
    pub category: Category,
    pub action: Action,
    pub severity: Option<Severity>,
    pub provenance: Provenance,
}

impl Classified {
    pub fn is_known(&self) -> bool {
        self.provenance == Provenance::Known
    }

    pub(crate) fn class(&self) -> (Kind, Category, Action) {
        (self.kind, self.category, self.action)
    }
}

/// Applies a rule to a verdict.
pub fn resolve(kind: Kind, category: Category, rule: Rule, verdict: Verdict) -> (Kind, Category, Action) {
    let blocked = verdict == Verdict::Blocked;
    match rule {
        Rule::Blocked => (kind, category, Action::Blocked),
        Rule::Detected => (kind, category, Action::Detected),
        // A threat is never "allowed"; the tables are checked for this, and this keeps it true
        // for any table.
        Rule::Allowed if kind == Kind::Threat => (kind, category, Action::Detected),
        Rule::Allowed => (kind, category, Action::Allowed),
        Rule::Verdict if blocked => (kind, category, Action::Blocked),
        Rule::Verdict if kind == Kind::Threat => (kind, category, Action::Detected),
        Rule::Verdict => (kind, category, Action::Allowed),
        Rule::ThreatIfBlocked if blocked => (Kind::Threat, category, Action::Blocked),
        Rule::ThreatIfBlocked if kind == Kind::Threat => (kind, category, Action::Detected),
        Rule::ThreatIfBlocked => (kind, category, Action::Allowed),
    }
}

/// Case-insensitive comparison that ignores `-` (WatchGuard writes `3000-0148` in syslog and
/// `30000148` in LEEF).
fn same_part(pattern: &str, value: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    if let Some(prefix) = pattern.strip_suffix('*') {
        return starts_with_part(value, prefix);
    }
    if first_bytes_differ(pattern, value) {
        return false;
    }
    let (pattern, value) = (pattern.as_bytes(), crate::time::trim_ascii_spaces(value).as_bytes());
    // Most matches are exact: decided here, without the `-`-skipping walk below.
    if pattern.eq_ignore_ascii_case(value) {
        return true;
    }
    let (mut left, mut right) = (0, 0);
    loop {
        while pattern.get(left) == Some(&b'-') {
            left += 1;
        }
        while value.get(right) == Some(&b'-') {
            right += 1;
        }
        match (pattern.get(left), value.get(right)) {
            (None, None) => return true,
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => {
                left += 1;
                right += 1;
            }
            _ => return false,
        }
    }
}

/// Whether [`same_part`] is false for an exact (not `*`-ended) `pattern` as soon as the first
/// bytes are seen: neither is `-` and they differ in more than case, or `value` is empty and
/// `pattern` is not `-`. Most candidates of a table are told apart this way.
fn first_bytes_differ(pattern: &str, value: &str) -> bool {
    if pattern.ends_with('*') {
        return false;
    }
    match (pattern.as_bytes().first(), crate::time::trim_ascii_spaces(value).as_bytes().first()) {
        (Some(a), Some(b)) => *a != b'-' && *b != b'-' && !a.eq_ignore_ascii_case(b),
        (Some(a), None) => *a != b'-',
        (None, _) => false,
    }
}

/// Whether every `/`-separated part of `id` matches the part of `parts` at its place (a part
/// `parts` lacks matches only `*`), and `id` has at least as many parts. A plain byte loop: this
/// runs for every row of a table on every UTM line.
fn matches_parts(id: &str, parts: &[&str]) -> bool {
    let bytes = id.as_bytes();
    // The rows of a table mostly share their first part and differ in the second (FortiGate
    // `utm/<subtype>/…`): the second part's first byte rejects most rows before anything else.
    if let (Some(value), Some(slash)) = (parts.get(1), bytes.iter().position(|byte| *byte == b'/')) {
        let end = bytes[slash + 1..].iter().position(|byte| *byte == b'/').map_or(bytes.len(), |at| slash + 1 + at);
        if first_bytes_differ(&id[slash + 1..end], value) {
            return false;
        }
    }
    let mut start = 0;
    let mut index = 0;
    loop {
        let end = bytes[start..].iter().position(|byte| *byte == b'/').map_or(bytes.len(), |offset| start + offset);
        let pattern = &id[start..end];
        let matched = match parts.get(index) {
            Some(value) => same_part(pattern, value),
            None => pattern == "*",
        };
        if !matched {
            return false;
        }
        index += 1;
        if end == bytes.len() {
            return index >= parts.len();
        }
        start = end + 1;
    }
}

fn starts_with_part(value: &str, prefix: &str) -> bool {
    let mut value = value.trim().bytes().filter(|byte| *byte != b'-');
    prefix.bytes().filter(|byte| *byte != b'-').all(|byte| value.next().is_some_and(|v| v.eq_ignore_ascii_case(&byte)))
}

impl Catalogue {
    /// The entry whose parts all match `parts` (missing parts match only `*`).
    pub fn entry(&self, parts: &[&str]) -> Option<&'static Entry> {
        self.entries.iter().find(|entry| matches_parts(entry.id, parts))
    }

    /// The family of `first` (the identifier's first part), longest prefix first.
    pub fn family(&self, first: &str) -> Option<&'static Family> {
        self.families
            .iter()
            .filter(|family| starts_with_part(first, family.prefix))
            .max_by_key(|family| family.prefix.len())
    }

    /// Classifies an identifier given as parts, with the line's verdict.
    pub fn classify(&self, parts: &[&str], verdict: Verdict) -> Classified {
        self.classify_found(self.entry(parts), parts, verdict)
    }

    /// [`Catalogue::classify`] with the row [`Catalogue::entry`] gives for `parts`.
    pub(crate) fn classify_found(&self, entry: Option<&'static Entry>, parts: &[&str], verdict: Verdict) -> Classified {
        if let Some(entry) = entry {
            let (kind, category, action) = resolve(entry.kind, entry.category, entry.rule, verdict);
            return Classified { kind, category, action, severity: entry.severity, provenance: Provenance::Known };
        }
        let (kind, category, rule, provenance) = match parts.first().and_then(|first| self.family(first)) {
            Some(family) => (family.kind, family.category, family.rule, Provenance::Family),
            None => {
                let (kind, category, rule) = self.fallback;
                (kind, category, rule, Provenance::Fallback)
            }
        };
        let (kind, category, action) = resolve(kind, category, rule, verdict);
        Classified { kind, category, action, severity: None, provenance }
    }
}

/// Every catalogue, in [`Vendor::ALL`] order.
pub fn all() -> &'static [&'static Catalogue] {
    static ALL: [&Catalogue; 10] = [
        &crate::vendor::fortigate::CATALOGUE,
        &crate::vendor::sophos::CATALOGUE,
        &crate::vendor::paloalto::CATALOGUE,
        &crate::vendor::checkpoint::CATALOGUE,
        &crate::vendor::cisco::CATALOGUE,
        &crate::vendor::sonicwall::CATALOGUE,
        &crate::vendor::watchguard::CATALOGUE,
        &crate::vendor::juniper::CATALOGUE,
        &crate::vendor::pfsense::CATALOGUE,
        &crate::vendor::suricata::CATALOGUE,
    ];
    &ALL
}

/// Per-vendor counts of one intake (a file import, a listener run, `kojo utm parse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VendorCounts {
    pub events: u64,
    /// Events whose identifier was not in the vendor's catalogue.
    pub unknown_identifiers: u64,
    pub unparsed: u64,
}

/// Counts per vendor, and per vendor and unknown identifier, so that the operator sees
/// "N lines of unknown message type X". Allocates only the first time an identifier is seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntakeCounts {
    /// Keyed by vendor code; lines whose vendor was not recognised are under `unknown`.
    pub by_vendor: BTreeMap<String, VendorCounts>,
    pub unknown_identifiers: BTreeMap<String, BTreeMap<String, u64>>,
}

impl IntakeCounts {
    pub fn add(&mut self, result: &Result<Event<'_>, Unparsed>) {
        self.add_limited(result, usize::MAX);
    }

    /// Like [`IntakeCounts::add`], keeping at most `identifiers` distinct unknown identifiers per
    /// vendor (a long-running listener must not grow without bound); further ones are still
    /// counted in the vendor's `unknown_identifiers`.
    pub fn add_limited(&mut self, result: &Result<Event<'_>, Unparsed>, identifiers: usize) {
        match result {
            Ok(event) => self.add_event_limited(event, identifiers),
            Err(error) => self.vendor(error.vendor.map_or("unknown", Vendor::code)).unparsed += 1,
        }
    }

    pub fn add_event(&mut self, event: &Event<'_>) {
        self.add_event_limited(event, usize::MAX);
    }

    fn add_event_limited(&mut self, event: &Event<'_>, identifiers: usize) {
        let code = event.vendor.code();
        let counts = self.vendor(code);
        counts.events += 1;
        if let Some(identifier) = event.unknown_identifier.as_deref() {
            counts.unknown_identifiers += 1;
            self.add_unknown_identifier_limited(code, identifier, identifiers);
        }
    }

    /// Adds totals gathered elsewhere (a caller counting in an array per vendor) to a vendor.
    pub fn add_totals(&mut self, code: &str, counts: &VendorCounts) {
        if counts.events == 0 && counts.unknown_identifiers == 0 && counts.unparsed == 0 {
            return;
        }
        let mine = self.vendor(code);
        mine.events += counts.events;
        mine.unknown_identifiers += counts.unknown_identifiers;
        mine.unparsed += counts.unparsed;
    }

    /// Counts one line of an unknown identifier in the per-identifier table only (the caller
    /// counts the vendor's totals, see [`IntakeCounts::add_totals`]).
    pub fn add_unknown_identifier(&mut self, code: &str, identifier: &str) {
        self.add_unknown_identifier_limited(code, identifier, usize::MAX);
    }

    /// Like [`IntakeCounts::add_unknown_identifier`], keeping at most `identifiers` distinct
    /// identifiers per vendor.
    fn add_unknown_identifier_limited(&mut self, code: &str, identifier: &str, identifiers: usize) {
        let per_identifier = match self.unknown_identifiers.get_mut(code) {
            Some(map) => map,
            None => self.unknown_identifiers.entry(code.to_owned()).or_default(),
        };
        let room = per_identifier.len() < identifiers;
        match per_identifier.get_mut(identifier) {
            Some(count) => *count += 1,
            None if room => {
                per_identifier.insert(identifier.to_owned(), 1);
            }
            None => {}
        }
    }

    /// Rows of the per-identifier table: (vendor, identifier, lines), most frequent first.
    pub fn unknown_rows(&self) -> Vec<(&str, &str, u64)> {
        let mut rows: Vec<(&str, &str, u64)> = self
            .unknown_identifiers
            .iter()
            .flat_map(|(vendor, map)| map.iter().map(move |(id, count)| (vendor.as_str(), id.as_str(), *count)))
            .collect();
        rows.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)).then(a.1.cmp(b.1)));
        rows
    }

    fn vendor(&mut self, code: &str) -> &mut VendorCounts {
        if !self.by_vendor.contains_key(code) {
            self.by_vendor.insert(code.to_owned(), VendorCounts::default());
        }
        self.by_vendor.get_mut(code).expect("inserted above")
    }

    pub fn merge(&mut self, other: IntakeCounts) {
        for (code, counts) in other.by_vendor {
            let mine = self.vendor(&code);
            mine.events += counts.events;
            mine.unknown_identifiers += counts.unknown_identifiers;
            mine.unparsed += counts.unparsed;
        }
        for (code, identifiers) in other.unknown_identifiers {
            let mine = self.unknown_identifiers.entry(code).or_default();
            for (identifier, count) in identifiers {
                *mine.entry(identifier).or_default() += count;
            }
        }
    }

    /// "watchguard: 12 lines of unknown message type 3000-0199", most frequent first.
    pub fn unknown_lines(&self) -> Vec<String> {
        self.unknown_rows()
            .into_iter()
            .map(|(vendor, id, count)| {
                let noun = if count == 1 { "line" } else { "lines" };
                format!("{vendor}: {count} {noun} of unknown message type {id}")
            })
            .collect()
    }
}

fn rule_text(kind: Kind, rule: Rule) -> &'static str {
    match (kind, rule) {
        (_, Rule::Blocked) => "blocked",
        (_, Rule::Detected) => "detected",
        (_, Rule::Allowed) => "allowed",
        (Kind::Threat, Rule::Verdict) => "blocked if the line says so, else detected",
        (_, Rule::Verdict) => "blocked if the line says so, else allowed",
        (_, Rule::ThreatIfBlocked) => "blocked → threat; else allowed traffic",
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}

/// The catalogues as Markdown, for `docs/utm-catalogues.md`.
pub fn render_markdown() -> String {
    let mut out = String::new();
    out.push_str("# UTM message catalogues\n\n");
    out.push_str(
        "Generated from `crates/utm/src/vendor/*.rs` (`CATALOGUE` tables) by the test \
         `catalogue_page_is_current`; regenerate with `UPDATE_CATALOGUE_DOCS=1 cargo test -p utm \
         catalogue_page_is_current`. Do not edit by hand.\n\n",
    );
    out.push_str(
        "Each vendor's identifier is looked up in its table. An identifier that is not in the table \
         is classified by its family (first matching prefix), else by the fallback, and is counted \
         per vendor and identifier (\"N lines of unknown message type X\"). A threat is never \
         classified as allowed: a threat family's unknown identifier is at least *detected*.\n\n",
    );
    for catalogue in all() {
        out.push_str(&format!("## {}\n\n", catalogue.vendor.code()));
        out.push_str(&format!("Identifier: {}.\n\nSource: {}\n\n", catalogue.identifier, catalogue.source));
        if !catalogue.notes.is_empty() {
            out.push_str(&format!("{}\n\n", catalogue.notes));
        }
        out.push_str("| Identifier | Meaning | Kind | Category | Action | Severity |\n|---|---|---|---|---|---|\n");
        for entry in catalogue.entries {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                entry.id,
                escape(entry.meaning),
                entry.kind.code(),
                entry.category.code(),
                rule_text(entry.kind, entry.rule),
                entry.severity.map_or("from the line", Severity::code)
            ));
        }
        out.push_str("\nFamilies (for identifiers not in the table):\n\n");
        out.push_str("| Prefix | Meaning | Kind | Category | Action |\n|---|---|---|---|---|\n");
        for family in catalogue.families {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                family.prefix,
                escape(family.meaning),
                family.kind.code(),
                family.category.code(),
                rule_text(family.kind, family.rule)
            ));
        }
        let (kind, category, rule) = catalogue.fallback;
        out.push_str(&format!(
            "\nAnything else: {} / {} / {}.\n\n",
            kind.code(),
            category.code(),
            rule_text(kind, rule)
        ));
    }
    out.push_str(
        "## cef, leef (other devices)\n\n\
         CEF and LEEF lines are attributed to the device family named in `Device Vendor`. Those \
         of Fortinet, Palo Alto Networks, Check Point, SonicWall and WatchGuard are classified \
         with that family's table above (FortiGate `cat=type:subtype`, PAN-OS type/subtype, Check \
         Point `product`, SonicWall and WatchGuard event ids). Lines from Sophos, Juniper and \
         Cisco in CEF/LEEF, and from any other device, have no table: they are classified by keywords in `cat`, the event name and the \
         signature id (malware/virus/trojan/ransom → malware; botnet/C&C → botnet; \
         intrusion/IPS/IDS/exploit/attack → intrusion; spam/phish → spam; url/web → web; \
         DLP/data loss → data leak; anything else → other), a threat being blocked when `act` \
         says so and detected otherwise, and every such line is counted as an unknown identifier \
         `Device Vendor|Device Product|Signature ID`.\n\n\
         Source: OpenText (Micro Focus) *ArcSight Common Event Format (CEF) Implementation \
         Standard* 25; IBM *QRadar Log Event Extended Format (LEEF)* 2.0.\n",
    );
    out
}

/// Shorthand constructors for the tables.
pub(crate) const fn entry(
    id: &'static str,
    kind: Kind,
    category: Category,
    rule: Rule,
    severity: Option<Severity>,
    meaning: &'static str,
) -> Entry {
    Entry { id, kind, category, rule, severity, meaning }
}

pub(crate) const fn family(
    prefix: &'static str,
    kind: Kind,
    category: Category,
    rule: Rule,
    meaning: &'static str,
) -> Family {
    Family { prefix, kind, category, rule, meaning }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_threat_entry_or_family_is_allowed() {
        for catalogue in all() {
            for entry in catalogue.entries {
                assert!(
                    !(entry.kind == Kind::Threat && entry.rule == Rule::Allowed),
                    "{}: {}",
                    catalogue.vendor,
                    entry.id
                );
                for verdict in [Verdict::Blocked, Verdict::Passed, Verdict::Unknown] {
                    let (kind, _, action) = resolve(entry.kind, entry.category, entry.rule, verdict);
                    assert!(!(kind == Kind::Threat && action == Action::Allowed));
                }
            }
            for family in catalogue.families {
                assert!(!(family.kind == Kind::Threat && family.rule == Rule::Allowed));
            }
        }
    }

    #[test]
    fn identifiers_are_unique_per_vendor() {
        for catalogue in all() {
            for (index, entry) in catalogue.entries.iter().enumerate() {
                let parts: Vec<&str> = entry.id.split('/').collect();
                let found = catalogue.entry(&parts).map(|found| found.id);
                assert_eq!(found, Some(entry.id), "{}: {} is shadowed (row {index})", catalogue.vendor, entry.id);
            }
        }
    }

    #[test]
    fn dashes_and_case_do_not_matter() {
        assert!(same_part("3000-0148", "30000148"));
        assert!(same_part("1AFF-0021", "1aff-0021"));
        assert!(!same_part("3000-0148", "3000-01480"));
        // The same as comparing without the dashes, ignoring case.
        let words =
            ["", "-", "--", "ips", "IPS", "ip-s", "-ips", "ips-", "virus", "app-ctrl", "appctrl", "a", "b", " ips "];
        for pattern in words.iter().filter(|word| !word.contains(' ')) {
            for value in words {
                let strip = |text: &str| text.trim().replace('-', "").to_ascii_lowercase();
                assert_eq!(same_part(pattern, value), strip(pattern) == strip(value), "{pattern:?} {value:?}");
            }
        }
        assert!(starts_with_part("0F010001", "0F01-"));
    }

    #[test]
    fn counts_unknown_identifiers_per_vendor() {
        let mut counts = IntakeCounts::default();
        let mut event = Event::new(Vendor::Watchguard, Kind::Threat, Category::Anomaly, Action::Detected);
        event.unknown_identifier = Some("3000-0199".into());
        counts.add(&Ok(event.clone()));
        counts.add(&Ok(event));
        counts.add(&Err(Unparsed { vendor: None, reason: crate::UnparsedReason::UnknownFormat }));
        assert_eq!(counts.by_vendor["watchguard"].unknown_identifiers, 2);
        assert_eq!(counts.by_vendor["unknown"].unparsed, 1);
        assert_eq!(counts.unknown_lines(), vec!["watchguard: 2 lines of unknown message type 3000-0199"]);
    }

    #[test]
    fn a_limited_count_keeps_few_identifiers_and_counts_every_line() {
        let mut counts = IntakeCounts::default();
        for identifier in ["a", "b", "c", "a"] {
            let mut event = Event::new(Vendor::Cisco, Kind::Event, Category::Other, Action::Allowed);
            event.unknown_identifier = Some(identifier.into());
            counts.add_limited(&Ok(event), 2);
        }
        assert_eq!(counts.by_vendor["cisco"].unknown_identifiers, 4);
        assert_eq!(counts.unknown_identifiers["cisco"].len(), 2);
        assert_eq!(counts.unknown_identifiers["cisco"]["a"], 2);
    }

    #[test]
    fn merged_counts_add_up() {
        let mut event = Event::new(Vendor::Cisco, Kind::Event, Category::Other, Action::Allowed);
        event.unknown_identifier = Some("113010".into());
        let mut left = IntakeCounts::default();
        left.add(&Ok(event.clone()));
        let mut right = IntakeCounts::default();
        right.add(&Ok(event));
        right.add(&Err(Unparsed { vendor: Some(Vendor::Cisco), reason: crate::UnparsedReason::MissingField("x") }));
        left.merge(right);
        assert_eq!(left.by_vendor["cisco"], VendorCounts { events: 2, unknown_identifiers: 2, unparsed: 1 });
        assert_eq!(left.unknown_identifiers["cisco"]["113010"], 2);
    }

    #[test]
    fn catalogue_page_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/utm-catalogues.md");
        let rendered = render_markdown();
        if std::env::var_os("UPDATE_CATALOGUE_DOCS").is_some() {
            std::fs::write(path, &rendered).expect("write docs/utm-catalogues.md");
            return;
        }
        let current = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            current == rendered,
            "docs/utm-catalogues.md is stale: run UPDATE_CATALOGUE_DOCS=1 cargo test -p utm catalogue_page_is_current"
        );
    }
}
