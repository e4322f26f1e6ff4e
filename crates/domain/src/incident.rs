//! The course ① incident desk (募集要項 §8 ① 詳細2): tickets with their category, severity and
//! state machine, the SLA clocks in 24/365 time (paused while the desk waits for the company),
//! and the on-site dispatch slots (weekdays 9:00–17:00 JST, never on a holiday or closure day).
//!
//! Pure rules: the clock readings take `now`, the slots take the business calendar.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Asia::Tokyo;

use crate::calendar::BusinessCalendar;

/// What a ticket is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Consultation,
    SuspectedInfection,
    Intrusion,
    Phishing,
    DataLeak,
    DeviceFault,
    Other,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Consultation,
        Category::SuspectedInfection,
        Category::Intrusion,
        Category::Phishing,
        Category::DataLeak,
        Category::DeviceFault,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Consultation => "consultation",
            Category::SuspectedInfection => "suspected_infection",
            Category::Intrusion => "intrusion",
            Category::Phishing => "phishing",
            Category::DataLeak => "data_leak",
            Category::DeviceFault => "device_fault",
            Category::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Category::Consultation => "相談",
            Category::SuspectedInfection => "感染の疑い",
            Category::Intrusion => "不正侵入",
            Category::Phishing => "フィッシング",
            Category::DataLeak => "情報漏えい",
            Category::DeviceFault => "機器の故障",
            Category::Other => "その他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Category::Consultation => "Consultation",
            Category::SuspectedInfection => "Suspected infection",
            Category::Intrusion => "Intrusion",
            Category::Phishing => "Phishing",
            Category::DataLeak => "Data leak",
            Category::DeviceFault => "Device fault",
            Category::Other => "Other",
        }
    }
}

/// How urgent a ticket is, with what it means in plain words for the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Critical, Severity::High, Severity::Medium, Severity::Low];

    pub fn code(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }

    pub fn from_code(code: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Severity::Critical => "緊急",
            Severity::High => "高",
            Severity::Medium => "中",
            Severity::Low => "低",
        }
    }

    /// What the level means, for people who are not security experts.
    pub fn meaning_ja(self) -> &'static str {
        match self {
            Severity::Critical => {
                "業務が止まっている、または情報が外部に流出しているおそれがあり、すぐに対応が必要です"
            }
            Severity::High => "被害が広がるおそれがあり、当日中の対応が必要です",
            Severity::Medium => "すぐの被害はありませんが、数日以内に対応が必要です",
            Severity::Low => "ご相談・ご質問など、急ぎではないものです",
        }
    }

    pub fn meaning_en(self) -> &'static str {
        match self {
            Severity::Critical => "Work has stopped or data may be leaking: action is needed now",
            Severity::High => "The damage may spread: action is needed today",
            Severity::Medium => "No damage yet, but action is needed within days",
            Severity::Low => "A question or consultation that is not urgent",
        }
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    New,
    Triaged,
    InProgress,
    /// The desk waits for the company: the SLA clocks are paused.
    WaitingForCompany,
    Resolved,
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::New,
        TicketStatus::Triaged,
        TicketStatus::InProgress,
        TicketStatus::WaitingForCompany,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::Triaged => "triaged",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::WaitingForCompany => "waiting_for_company",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            TicketStatus::New => "新規",
            TicketStatus::Triaged => "受付済み",
            TicketStatus::InProgress => "対応中",
            TicketStatus::WaitingForCompany => "お客様の回答待ち",
            TicketStatus::Resolved => "解決",
            TicketStatus::Closed => "完了",
        }
    }

    /// Whether the resolution clock runs in this state.
    pub fn clock_runs(self) -> bool {
        matches!(self, TicketStatus::New | TicketStatus::Triaged | TicketStatus::InProgress)
    }
}

/// What can happen to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketEvent {
    Triage,
    Start,
    AskCompany,
    CompanyReplied,
    Resolve,
    Close,
    Reopen,
}

/// The ticket's state machine: new → triaged → in progress ⇄ waiting for the company →
/// resolved → closed; a resolved or closed ticket can be reopened (back to in progress).
pub fn transition(from: TicketStatus, event: TicketEvent) -> Result<TicketStatus, (TicketStatus, TicketEvent)> {
    use TicketEvent as E;
    use TicketStatus as S;
    let to = match (from, event) {
        (S::New, E::Triage) => S::Triaged,
        (S::New | S::Triaged, E::Start) => S::InProgress,
        (S::Triaged | S::InProgress, E::AskCompany) => S::WaitingForCompany,
        (S::WaitingForCompany, E::CompanyReplied) => S::InProgress,
        (S::Triaged | S::InProgress | S::WaitingForCompany, E::Resolve) => S::Resolved,
        (S::Resolved, E::Close) => S::Closed,
        (S::Resolved | S::Closed, E::Reopen) => S::InProgress,
        _ => return Err((from, event)),
    };
    Ok(to)
}

/// First-response and resolution targets of one severity, in elapsed (24/365) time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub first_response: Duration,
    pub resolution: Duration,
}

/// The targets per severity of a programme year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaPolicy {
    pub critical: Targets,
    pub high: Targets,
    pub medium: Targets,
    pub low: Targets,
}

impl Default for SlaPolicy {
    /// Critical 30 min / 4 h, high 1 h / 24 h, medium 4 h / 72 h, low 24 h / 7 days
    /// (`docs/decisions.md`, "Incident desk SLA").
    fn default() -> Self {
        let t = |response_minutes: i64, resolution_hours: i64| Targets {
            first_response: Duration::minutes(response_minutes),
            resolution: Duration::hours(resolution_hours),
        };
        SlaPolicy { critical: t(30, 4), high: t(60, 24), medium: t(240, 72), low: t(24 * 60, 7 * 24) }
    }
}

impl SlaPolicy {
    pub fn targets(&self, severity: Severity) -> Targets {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

/// One SLA clock's reading at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockReading {
    /// Running: due at this instant (moves later by every pause).
    Running { due: DateTime<Utc>, left: Duration },
    /// Paused while the desk waits for the company: this much of the target was left.
    Paused { left: Duration },
    /// Stopped in time (first response given, or resolved) at this instant.
    Met { at: DateTime<Utc> },
    /// The target passed: by this much (so far, or when it stopped).
    Breached { by: Duration },
}

/// The resolution clock of a ticket opened at `opened_at` with `target`, whose status changes
/// (instant, new status) are `changes` in time order, read at `now`. The clock runs in 24/365
/// time while the ticket is new, triaged or in progress, pauses while the desk waits for the
/// company, stops when resolved, and runs again when reopened.
pub fn resolution_clock(
    opened_at: DateTime<Utc>,
    target: Duration,
    changes: &[(DateTime<Utc>, TicketStatus)],
    now: DateTime<Utc>,
) -> ClockReading {
    let mut used = Duration::zero();
    let mut status = TicketStatus::New;
    let mut since = opened_at;
    for &(at, next) in changes.iter().filter(|(at, _)| *at <= now) {
        if status.clock_runs() {
            used += at - since;
        }
        status = next;
        since = at;
    }
    match status {
        s if s.clock_runs() => {
            let used_now = used + (now - since);
            if used_now > target {
                ClockReading::Breached { by: used_now - target }
            } else {
                ClockReading::Running { due: now + (target - used_now), left: target - used_now }
            }
        }
        TicketStatus::WaitingForCompany if used > target => ClockReading::Breached { by: used - target },
        TicketStatus::WaitingForCompany => ClockReading::Paused { left: target - used },
        _ if used > target => ClockReading::Breached { by: used - target },
        _ => ClockReading::Met { at: since },
    }
}

/// The first-response clock: runs from opening until the desk's first answer, never paused
/// (nobody has asked the company anything yet).
pub fn first_response_clock(
    opened_at: DateTime<Utc>,
    target: Duration,
    first_response_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ClockReading {
    let stopped = first_response_at.filter(|at| *at <= now);
    let used = stopped.unwrap_or(now) - opened_at;
    match stopped {
        _ if used > target => ClockReading::Breached { by: used - target },
        Some(at) => ClockReading::Met { at },
        None => ClockReading::Running { due: opened_at + target, left: target - used },
    }
}

/// On-site hours: weekdays 9:00–17:00 JST on business days.
pub const DISPATCH_OPENS: u32 = 9;
pub const DISPATCH_CLOSES: u32 = 17;
/// Proposed slots start on the hour or the half hour.
const SLOT_STEP_MINUTES: i64 = 30;
/// How far ahead a free slot is looked for.
const SEARCH_DAYS: i64 = 90;

/// Why a dispatch slot was refused, with the next slot that would be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRefusal {
    pub reason: SlotProblem,
    pub next: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotProblem {
    /// Not a business day (weekend, holiday or closure day such as 12/29–1/3).
    NotBusinessDay,
    /// Starts before 9:00 or ends after 17:00 JST.
    OutsideHours,
    /// The engineer has another dispatch then.
    Overlap,
    /// A visit shorter than a minute or longer than the working day.
    BadLength,
}

impl SlotProblem {
    pub fn message_ja(self) -> &'static str {
        match self {
            SlotProblem::NotBusinessDay => "駆け付けは平日（祝日・年末年始を除く）のみです",
            SlotProblem::OutsideHours => "駆け付けは9:00～17:00の間に収まる時間で指定してください",
            SlotProblem::Overlap => "この技術者は同じ時間に別の駆け付けがあります",
            SlotProblem::BadLength => "作業時間は1分以上、8時間以内で指定してください",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            SlotProblem::NotBusinessDay => "Visits are on weekdays only (not on holidays or 12/29–1/3)",
            SlotProblem::OutsideHours => "A visit must fit between 9:00 and 17:00 JST",
            SlotProblem::Overlap => "The engineer has another visit at that time",
            SlotProblem::BadLength => "A visit lasts from 1 minute to 8 hours",
        }
    }
}

/// Checks a dispatch from `start` for `length` against the calendar and the engineer's other
/// dispatches (`busy`, start and end); when refused, proposes the next slot that fits.
pub fn check_slot(
    calendar: &BusinessCalendar,
    start: DateTime<Utc>,
    length: Duration,
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Result<(), SlotRefusal> {
    if length < Duration::minutes(1) || length > Duration::hours(i64::from(DISPATCH_CLOSES - DISPATCH_OPENS)) {
        return Err(SlotRefusal { reason: SlotProblem::BadLength, next: None });
    }
    match slot_problem(calendar, start, length, busy) {
        None => Ok(()),
        Some(reason) => Err(SlotRefusal { reason, next: next_slot(calendar, start, length, busy) }),
    }
}

fn slot_problem(
    calendar: &BusinessCalendar,
    start: DateTime<Utc>,
    length: Duration,
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Option<SlotProblem> {
    let end = start + length;
    let local_start = start.with_timezone(&Tokyo);
    let local_end = end.with_timezone(&Tokyo);
    let day = local_start.date_naive();
    if !calendar.is_business_day(day) {
        return Some(SlotProblem::NotBusinessDay);
    }
    if local_start < at(day, DISPATCH_OPENS) || local_end > at(day, DISPATCH_CLOSES) {
        return Some(SlotProblem::OutsideHours);
    }
    if busy.iter().any(|&(from, until)| start < until && from < end) {
        return Some(SlotProblem::Overlap);
    }
    None
}

/// The first slot from `after` (rounded up to the half hour) that fits, within 90 days.
pub fn next_slot(
    calendar: &BusinessCalendar,
    after: DateTime<Utc>,
    length: Duration,
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Option<DateTime<Utc>> {
    let local = after.with_timezone(&Tokyo);
    let minutes = i64::from(local.minute());
    let extra = (SLOT_STEP_MINUTES - minutes % SLOT_STEP_MINUTES) % SLOT_STEP_MINUTES;
    let needs_rounding = extra != 0 || local.second() != 0 || local.nanosecond() != 0;
    let mut candidate = local.with_second(0)?.with_nanosecond(0)?
        + Duration::minutes(if needs_rounding && extra == 0 { SLOT_STEP_MINUTES } else { extra });
    let limit = after + Duration::days(SEARCH_DAYS);
    while candidate.with_timezone(&Utc) < limit {
        let day = candidate.date_naive();
        if !calendar.is_business_day(day) || candidate + length > at(day, DISPATCH_CLOSES) {
            candidate = at(day + Duration::days(1), DISPATCH_OPENS);
            continue;
        }
        if candidate < at(day, DISPATCH_OPENS) {
            candidate = at(day, DISPATCH_OPENS);
            continue;
        }
        let start = candidate.with_timezone(&Utc);
        if slot_problem(calendar, start, length, busy).is_none() {
            return Some(start);
        }
        candidate += Duration::minutes(SLOT_STEP_MINUTES);
    }
    None
}

/// `hour`:00 JST on `day`.
fn at(day: NaiveDate, hour: u32) -> DateTime<chrono_tz::Tz> {
    let time = NaiveTime::from_hms_opt(hour, 0, 0).expect("a valid hour");
    Tokyo.from_local_datetime(&day.and_time(time)).single().expect("Asia/Tokyo has no DST")
}

/// A UTM detection as the automatic-ticket rules read it (the codes of `utm::Event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Detection<'a> {
    /// `malware`, `botnet`, `data_leak`, `intrusion`, …
    pub category: &'a str,
    /// `blocked`, `detected` or `allowed`.
    pub action: &'a str,
    /// `info` … `critical`.
    pub severity: &'a str,
    pub signature: &'a str,
    pub source: Option<&'a str>,
}

/// The default rules for opening a ticket from the UTM's detections (`docs/decisions.md`,
/// "Incident desk: automatic tickets"): malware, botnet or data leak that was not blocked, and
/// anything of critical severity. Bursts are counted by the caller ([`BURST_THRESHOLD`] threats
/// from one source within [`BURST_WINDOW`]). Returns the ticket's category and severity.
pub fn auto_ticket(detection: &Detection<'_>) -> Option<(Category, Severity)> {
    let blocked = detection.action == "blocked";
    let category = match detection.category {
        "malware" | "botnet" => Category::SuspectedInfection,
        "data_leak" => Category::DataLeak,
        "intrusion" => Category::Intrusion,
        "web" | "spam" => Category::Phishing,
        _ => Category::Other,
    };
    match detection.category {
        "malware" | "botnet" if !blocked => Some((category, Severity::High)),
        "data_leak" if !blocked => Some((category, Severity::Critical)),
        _ if detection.severity == "critical" => {
            Some((category, if blocked { Severity::High } else { Severity::Critical }))
        }
        _ => None,
    }
}

/// Threats from one source within [`BURST_WINDOW`] that open a ticket.
pub const BURST_THRESHOLD: u32 = 100;
pub const BURST_WINDOW: Duration = Duration::minutes(10);
/// An automatic ticket takes further detections of the same device, signature and source for
/// this long after its last one, instead of another ticket being opened.
pub const DEDUPE_WINDOW: Duration = Duration::hours(24);

/// The key an automatic ticket is deduplicated by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DedupeKey {
    pub device: String,
    pub signature: String,
    pub source: Option<String>,
}

/// Whether a detection at `at` with `key` joins the open automatic ticket with `open_key`
/// whose last detection was at `last_seen`.
pub fn joins(open_key: &DedupeKey, last_seen: DateTime<Utc>, key: &DedupeKey, at: DateTime<Utc>) -> bool {
    open_key == key && at >= last_seen - DEDUPE_WINDOW && at - last_seen <= DEDUPE_WINDOW
}

/// How a ticket reached the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The company opened it in the portal.
    Portal,
    /// Desk staff logged a phone call.
    Phone,
    /// Desk staff logged an e-mail.
    Email,
    /// Kojo opened it from the UTM's detections.
    Automatic,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Portal, Channel::Phone, Channel::Email, Channel::Automatic];

    pub fn code(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Automatic => "automatic",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Channel::Portal => "ポータル",
            Channel::Phone => "電話",
            Channel::Email => "メール",
            Channel::Automatic => "UTMの検知（自動）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Channel::Portal => "Portal",
            Channel::Phone => "Phone",
            Channel::Email => "E-mail",
            Channel::Automatic => "UTM detection (automatic)",
        }
    }
}

/// A remote action the desk took, recorded on the ticket's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemoteAction {
    /// Told the company how to cut an infected PC off the network.
    IsolationAdvice,
    /// Removed malware remotely.
    MalwareRemoval,
    /// Changed the UTM's policy (blocked an address, a category …).
    PolicyChange,
    Other,
}

impl RemoteAction {
    pub const ALL: [RemoteAction; 4] =
        [RemoteAction::IsolationAdvice, RemoteAction::MalwareRemoval, RemoteAction::PolicyChange, RemoteAction::Other];

    pub fn code(self) -> &'static str {
        match self {
            RemoteAction::IsolationAdvice => "isolation_advice",
            RemoteAction::MalwareRemoval => "malware_removal",
            RemoteAction::PolicyChange => "policy_change",
            RemoteAction::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<RemoteAction> {
        RemoteAction::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RemoteAction::IsolationAdvice => "隔離の助言（ネットワークからの切り離し）",
            RemoteAction::MalwareRemoval => "マルウェアの遠隔駆除",
            RemoteAction::PolicyChange => "UTMの設定変更",
            RemoteAction::Other => "その他の遠隔対応",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RemoteAction::IsolationAdvice => "Isolation advice (disconnecting from the network)",
            RemoteAction::MalwareRemoval => "Remote malware removal",
            RemoteAction::PolicyChange => "UTM policy change",
            RemoteAction::Other => "Other remote action",
        }
    }
}

/// Longest ticket subject, in characters as typed.
pub const SUBJECT_MAX: usize = 120;
/// Longest ticket description or message, in characters as typed.
pub const BODY_MAX: usize = 4000;

/// A ticket as the portal form, the desk's form or the API give it (codes as listed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketInput {
    pub category: String,
    /// Empty from the company's form: the desk sets it at triage (medium until then).
    pub severity: String,
    pub subject: String,
    pub description: String,
}

/// A checked ticket: the subject normalised, the description's lines kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    pub category: Category,
    pub severity: Severity,
    pub subject: String,
    pub description: String,
}

/// Parses a ticket; every problem is reported per field (Japanese and English).
pub fn parse_ticket(input: &TicketInput) -> Result<NewTicket, crate::application::FieldIssues> {
    let mut issues = crate::application::FieldIssues::default();
    let category = Category::from_code(input.category.trim());
    if category.is_none() {
        issues.push("category", "種類を選択してください", "Choose what it is about");
    }
    let severity = match input.severity.trim() {
        "" => Some(Severity::Medium),
        code => Severity::from_code(code).or_else(|| {
            issues.push("severity", "緊急度の値が正しくありません", "Unknown severity");
            None
        }),
    };
    let subject =
        crate::text::required(&input.subject, SUBJECT_MAX).map_err(|error| issues.push_error("subject", &error)).ok();
    let description =
        multi_line(&input.description, BODY_MAX).map_err(|error| issues.push_error("description", &error)).ok();
    match (category, severity, subject, description) {
        (Some(category), Some(severity), Some(subject), Some(description)) if issues.is_empty() => {
            Ok(NewTicket { category, severity, subject, description })
        }
        _ => Err(issues),
    }
}

/// Text whose line breaks are kept: each line trimmed, CR LF as LF, not empty, at most
/// `max_chars` characters as typed, no control character but tab and line breaks.
pub fn multi_line(input: &str, max_chars: usize) -> Result<String, crate::text::FieldError> {
    use crate::text::FieldError;
    if crate::text::has_control(input) {
        return Err(FieldError::ControlCharacter);
    }
    if crate::text::too_long(input, max_chars) {
        return Err(FieldError::TooLong { max: max_chars });
    }
    let text = input.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim().to_string();
    if text.is_empty() { Err(FieldError::Required) } else { Ok(text) }
}

/// One severity's targets as a programme file gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    pub first_response_minutes: u32,
    pub resolution_hours: u32,
}

/// The year's SLA targets (`[incident_desk.sla]`); a severity not given keeps its default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical: Option<TargetSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<TargetSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<TargetSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<TargetSpec>,
}

/// The incident desk of a programme year (`[incident_desk]` of its file): who is told of an SLA
/// breach, and the targets.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskSpec {
    /// The desk lead's address; without it, breaches go to every active UTM-operator user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_email: Option<String>,
    #[serde(default)]
    pub sla: SlaSpec,
}

/// A checked [`DeskSpec`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeskSettings {
    pub lead_email: Option<crate::text::EmailAddress>,
    pub sla: SlaPolicy,
}

/// Why a desk section was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    #[error("デスク責任者のメールアドレスが正しくありません")]
    LeadEmail,
    #[error("{0}: 初動の目標は1分～7日、解決の目標は1時間～90日で、解決は初動より後にしてください")]
    Targets(&'static str),
}

impl DeskSpec {
    pub fn validate(&self) -> Result<DeskSettings, DeskError> {
        let lead_email = match self.lead_email.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => {
                Some(crate::text::EmailAddress::parse(raw).map_err(|_| DeskError::LeadEmail)?)
            }
            _ => None,
        };
        let defaults = SlaPolicy::default();
        let pick = |given: Option<TargetSpec>, default: Targets, name: &'static str| match given {
            None => Ok(default),
            Some(spec) => {
                let first_response = Duration::minutes(i64::from(spec.first_response_minutes));
                let resolution = Duration::hours(i64::from(spec.resolution_hours));
                let ok = (1..=7 * 24 * 60).contains(&spec.first_response_minutes)
                    && (1..=90 * 24).contains(&spec.resolution_hours)
                    && resolution > first_response;
                if ok { Ok(Targets { first_response, resolution }) } else { Err(DeskError::Targets(name)) }
            }
        };
        Ok(DeskSettings {
            lead_email,
            sla: SlaPolicy {
                critical: pick(self.sla.critical, defaults.critical, "critical")?,
                high: pick(self.sla.high, defaults.high, "high")?,
                medium: pick(self.sla.medium, defaults.medium, "medium")?,
                low: pick(self.sla.low, defaults.low, "low")?,
            },
        })
    }
}

/// What the dashboard and Tokyo's figures count of one month's tickets: how many, by category
/// and severity, and the mean times to first response (MTTA) and resolution (MTTR).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonthFigures {
    pub opened: u32,
    pub by_category: Vec<(Category, u32)>,
    pub by_severity: Vec<(Severity, u32)>,
    pub responded: u32,
    pub mean_first_response_minutes: Option<f64>,
    pub resolved: u32,
    pub mean_resolution_minutes: Option<f64>,
    pub response_breaches: u32,
    pub resolution_breaches: u32,
}

/// One ticket as the figures read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FigureInput {
    pub category: Category,
    pub severity: Severity,
    pub opened_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub response_breached: bool,
    pub resolution_breached: bool,
}

/// The figures of the tickets opened in one month (the caller picks them).
pub fn month_figures(tickets: &[FigureInput]) -> MonthFigures {
    let mean = |values: Vec<i64>| (!values.is_empty()).then(|| values.iter().sum::<i64>() as f64 / values.len() as f64);
    let responses: Vec<i64> =
        tickets.iter().filter_map(|t| t.first_response_at.map(|at| (at - t.opened_at).num_minutes())).collect();
    let resolutions: Vec<i64> =
        tickets.iter().filter_map(|t| t.resolved_at.map(|at| (at - t.opened_at).num_minutes())).collect();
    MonthFigures {
        opened: tickets.len() as u32,
        by_category: Category::ALL
            .into_iter()
            .map(|c| (c, tickets.iter().filter(|t| t.category == c).count() as u32))
            .collect(),
        by_severity: Severity::ALL
            .into_iter()
            .map(|s| (s, tickets.iter().filter(|t| t.severity == s).count() as u32))
            .collect(),
        responded: responses.len() as u32,
        mean_first_response_minutes: mean(responses),
        resolved: resolutions.len() as u32,
        mean_resolution_minutes: mean(resolutions),
        response_breaches: tickets.iter().filter(|t| t.response_breached).count() as u32,
        resolution_breaches: tickets.iter().filter(|t| t.resolution_breached).count() as u32,
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn tokyo(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn minutes(m: i64) -> Duration {
        Duration::minutes(m)
    }

    #[test]
    fn the_state_machine_allows_only_its_moves() {
        use TicketEvent as E;
        use TicketStatus as S;
        assert_eq!(transition(S::New, E::Triage), Ok(S::Triaged));
        assert_eq!(transition(S::InProgress, E::AskCompany), Ok(S::WaitingForCompany));
        assert_eq!(transition(S::WaitingForCompany, E::CompanyReplied), Ok(S::InProgress));
        assert_eq!(transition(S::Closed, E::Reopen), Ok(S::InProgress));
        assert_eq!(transition(S::New, E::Close), Err((S::New, E::Close)), "a ticket is resolved before it is closed");
        assert_eq!(transition(S::Closed, E::Resolve), Err((S::Closed, E::Resolve)));
    }

    #[test]
    fn the_resolution_clock_runs_around_the_clock_and_pauses_for_the_company() {
        let opened = tokyo("2026-12-04T23:00:00+09:00"); // a Friday night: 24/365, no business hours
        let target = Duration::hours(4);
        assert_eq!(
            resolution_clock(opened, target, &[], opened + minutes(90)),
            ClockReading::Running { due: opened + Duration::hours(4), left: minutes(150) }
        );
        // In progress at +10 min, waiting for the company from +1 h to +3 h, back at +3 h.
        let changes = [
            (opened + minutes(10), TicketStatus::InProgress),
            (opened + minutes(60), TicketStatus::WaitingForCompany),
            (opened + minutes(180), TicketStatus::InProgress),
        ];
        assert_eq!(
            resolution_clock(opened, target, &changes, opened + minutes(120)),
            ClockReading::Paused { left: minutes(180) }
        );
        assert_eq!(
            resolution_clock(opened, target, &changes, opened + minutes(200)),
            ClockReading::Running { due: opened + Duration::hours(6), left: minutes(160) },
            "the two paused hours move the due time"
        );
        assert_eq!(
            resolution_clock(opened, target, &changes, opened + minutes(361)),
            ClockReading::Breached { by: minutes(1) }
        );
        let resolved = [changes.as_slice(), &[(opened + minutes(300), TicketStatus::Resolved)]].concat();
        assert_eq!(
            resolution_clock(opened, target, &resolved, opened + minutes(600)),
            ClockReading::Met { at: opened + minutes(300) }
        );
        // Reopened: runs again from where it stopped.
        let reopened = [resolved.as_slice(), &[(opened + minutes(600), TicketStatus::InProgress)]].concat();
        assert_eq!(
            resolution_clock(opened, target, &reopened, opened + minutes(630)),
            ClockReading::Running { due: opened + minutes(630) + minutes(30), left: minutes(30) }
        );
    }

    #[test]
    fn the_first_response_clock_does_not_pause() {
        let opened = tokyo("2026-12-31T03:00:00+09:00");
        let target = minutes(30);
        assert_eq!(
            first_response_clock(opened, target, None, opened + minutes(10)),
            ClockReading::Running { due: opened + target, left: minutes(20) }
        );
        assert_eq!(
            first_response_clock(opened, target, Some(opened + minutes(25)), opened + minutes(90)),
            ClockReading::Met { at: opened + minutes(25) }
        );
        assert_eq!(
            first_response_clock(opened, target, Some(opened + minutes(45)), opened + minutes(90)),
            ClockReading::Breached { by: minutes(15) }
        );
        assert_eq!(
            first_response_clock(opened, target, None, opened + minutes(31)),
            ClockReading::Breached { by: minutes(1) }
        );
        assert_eq!(SlaPolicy::default().targets(Severity::Critical).resolution, Duration::hours(4));
    }

    fn calendar() -> BusinessCalendar {
        BusinessCalendar::japan()
    }

    #[rstest]
    // Friday 2026-12-04 is a business day.
    #[case("2026-12-04T09:00:00+09:00", 60, None)]
    #[case("2026-12-04T16:00:00+09:00", 60, None)]
    #[case("2026-12-04T08:59:00+09:00", 60, Some((SlotProblem::OutsideHours, "2026-12-04T09:00:00+09:00")))]
    #[case("2026-12-04T16:30:00+09:00", 60, Some((SlotProblem::OutsideHours, "2026-12-07T09:00:00+09:00")))]
    #[case("2026-12-04T17:00:00+09:00", 30, Some((SlotProblem::OutsideHours, "2026-12-07T09:00:00+09:00")))]
    // Saturday and Sunday.
    #[case("2026-12-05T10:00:00+09:00", 60, Some((SlotProblem::NotBusinessDay, "2026-12-07T09:00:00+09:00")))]
    #[case("2026-12-06T10:00:00+09:00", 60, Some((SlotProblem::NotBusinessDay, "2026-12-07T09:00:00+09:00")))]
    // The year-end closure 12/29–1/3, then a Monday: 2027-01-04.
    #[case("2026-12-29T10:00:00+09:00", 60, Some((SlotProblem::NotBusinessDay, "2027-01-04T09:00:00+09:00")))]
    #[case("2027-01-02T10:00:00+09:00", 60, Some((SlotProblem::NotBusinessDay, "2027-01-04T09:00:00+09:00")))]
    // A public holiday: 2027-01-11 is 成人の日; the next day is a Tuesday.
    #[case("2027-01-11T10:00:00+09:00", 60, Some((SlotProblem::NotBusinessDay, "2027-01-12T09:00:00+09:00")))]
    fn dispatch_slots(#[case] start: &str, #[case] length: i64, #[case] refused: Option<(SlotProblem, &str)>) {
        let result = check_slot(&calendar(), tokyo(start), minutes(length), &[]);
        match refused {
            None => assert_eq!(result, Ok(())),
            Some((reason, next)) => assert_eq!(result, Err(SlotRefusal { reason, next: Some(tokyo(next)) })),
        }
    }

    #[rstest]
    #[case("malware", "detected", "medium", Some((Category::SuspectedInfection, Severity::High)))]
    #[case("malware", "allowed", "low", Some((Category::SuspectedInfection, Severity::High)))]
    #[case("malware", "blocked", "high", None)]
    #[case("botnet", "detected", "high", Some((Category::SuspectedInfection, Severity::High)))]
    #[case("data_leak", "allowed", "medium", Some((Category::DataLeak, Severity::Critical)))]
    #[case("data_leak", "blocked", "medium", None)]
    #[case("intrusion", "blocked", "critical", Some((Category::Intrusion, Severity::High)))]
    #[case("intrusion", "detected", "critical", Some((Category::Intrusion, Severity::Critical)))]
    #[case("intrusion", "blocked", "high", None)]
    #[case("web", "blocked", "medium", None)]
    fn automatic_tickets(
        #[case] category: &str,
        #[case] action: &str,
        #[case] severity: &str,
        #[case] expected: Option<(Category, Severity)>,
    ) {
        let detection = Detection { category, action, severity, signature: "Eicar", source: Some("192.0.2.7") };
        assert_eq!(auto_ticket(&detection), expected);
    }

    #[test]
    fn detections_join_an_open_ticket_for_24_hours() {
        let key = |signature: &str, source: Option<&str>| DedupeKey {
            device: "FGT60F0000000001".into(),
            signature: signature.into(),
            source: source.map(str::to_string),
        };
        let open = key("Eicar", Some("192.0.2.7"));
        let last = tokyo("2026-12-04T10:00:00+09:00");
        assert!(joins(&open, last, &key("Eicar", Some("192.0.2.7")), last + Duration::hours(24)));
        assert!(!joins(&open, last, &key("Eicar", Some("192.0.2.7")), last + Duration::hours(24) + minutes(1)));
        assert!(!joins(&open, last, &key("Eicar", Some("192.0.2.8")), last + minutes(5)), "another source");
        assert!(!joins(&open, last, &key("Other", Some("192.0.2.7")), last + minutes(5)), "another signature");
        assert!(joins(&open, last, &key("Eicar", Some("192.0.2.7")), last - minutes(5)), "a late-arriving line");
    }

    #[test]
    fn an_engineers_other_dispatch_is_not_overlapped() {
        let busy = [(tokyo("2026-12-04T10:00:00+09:00"), tokyo("2026-12-04T12:00:00+09:00"))];
        let refused = check_slot(&calendar(), tokyo("2026-12-04T11:00:00+09:00"), minutes(60), &busy).unwrap_err();
        assert_eq!(
            refused,
            SlotRefusal { reason: SlotProblem::Overlap, next: Some(tokyo("2026-12-04T12:00:00+09:00")) }
        );
        assert_eq!(
            check_slot(&calendar(), tokyo("2026-12-04T09:00:00+09:00"), minutes(60), &busy),
            Ok(()),
            "back to back is fine"
        );
        assert_eq!(
            check_slot(&calendar(), tokyo("2026-12-04T09:00:00+09:00"), minutes(0), &busy).unwrap_err().reason,
            SlotProblem::BadLength
        );
        // A request at an odd minute is proposed the next half hour.
        assert_eq!(
            next_slot(&calendar(), tokyo("2026-12-04T13:07:30+09:00"), minutes(60), &[]),
            Some(tokyo("2026-12-04T13:30:00+09:00"))
        );
    }

    #[test]
    fn a_ticket_parses_per_field_and_keeps_its_lines() {
        let input = TicketInput {
            category: "phishing".into(),
            severity: String::new(),
            subject: " 不審な　メール ".into(),
            description: "添付を開きました。\r\n\r\nどうすればよいですか  ".into(),
        };
        let ticket = parse_ticket(&input).unwrap();
        assert_eq!(ticket.category, Category::Phishing);
        assert_eq!(ticket.severity, Severity::Medium, "the company does not judge severity");
        assert_eq!(ticket.subject, "不審な メール");
        assert_eq!(ticket.description, "添付を開きました。\n\nどうすればよいですか");
        let bad = TicketInput {
            category: "ransom".into(),
            severity: "urgent".into(),
            subject: "x".repeat(SUBJECT_MAX + 1),
            description: " \n ".into(),
        };
        let issues = parse_ticket(&bad).unwrap_err();
        for field in ["category", "severity", "subject", "description"] {
            assert!(issues.get(field).is_some(), "{field}: {issues:?}");
        }
        let control = TicketInput { description: "a\u{7}".into(), ..input };
        assert!(parse_ticket(&control).unwrap_err().get("description").is_some());
    }

    #[test]
    fn the_desk_section_keeps_defaults_and_refuses_impossible_targets() {
        let spec: DeskSpec = serde_json::from_str(
            r#"{"lead_email": "Lead@Example.JP", "sla": {"critical": {"first_response_minutes": 15, "resolution_hours": 2}}}"#,
        )
        .unwrap();
        let desk = spec.validate().unwrap();
        assert_eq!(desk.lead_email.unwrap().as_str(), "Lead@example.jp");
        assert_eq!(desk.sla.critical.first_response, minutes(15));
        assert_eq!(desk.sla.high, SlaPolicy::default().high);
        let slow = DeskSpec {
            sla: SlaSpec {
                low: Some(TargetSpec { first_response_minutes: 600, resolution_hours: 5 }),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(slow.validate(), Err(DeskError::Targets("low")));
        let zero = DeskSpec {
            sla: SlaSpec {
                high: Some(TargetSpec { first_response_minutes: 0, resolution_hours: 5 }),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(zero.validate(), Err(DeskError::Targets("high")));
        assert_eq!(
            DeskSpec { lead_email: Some("nope".into()), ..Default::default() }.validate(),
            Err(DeskError::LeadEmail)
        );
    }

    #[test]
    fn month_figures_count_and_average_what_happened() {
        let opened = tokyo("2026-12-01T10:00:00+09:00");
        let t = |category, severity, response: Option<i64>, resolution: Option<i64>, breached| FigureInput {
            category,
            severity,
            opened_at: opened,
            first_response_at: response.map(|m| opened + minutes(m)),
            resolved_at: resolution.map(|m| opened + minutes(m)),
            response_breached: breached,
            resolution_breached: false,
        };
        let figures = month_figures(&[
            t(Category::Phishing, Severity::High, Some(20), Some(600), false),
            t(Category::Phishing, Severity::Low, Some(40), None, true),
            t(Category::DataLeak, Severity::Critical, None, None, false),
        ]);
        assert_eq!(figures.opened, 3);
        assert!(figures.by_category.contains(&(Category::Phishing, 2)));
        assert!(figures.by_category.contains(&(Category::DataLeak, 1)));
        assert!(figures.by_severity.contains(&(Severity::Critical, 1)));
        assert_eq!(figures.responded, 2);
        assert_eq!(figures.mean_first_response_minutes, Some(30.0));
        assert_eq!(figures.resolved, 1);
        assert_eq!(figures.mean_resolution_minutes, Some(600.0));
        assert_eq!(figures.response_breaches, 1);
        assert_eq!(month_figures(&[]).mean_first_response_minutes, None);
    }
}
