//! Course ① management guidance (募集要項 §8 ① 2.): the secretariat assigns an expert to each
//! participant; the expert plans and records up to four visits; the company reads each report,
//! acknowledges it and takes its next steps; the company (or the expert with it) fills in the
//! 25-item self-diagnosis, round after round.
//!
//! Scoping is [`company_for`]: the secretariat and administrators reach every participant, an
//! expert only the companies assigned to it, a company user only itself; anything else is "not
//! found". Risk assessment (course ②) reuses it.

use chrono::{DateTime, Duration, Utc};
use domain::access::{Action, Role};
use domain::disclosure::{Audience, Cell};
use domain::guidance::Answer;
use domain::refusal::{GuidanceRefusal, Refusal};
use store::applications::ApplicationRecord;
use store::guidance::{NextStep, Report, RoundRecord, VisitRecord};
use uuid::Uuid;

use crate::stats::Moment;
use crate::{Actor, AppError, Invalid, Result, Services};

/// Longest visit report field (attendees, topics, findings, a next step), as typed.
pub const MAX_REPORT_CHARS: usize = 4000;

fn is_participant(case: &ApplicationRecord) -> bool {
    in_course(case, domain::programme::CourseCode::Utm)
}

fn in_course(case: &ApplicationRecord, course: domain::programme::CourseCode) -> bool {
    case.status == domain::case::CaseState::Confirmed && case.course_code == course
}

/// The company `case` if it is in the actor's scope: every participant for the secretariat and
/// administrators, the assigned ones for an expert, itself for a company user. Anything else
/// (another company, a case not in guidance) is not found.
pub async fn company_for(services: &Services, actor: &Actor, case: Uuid) -> Result<ApplicationRecord> {
    company_in(services, actor, case, domain::programme::CourseCode::Utm, Action::Guide).await
}

/// The scoping rule of the experts' courses: the confirmed participant `case` of `course` if it
/// is in the actor's scope — for staff who may do `action`, every participant (the secretariat)
/// or the assigned ones (an expert); for a company user, itself. Anything else is not found.
pub async fn company_in(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    course: domain::programme::CourseCode,
    action: Action,
) -> Result<ApplicationRecord> {
    if actor.role() == Some(Role::Company) {
        if actor.own_case()? != case {
            return Err(AppError::NotFound);
        }
    } else {
        actor.require(action)?;
        if actor.role() == Some(Role::Expert)
            && store::guidance::expert_of(&services.db, case).await? != actor.user_id()
        {
            return Err(AppError::NotFound);
        }
    }
    let record = store::applications::get(&services.db, case).await?;
    if in_course(&record, course) { Ok(record) } else { Err(AppError::NotFound) }
}

/// A company in guidance, as the lists show it.
#[derive(Debug, Clone)]
pub struct CompanyRow {
    pub record: ApplicationRecord,
    pub expert: Option<store::accounts::UserRecord>,
    pub visits_done: u32,
    pub visits_planned: u32,
    /// The latest complete round's total, and the first's.
    pub latest_total: Option<i32>,
    pub baseline_total: Option<i32>,
}

/// The companies in guidance within the actor's scope, by kana.
pub async fn companies(services: &Services, actor: &Actor) -> Result<Vec<CompanyRow>> {
    actor.require(Action::Guide)?;
    let filter = store::applications::ApplicationFilter {
        status: Some(domain::case::CaseState::Confirmed),
        sort: store::applications::SortKey::CompanyKana,
        ..Default::default()
    };
    let assignments = store::guidance::assignments(&services.db).await?;
    let users = store::accounts::list_users(&services.db).await?;
    let mut rows = Vec::new();
    for record in store::applications::list_all(&services.db, &filter).await? {
        if !is_participant(&record) {
            continue;
        }
        let expert_id = assignments.iter().find(|(case, _)| *case == record.id).map(|(_, expert)| *expert);
        if actor.role() == Some(Role::Expert) && expert_id != actor.user_id() {
            continue;
        }
        let visits = store::guidance::visits(&services.db, record.id).await?;
        let rounds = store::guidance::rounds(&services.db, record.id).await?;
        let complete: Vec<&RoundRecord> = rounds.iter().filter(|r| r.complete).collect();
        rows.push(CompanyRow {
            expert: expert_id.and_then(|id| users.iter().find(|u| u.id == id).cloned()),
            visits_done: visits.iter().filter(|v| v.status == store::guidance::VisitStatus::Done).count() as u32,
            visits_planned: visits.iter().filter(|v| v.status == store::guidance::VisitStatus::Planned).count() as u32,
            latest_total: complete.last().map(|r| r.total),
            baseline_total: complete.first().map(|r| r.total),
            record,
        });
    }
    Ok(rows)
}

/// Management guidance across the programme, with no company named: exact for the secretariat,
/// under the small-cell rule for Tokyo (`domain::disclosure::Audience`).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    /// Confirmed participants of course ①.
    pub participants: Cell,
    pub with_expert: Cell,
    /// Companies by visits done: index 0 to 4 (parts of the participants).
    pub by_visits_done: Vec<Cell>,
    /// Companies with a complete round, and the averages of their first and latest totals.
    pub diagnosed: Cell,
    pub baseline_average: Option<f64>,
    pub latest_average: Option<f64>,
    pub policies_published: Cell,
    pub two_star_ready: Cell,
    pub two_star_declared: Cell,
}

/// The programme's guidance figures as `actor` may see them.
pub async fn figures(services: &Services, actor: &Actor) -> Result<Figures> {
    actor.require(Action::ReadGuidanceFigures)?;
    // The programme year running (every year's before the first one is set up).
    let programme = store::programmes::current(&services.db).await?.map(|p| p.id);
    figures_for(services, Audience::of(actor.role()), Moment::Now(programme)).await
}

/// The same figures for `audience` at `moment`: the results report's are always outside the
/// secretariat's, and count what had happened before its day. Not a use case (no permission is
/// checked): the pages call [`figures`], the report its own use case.
pub async fn figures_for(services: &Services, audience: Audience, moment: Moment) -> Result<Figures> {
    let seen = |at: DateTime<Utc>| moment.has_seen(at);
    let assignments = store::guidance::assignments_since(&services.db).await?;
    let (mut participants, mut with_expert, mut diagnosed) = (0u64, 0u64, 0u64);
    let (mut published_policies, mut ready, mut declared_count) = (0u64, 0u64, 0u64);
    let mut by_visits_done = [0u64; 5];
    let (mut baselines, mut latest) = (Vec::new(), Vec::new());
    for record in moment.participants(services, domain::programme::CourseCode::Utm).await? {
        participants += 1;
        if assignments.iter().any(|(case, _, since)| *case == record.id && seen(*since)) {
            with_expert += 1;
        }
        let visits = store::guidance::visits(&services.db, record.id).await?;
        let done = visits
            .iter()
            .filter(|v| v.status == store::guidance::VisitStatus::Done && v.recorded_at.is_none_or(&seen))
            .count()
            .min(4);
        by_visits_done[done] += 1;
        let rounds: Vec<RoundRecord> = store::guidance::rounds(&services.db, record.id)
            .await?
            .into_iter()
            .filter(|r| r.complete && seen(r.created_at))
            .collect();
        if let (Some(first), Some(last)) = (rounds.first(), rounds.last()) {
            diagnosed += 1;
            baselines.push(f64::from(first.total));
            latest.push(f64::from(last.total));
        }
        let policies = store::guidance::policies(&services.db, record.id).await?;
        let published = match moment {
            Moment::Now(_) => policies.iter().any(|p| p.status == store::guidance::PolicyStatus::Published),
            Moment::Before(_, before) => policies.iter().any(|p| p.public_at(before)),
        };
        published_policies += u64::from(published);
        let declaration = store::guidance::declaration(&services.db, record.id).await?;
        let declared = declaration.is_some_and(|d| match moment {
            Moment::Now(_) => true,
            Moment::Before(_, before) => d.declared_before(crate::clock::tokyo_date(before), before),
        });
        declared_count += u64::from(declared);
        ready += u64::from(!declared && published && !rounds.is_empty());
    }
    let average = |values: &[f64]| (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
    let (by_visits_done, participants_total) = audience.list(&by_visits_done);
    Ok(Figures {
        // The participants are the total of the visits list, suppressed with it.
        participants: match audience {
            Audience::Inside => Cell::Count(participants),
            Audience::Outside => participants_total,
        },
        with_expert: audience.count(with_expert),
        by_visits_done,
        diagnosed: audience.count(diagnosed),
        baseline_average: audience.derived(diagnosed, average(&baselines)),
        latest_average: audience.derived(diagnosed, average(&latest)),
        policies_published: audience.count(published_policies),
        two_star_ready: audience.count(ready),
        two_star_declared: audience.count(declared_count),
    })
}

/// The active experts, for the assignment choice.
pub async fn experts(services: &Services, actor: &Actor) -> Result<Vec<store::accounts::UserRecord>> {
    actor.require(Action::AssignExperts)?;
    let users = store::accounts::list_users(&services.db).await?;
    Ok(users.into_iter().filter(|u| u.is_active && u.role == Role::Expert).collect())
}

/// The secretariat assigns (or reassigns) a participant's expert; the expert is e-mailed.
pub async fn assign(services: &Services, actor: &Actor, case: Uuid, expert: Uuid, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::AssignExperts)?;
    let record = store::applications::get(&services.db, case).await?;
    if record.status != domain::case::CaseState::Confirmed {
        return Err(AppError::NotFound);
    }
    let user = store::accounts::get_user(&services.db, expert)
        .await
        .map_err(|_| Refusal::Guidance(GuidanceRefusal::NotExpert))?;
    if !(user.is_active && user.role == Role::Expert) {
        return Err(Refusal::Guidance(GuidanceRefusal::NotExpert).into());
    }
    let tx = services.db.begin().await?;
    let before = store::guidance::assign(&tx, case, expert, now).await?;
    actor
        .record(
            &tx,
            "guidance.assign",
            ("application", case),
            serde_json::json!({"expert": expert, "before": before}),
            now,
        )
        .await?;
    if before != Some(expert) {
        let email = crate::mail::expert_assigned(&services.mail, &user.email, &record);
        store::outbox::add(&tx, &email, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Everything a company's guidance page shows.
#[derive(Debug, Clone)]
pub struct Guidance {
    pub record: ApplicationRecord,
    pub expert: Option<store::accounts::UserRecord>,
    pub visits: Vec<VisitRecord>,
    pub rounds: Vec<RoundRecord>,
    pub policies: Vec<store::guidance::PolicyRecord>,
    pub measures: Vec<store::guidance::MeasureRecord>,
    pub two_star: domain::guidance::TwoStar,
    pub declared_on: Option<chrono::NaiveDate>,
    /// The company's UTM(s) and its released monthly reports, newest first: what the expert
    /// reads before a visit.
    pub devices: Vec<store::devices::DeviceRecord>,
    pub reports: Vec<store::reports::ReportRecord>,
    /// The visits' files (without their bytes).
    pub files: Vec<store::guidance::VisitFileRecord>,
}

impl Guidance {
    /// The files of one visit.
    pub fn files_of(&self, visit: &Uuid) -> Vec<&store::guidance::VisitFileRecord> {
        self.files.iter().filter(|f| f.visit_id == *visit).collect()
    }
}

impl Guidance {
    /// The version on the public page, if any.
    pub fn published(&self) -> Option<&store::guidance::PolicyRecord> {
        self.policies.iter().find(|p| p.status == store::guidance::PolicyStatus::Published)
    }

    /// The version being written: the open draft, else the newest, else none.
    pub fn working(&self) -> Option<&store::guidance::PolicyRecord> {
        self.policies
            .iter()
            .rev()
            .find(|p| p.status == store::guidance::PolicyStatus::Draft)
            .or_else(|| self.policies.last())
    }
}

/// A company's guidance, for the expert, the secretariat or the company itself (audited: the
/// page holds the company's contact and answers).
pub async fn view(services: &Services, actor: &Actor, case: Uuid, now: DateTime<Utc>) -> Result<Guidance> {
    let record = company_for(services, actor, case).await?;
    let expert = match store::guidance::expert_of(&services.db, case).await? {
        Some(id) => Some(store::accounts::get_user(&services.db, id).await?),
        None => None,
    };
    let visits = store::guidance::visits(&services.db, case).await?;
    let rounds = store::guidance::rounds(&services.db, case).await?;
    let policies = store::guidance::policies(&services.db, case).await?;
    let measures = store::guidance::measures(&services.db, case).await?;
    let declaration = store::guidance::declaration(&services.db, case).await?;
    let devices = store::devices::for_application(&services.db, case).await?;
    let mut reports = store::reports::released_for_application(&services.db, case).await?;
    reports.sort_by(|a, b| b.month.cmp(&a.month));
    let files = store::guidance::visit_files(&services.db, case).await?;
    let published = policies.iter().any(|p| p.status == store::guidance::PolicyStatus::Published);
    let declared = declaration.as_ref().and_then(|d| domain::guidance::DeclarationId::parse(&d.declaration_id));
    let two_star = domain::guidance::two_star(rounds.iter().any(|r| r.complete), published, declared);
    let tx = services.db.begin().await?;
    actor.record(&tx, "guidance.read", ("application", case), serde_json::json!({}), now).await?;
    tx.commit().await?;
    Ok(Guidance {
        record,
        expert,
        visits,
        rounds,
        policies,
        measures,
        two_star,
        declared_on: declaration.and_then(|d| d.declared_on),
        devices,
        reports,
        files,
    })
}

/// A released monthly UTM report of `case` as a PDF, for its expert (and the secretariat).
pub async fn report_pdf(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    report: Uuid,
    now: DateTime<Utc>,
) -> Result<(store::reports::ReportRecord, Vec<u8>)> {
    company_for(services, actor, case).await?;
    let (record, bytes) = store::reports::pdf(&services.db, report).await?;
    if record.application_id != case || record.status != "released" {
        return Err(AppError::NotFound);
    }
    let tx = services.db.begin().await?;
    actor.record(&tx, "guidance.report_pdf", ("application", case), serde_json::json!({"report": report}), now).await?;
    tx.commit().await?;
    Ok((record, bytes))
}

/// A visit to plan, as the form gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitPlan {
    /// `onsite` or `online`.
    pub mode: &'static str,
    pub starts_at: DateTime<Utc>,
    pub length: Duration,
}

impl VisitPlan {
    /// Reads the mode, a `YYYY-MM-DDTHH:MM` start in Tokyo time and a length of 15–480 minutes.
    pub fn parse(mode: &str, starts_at: &str, minutes: &str) -> Result<VisitPlan, Invalid> {
        let mode = match mode.trim() {
            "onsite" => "onsite",
            "online" => "online",
            _ => return Err(Invalid::UnknownChoice),
        };
        let starts_at = crate::incidents::tokyo_local(starts_at).ok_or(Invalid::DispatchUnreadable)?;
        let minutes: i64 = minutes.trim().parse().map_err(|_| Invalid::DispatchUnreadable)?;
        if !(15..=480).contains(&minutes) {
            return Err(Invalid::DispatchUnreadable);
        }
        Ok(VisitPlan { mode, starts_at, length: Duration::minutes(minutes) })
    }
}

/// Plans the company's next visit (at most four), with its expert; the company is e-mailed the
/// date with a calendar invitation.
pub async fn plan_visit(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    plan: &VisitPlan,
    now: DateTime<Utc>,
) -> Result<VisitRecord> {
    let record = company_for(services, actor, case).await?;
    if actor.role() == Some(Role::Company) {
        return Err(AppError::Forbidden);
    }
    let expert_id = match store::guidance::expert_of(&services.db, case).await? {
        Some(id) => id,
        None => return Err(Refusal::Guidance(GuidanceRefusal::NotExpert).into()),
    };
    let expert = store::accounts::get_user(&services.db, expert_id).await?;
    let letter = crate::mail::letter(&services.mail, &services.db, &record).await?;
    let tx = services.db.begin().await?;
    let new = store::guidance::NewVisit {
        application_id: case,
        mode: plan.mode.to_string(),
        starts_at: plan.starts_at,
        ends_at: plan.starts_at + plan.length,
        expert_user_id: expert_id,
    };
    let visit = store::guidance::plan(&tx, &new, now).await?;
    actor
        .record(
            &tx,
            "guidance.plan_visit",
            ("application", case),
            serde_json::json!({"visit": visit.id, "number": visit.number, "starts_at": visit.starts_at, "mode": visit.mode}),
            now,
        )
        .await?;
    let email = crate::mail::guidance_visit(
        &letter,
        &record,
        &visit,
        &expert.display_name,
        crate::mail::VisitChange::Planned,
        now,
    );
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(visit)
}

/// Moves a planned visit (the expert or the secretariat); the company gets the new date with
/// an invitation that replaces the old one, and a reminder before the new date.
pub async fn move_visit(
    services: &Services,
    actor: &Actor,
    visit: Uuid,
    plan: &VisitPlan,
    now: DateTime<Utc>,
) -> Result<VisitRecord> {
    change_visit(services, actor, visit, Some(plan), now).await
}

/// Cancels a planned visit (it no longer counts towards the four); the company's calendar entry
/// is withdrawn.
pub async fn cancel_visit(services: &Services, actor: &Actor, visit: Uuid, now: DateTime<Utc>) -> Result<VisitRecord> {
    change_visit(services, actor, visit, None, now).await
}

async fn change_visit(
    services: &Services,
    actor: &Actor,
    visit: Uuid,
    plan: Option<&VisitPlan>,
    now: DateTime<Utc>,
) -> Result<VisitRecord> {
    let existing = store::guidance::get_visit(&services.db, visit).await?;
    let record = company_for(services, actor, existing.application_id).await?;
    if actor.role() == Some(Role::Company) {
        return Err(AppError::Forbidden);
    }
    let expert = store::accounts::get_user(&services.db, existing.expert_user_id).await?;
    let letter = crate::mail::letter(&services.mail, &services.db, &record).await?;
    let tx = services.db.begin().await?;
    let (changed, change, what) = match plan {
        Some(plan) => {
            let new = store::guidance::NewVisit {
                application_id: existing.application_id,
                mode: plan.mode.to_string(),
                starts_at: plan.starts_at,
                ends_at: plan.starts_at + plan.length,
                expert_user_id: existing.expert_user_id,
            };
            let moved = store::guidance::reschedule(&tx, visit, &new, now).await?;
            (moved, crate::mail::VisitChange::Moved, "guidance.move_visit")
        }
        None => {
            let cancelled = store::guidance::cancel(&tx, visit, now).await?;
            (cancelled, crate::mail::VisitChange::Cancelled, "guidance.cancel_visit")
        }
    };
    actor
        .record(
            &tx,
            what,
            ("application", record.id),
            serde_json::json!({"visit": visit, "number": changed.number, "from": existing.starts_at,
                "to": plan.map(|_| changed.starts_at)}),
            now,
        )
        .await?;
    let email = crate::mail::guidance_visit(&letter, &record, &changed, &expert.display_name, change, now);
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(changed)
}

/// When a visit's reminder is due: 10:00 JST on the business day before the visit's day.
pub fn reminder_due(calendar: &domain::calendar::BusinessCalendar, starts_at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::TimeZone;
    let mut day = starts_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive() - Duration::days(1);
    while !calendar.is_business_day(day) {
        day -= Duration::days(1);
    }
    let ten = day.and_hms_opt(10, 0, 0).expect("a valid time");
    chrono_tz::Asia::Tokyo.from_local_datetime(&ten).single().expect("Asia/Tokyo has no DST").with_timezone(&Utc)
}

/// Reminds the company of a planned visit (Kojo's own work, from the job table): once, while it
/// is still planned, has not started and still starts at `planned_start` (the start the reminder
/// was planned for: a moved visit has a reminder of its own). Returns whether an e-mail was queued.
pub async fn send_visit_reminder(
    services: &Services,
    visit: Uuid,
    planned_start: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let record = store::guidance::get_visit(&services.db, visit).await?;
    if record.status != store::guidance::VisitStatus::Planned
        || record.starts_at <= now
        || planned_start.is_some_and(|start| start.timestamp() != record.starts_at.timestamp())
    {
        return Ok(false);
    }
    let case = store::applications::get(&services.db, record.application_id).await?;
    let expert = store::accounts::get_user(&services.db, record.expert_user_id).await?;
    let letter = crate::mail::letter(&services.mail, &services.db, &case).await?;
    let tx = services.db.begin().await?;
    if !store::guidance::mark_reminded(&tx, visit, now).await? {
        return Ok(false);
    }
    let mut email = crate::mail::guidance_visit(
        &letter,
        &case,
        &record,
        &expert.display_name,
        crate::mail::VisitChange::Planned,
        now,
    );
    email.subject = letter
        .language
        .pick("【運営事務局】経営指導のご確認（前日のお知らせ）", "[Programme secretariat] Guidance visit reminder")
        .to_string()
        + &format!("（第{}回）", record.number);
    store::outbox::add(&tx, &email, now).await?;
    Actor::system("guidance_reminder")
        .record(&tx, "guidance.remind", ("application", case.id), serde_json::json!({"visit": visit}), now)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// A visit report as typed: next steps one per line, each optionally ending with its due day
/// (`…（期限 2026-12-20）` or `… 2026-12-20`).
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub attendees: String,
    pub topics: String,
    pub findings: String,
    pub next_steps: String,
}

impl ReportInput {
    pub fn parse(&self) -> Result<Report, Invalid> {
        let field =
            |text: &str| domain::incident::multi_line(text, MAX_REPORT_CHARS).map_err(|_| Invalid::MessageLength);
        let steps = match self.next_steps.trim() {
            "" => Vec::new(),
            text => {
                let text = domain::incident::multi_line(text, MAX_REPORT_CHARS).map_err(|_| Invalid::MessageLength)?;
                text.lines().map(str::trim).filter(|line| !line.is_empty()).map(next_step).collect()
            }
        };
        Ok(Report {
            attendees: field(&self.attendees)?,
            topics: field(&self.topics)?,
            findings: field(&self.findings)?,
            next_steps: steps,
        })
    }
}

/// One next step: a trailing `YYYY-MM-DD` (full-width digits accepted) is its due day.
fn next_step(line: &str) -> NextStep {
    let normal = domain::text::normalize(line);
    let (text, due) = match normal.rsplit_once(' ') {
        Some((text, last)) => {
            let day = last.trim_start_matches("期限").trim_matches(|c| matches!(c, '(' | ')' | '（' | '）'));
            match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
                Ok(due) => {
                    let text =
                        text.trim_end().trim_end_matches("期限").trim_end().trim_end_matches(['(', '（', ':', '：']);
                    (text.trim().to_string(), Some(due))
                }
                Err(_) => (normal.clone(), None),
            }
        }
        None => (normal.clone(), None),
    };
    NextStep { text, due, done_on: None }
}

/// The expert records a visit's report; the company is asked to read and acknowledge it.
pub async fn record_visit(
    services: &Services,
    actor: &Actor,
    visit: Uuid,
    report: &Report,
    now: DateTime<Utc>,
) -> Result<VisitRecord> {
    let existing = store::guidance::get_visit(&services.db, visit).await?;
    let record = company_for(services, actor, existing.application_id).await?;
    if actor.role() == Some(Role::Company) {
        return Err(AppError::Forbidden);
    }
    let letter = crate::mail::letter(&services.mail, &services.db, &record).await?;
    let tx = services.db.begin().await?;
    let done = store::guidance::record(&tx, visit, report, now).await?;
    actor
        .record(
            &tx,
            "guidance.record_visit",
            ("application", record.id),
            serde_json::json!({"visit": visit, "number": done.number, "next_steps": done.next_steps.len()}),
            now,
        )
        .await?;
    let email = crate::mail::message_notice(
        &letter,
        &record,
        &crate::mail::subject::GUIDANCE_REPORT,
        domain::portal::PortalTask::Guidance,
    );
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(done)
}

/// Marks a next step of a visit report done (or open again): the company, or its expert.
pub async fn mark_step(
    services: &Services,
    actor: &Actor,
    visit: Uuid,
    index: usize,
    done: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    let existing = store::guidance::get_visit(&services.db, visit).await?;
    company_for(services, actor, existing.application_id).await?;
    let day = done.then(|| now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive());
    let tx = services.db.begin().await?;
    if !store::guidance::mark_step(&tx, visit, index, day, now).await? {
        return Err(AppError::NotFound);
    }
    actor
        .record(
            &tx,
            "guidance.step",
            ("application", existing.application_id),
            serde_json::json!({"visit": visit, "step": index, "done": done}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What the portal's home asks of a company in guidance.
#[derive(Debug, Clone, Default)]
pub struct Tasks {
    /// Visit reports not yet acknowledged, by number.
    pub reports_to_read: Vec<u32>,
    /// Open next steps: visit number, text, due day; the earliest due first, undated last.
    pub next_steps: Vec<(u32, String, Option<chrono::NaiveDate>)>,
    /// The next planned visit, if any.
    pub next_visit: Option<VisitRecord>,
}

/// The company's open guidance tasks (its own only).
pub async fn tasks_own(services: &Services, actor: &Actor, now: DateTime<Utc>) -> Result<Tasks> {
    let case = actor.own_case()?;
    let mut tasks = Tasks::default();
    for visit in store::guidance::visits(&services.db, case).await? {
        match visit.status {
            store::guidance::VisitStatus::Done => {
                if visit.acknowledged_at.is_none() {
                    tasks.reports_to_read.push(visit.number);
                }
                for step in visit.next_steps.iter().filter(|s| s.done_on.is_none()) {
                    tasks.next_steps.push((visit.number, step.text.clone(), step.due));
                }
            }
            store::guidance::VisitStatus::Planned if visit.starts_at > now && tasks.next_visit.is_none() => {
                tasks.next_visit = Some(visit);
            }
            _ => {}
        }
    }
    tasks.next_steps.sort_by_key(|(_, _, due)| (due.is_none(), *due));
    Ok(tasks)
}

/// A visit holds at most this many files.
pub const MAX_FILES_PER_VISIT: u32 = 20;

/// A file as `domain::upload::Upload::checked` took it.
pub use domain::upload::Upload;

/// Keeps a file with a visit: the expert's slides or photos, the company's drafts. The other
/// side sees it on the visit.
pub async fn attach_file(
    services: &Services,
    actor: &Actor,
    visit: Uuid,
    upload: Upload,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let existing = store::guidance::get_visit(&services.db, visit).await?;
    let record = company_for(services, actor, existing.application_id).await?;
    let company = actor.role() == Some(Role::Company);
    let label = if company { record.company_name.clone() } else { author(services, actor).await? };
    let filename = upload.filename().to_string();
    let tx = services.db.begin().await?;
    let file = store::guidance::NewVisitFile {
        filename: &filename,
        content_type: upload.content_type(),
        bytes: upload.into_bytes(),
        uploader: &label,
        from_company: company,
    };
    let stored = store::guidance::attach_file(&tx, &existing, file, MAX_FILES_PER_VISIT, now).await?;
    actor
        .record(
            &tx,
            "guidance.attach",
            ("application", record.id),
            serde_json::json!({"visit": visit, "file": stored.id, "filename": filename, "size": stored.size,
                "sha256": stored.sha256}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(stored.id)
}

/// A visit file, for whoever may read the company's guidance (audited).
pub async fn visit_file(
    services: &Services,
    actor: &Actor,
    file: Uuid,
    now: DateTime<Utc>,
) -> Result<(store::guidance::VisitFileRecord, Vec<u8>)> {
    let (record, bytes) = store::guidance::visit_file(&services.db, file).await?;
    company_for(services, actor, record.application_id).await?;
    let tx = services.db.begin().await?;
    actor
        .record(
            &tx,
            "guidance.file_read",
            ("application", record.application_id),
            serde_json::json!({"file": file}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok((record, bytes))
}

/// The staff member's name as the company sees it on a file or an entry.
async fn author(services: &Services, actor: &Actor) -> Result<String> {
    Ok(match actor.user_id() {
        Some(id) => store::accounts::get_user(&services.db, id).await?.display_name,
        None => "Kojo".into(),
    })
}

/// The company acknowledges a visit report of its own.
pub async fn acknowledge_own(services: &Services, actor: &Actor, visit: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let case = actor.own_case()?;
    let existing = store::guidance::get_visit(&services.db, visit).await?;
    if existing.application_id != case {
        return Err(AppError::NotFound);
    }
    let tx = services.db.begin().await?;
    let first = store::guidance::acknowledge(&tx, visit, now).await?;
    if first {
        actor
            .record(&tx, "guidance.acknowledge", ("application", case), serde_json::json!({"visit": visit}), now)
            .await?;
    }
    tx.commit().await?;
    Ok(first)
}

/// Reads a round's answers from form pairs `item_N = code`; unknown items or codes are refused,
/// items left blank stay unanswered.
pub fn parse_answers(pairs: &[(String, String)]) -> Result<Vec<(u8, Answer)>, Invalid> {
    let mut answers = Vec::new();
    for (key, value) in pairs {
        let Some(number) = key.strip_prefix("item_") else { continue };
        let number: u8 = number.parse().map_err(|_| Invalid::UnknownChoice)?;
        if value.is_empty() {
            continue;
        }
        let answer = Answer::from_code(value).ok_or(Invalid::UnknownChoice)?;
        answers.push((number, answer));
    }
    domain::guidance::score(&answers).map_err(|_| Invalid::UnknownChoice)?;
    Ok(answers)
}

/// Saves a self-diagnosis round for `case` (the company itself, or its expert during a visit).
pub async fn save_round(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    answers: &[(u8, Answer)],
    now: DateTime<Utc>,
) -> Result<RoundRecord> {
    let record = company_for(services, actor, case).await?;
    let score = domain::guidance::score(answers).map_err(|_| Invalid::UnknownChoice)?;
    let entered_by = match actor.role() {
        Some(Role::Company) => record.company_name.clone(),
        _ => match actor.user_id() {
            Some(id) => store::accounts::get_user(&services.db, id).await?.display_name,
            None => "Kojo".into(),
        },
    };
    let tx = services.db.begin().await?;
    let round = store::guidance::save_round(&tx, case, answers, &score, &entered_by, now).await?;
    // The first complete round seeds the implementation plan with its gaps.
    if score.complete() {
        store::guidance::seed_measures(&tx, case, &domain::guidance::plan_seed(answers), &entered_by, now).await?;
    }
    actor
        .record(
            &tx,
            "guidance.diagnosis",
            ("application", case),
            serde_json::json!({"round": round.id, "total": score.total, "complete": score.complete(),
                "item_set": domain::guidance::ITEM_SET_VERSION}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(round)
}

/// Longest policy section body, and title or representative, as typed.
pub const MAX_SECTION_CHARS: usize = 4000;
pub const MAX_TITLE_CHARS: usize = 100;

/// The basic policy as the form gives it: five sections (title and body), the enactment date
/// (`YYYY-MM-DD`) and the representative.
#[derive(Debug, Clone, Default)]
pub struct PolicyInput {
    pub sections: Vec<(String, String)>,
    pub enacted_on: String,
    pub representative: String,
}

impl PolicyInput {
    pub fn parse(&self) -> Result<store::guidance::PolicyDraft, Invalid> {
        if self.sections.is_empty() || self.sections.len() > 10 {
            return Err(Invalid::UnknownChoice);
        }
        let mut sections = Vec::with_capacity(self.sections.len());
        for (title, body) in &self.sections {
            let title = domain::text::required(title, MAX_TITLE_CHARS).map_err(|_| Invalid::MessageLength)?;
            let body = domain::incident::multi_line(body, MAX_SECTION_CHARS).map_err(|_| Invalid::MessageLength)?;
            sections.push(domain::guidance::PolicySection { title, body });
        }
        let enacted_on = match self.enacted_on.trim() {
            "" => None,
            text => Some(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Invalid::DispatchUnreadable)?),
        };
        let representative =
            domain::text::optional(&self.representative, MAX_TITLE_CHARS).map_err(|_| Invalid::MessageLength)?;
        Ok(store::guidance::PolicyDraft { sections, enacted_on, representative })
    }
}

/// Saves the policy's draft (the company, or its expert): a published version is never changed,
/// so editing after publication starts the next version.
pub async fn save_policy(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    draft: &store::guidance::PolicyDraft,
    now: DateTime<Utc>,
) -> Result<store::guidance::PolicyRecord> {
    company_for(services, actor, case).await?;
    let tx = services.db.begin().await?;
    let saved = store::guidance::save_draft(&tx, case, draft, &store::random_token(8), now).await?;
    actor
        .record(&tx, "guidance.policy_save", ("application", case), serde_json::json!({"version": saved.version}), now)
        .await?;
    tx.commit().await?;
    Ok(saved)
}

/// The template a company starts from.
pub fn policy_template(record: &ApplicationRecord) -> store::guidance::PolicyDraft {
    store::guidance::PolicyDraft {
        sections: domain::guidance::policy_template(&record.company_name),
        enacted_on: None,
        representative: Some(record.representative_name.clone()),
    }
}

/// The company publishes its draft at its public address (the version published before is
/// taken down). A policy is published with its enactment date and representative.
pub async fn publish_policy(
    services: &Services,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<store::guidance::PolicyRecord> {
    let case = actor.own_case()?;
    let policies = store::guidance::policies(&services.db, case).await?;
    let draft = policies
        .iter()
        .find(|p| p.status == store::guidance::PolicyStatus::Draft)
        .ok_or(Refusal::Guidance(GuidanceRefusal::NoDraft))?;
    if draft.enacted_on.is_none() || draft.representative.is_none() {
        return Err(Refusal::Guidance(GuidanceRefusal::PolicyIncomplete).into());
    }
    let tx = services.db.begin().await?;
    let published =
        store::guidance::publish(&tx, case, now).await?.ok_or(Refusal::Guidance(GuidanceRefusal::NoDraft))?;
    actor
        .record(
            &tx,
            "guidance.policy_publish",
            ("application", case),
            serde_json::json!({"version": published.version, "slug": published.slug}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(published)
}

/// The company takes its published policy down.
pub async fn withdraw_policy(services: &Services, actor: &Actor, now: DateTime<Utc>) -> Result<bool> {
    let case = actor.own_case()?;
    let tx = services.db.begin().await?;
    let withdrawn = store::guidance::withdraw(&tx, case, now).await?;
    if withdrawn {
        actor.record(&tx, "guidance.policy_withdraw", ("application", case), serde_json::json!({}), now).await?;
    }
    tx.commit().await?;
    Ok(withdrawn)
}

/// The published policy at a public address, with the company's name (anyone may read it).
pub async fn public_policy(services: &Services, slug: &str) -> Result<(store::guidance::PolicyRecord, String)> {
    if slug.is_empty() || slug.len() > 40 || !slug.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(AppError::NotFound);
    }
    let policy = store::guidance::published_policy(&services.db, slug).await?.ok_or(AppError::NotFound)?;
    let company = store::applications::get(&services.db, policy.application_id).await?.company_name;
    Ok((policy, company))
}

/// Updates a measure of the plan (the company or its expert): owner, due day, status.
pub async fn update_measure(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    measure: Uuid,
    (owner, due, status): (&str, &str, &str),
    now: DateTime<Utc>,
) -> Result<()> {
    let record = company_for(services, actor, case).await?;
    let status = match status {
        "todo" | "doing" | "done" => status,
        _ => return Err(Invalid::UnknownChoice.into()),
    };
    let owner = domain::text::optional(owner, MAX_TITLE_CHARS).map_err(|_| Invalid::MessageLength)?;
    let due = match due.trim() {
        "" => None,
        text => Some(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Invalid::DispatchUnreadable)?),
    };
    let by = match actor.role() {
        Some(Role::Company) => record.company_name.clone(),
        _ => match actor.user_id() {
            Some(id) => store::accounts::get_user(&services.db, id).await?.display_name,
            None => "Kojo".into(),
        },
    };
    let tx = services.db.begin().await?;
    store::guidance::update_measure(&tx, case, measure, (owner, due, status), &by, now).await?;
    actor
        .record(
            &tx,
            "guidance.measure",
            ("application", case),
            serde_json::json!({"measure": measure, "status": status}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The company records the 自己宣言ID IPA gave it for ★★ (digits), and the day.
pub async fn record_declaration(
    services: &Services,
    actor: &Actor,
    id: &str,
    declared_on: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let case = actor.own_case()?;
    let id = domain::guidance::DeclarationId::parse(id).ok_or(Invalid::DeclarationId)?;
    let declared_on = match declared_on.trim() {
        "" => None,
        text => Some(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Invalid::DispatchUnreadable)?),
    };
    let tx = services.db.begin().await?;
    store::guidance::record_declaration(&tx, case, &id, declared_on, now).await?;
    actor
        .record(
            &tx,
            "guidance.two_star",
            ("application", case),
            serde_json::json!({"declaration_id": id.as_str()}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Rounds drawn in the change chart: the latest eight.
const CHART_ROUNDS: usize = 8;

/// The change chart of `rounds` (oldest first) up to and including the one at `upto`: the
/// latest eight, or none when there is only one round to show.
pub fn rounds_chart(rounds: &[RoundRecord], upto: usize, en: bool) -> Option<String> {
    let shown = &rounds[..=upto.min(rounds.len().checked_sub(1)?)];
    if shown.len() < 2 {
        return None;
    }
    let bars: Vec<documents::chart::RoundBar> = shown[shown.len().saturating_sub(CHART_ROUNDS)..]
        .iter()
        .filter_map(|round| {
            let score = domain::guidance::score(&round.answers).ok()?;
            let mut parts = [0; 3];
            for (slot, (_, points, _)) in parts.iter_mut().zip(&score.parts) {
                *slot = *points;
            }
            let day = round.created_at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
            let label = if en { day.format("%Y-%m-%d").to_string() } else { domain::wareki::format_date(day) };
            Some(documents::chart::RoundBar { label, parts })
        })
        .collect();
    let labels = domain::guidance::Part::ALL.map(|part| if en { part.label_en() } else { part.label_ja() });
    Some(documents::chart::diagnosis_chart(&bars, labels, en))
}

fn tokyo_day(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&chrono_tz::Asia::Tokyo).date_naive()
}

/// A self-diagnosis round of `case` as a PDF (the company, its expert, the secretariat): the
/// scores, the weakest items with advice, the change since the round before and the chart.
pub async fn diagnosis_pdf(
    services: &Services,
    actor: &Actor,
    fonts: std::sync::Arc<documents::pdf::Fonts>,
    case: Uuid,
    round: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let record = company_for(services, actor, case).await?;
    let rounds = store::guidance::rounds(&services.db, case).await?;
    let index = rounds.iter().position(|r| r.id == round).ok_or(AppError::NotFound)?;
    let this = &rounds[index];
    let score = domain::guidance::score(&this.answers).map_err(|_| AppError::NotFound)?;
    let change = index.checked_sub(1).map(|before| {
        let previous = &rounds[before];
        let difference = this.total - previous.total;
        let day = domain::wareki::format_date(tokyo_day(previous.created_at));
        match difference {
            0 => format!("前回（{day}）と同じ点数です。"),
            d if d > 0 => format!("前回（{day}）から {d}点 上がりました。"),
            d => format!("前回（{day}）から {}点 下がりました。", -d),
        }
    });
    let data = documents::guidance::DiagnosisData {
        company_name: record.company_name.clone(),
        reference: record.reference.clone(),
        answered_on: domain::wareki::format_date(tokyo_day(this.created_at)),
        entered_by: this.entered_by.clone(),
        total: score.total,
        complete: score.complete(),
        change,
        parts: score
            .parts
            .iter()
            .map(|(part, points, max)| documents::guidance::PartLine {
                label: part.label_ja().to_string(),
                points: *points,
                max: *max,
            })
            .collect(),
        items: domain::guidance::ITEMS
            .iter()
            .map(|item| {
                let answer = this.answers.iter().find(|(n, _)| *n == item.number).map(|(_, a)| *a);
                documents::guidance::ItemLine {
                    number: item.number,
                    question: item.question_ja.to_string(),
                    answer: answer.map(|a| a.label_ja().to_string()).unwrap_or_default(),
                    points: answer.map(Answer::points),
                }
            })
            .collect(),
        advice: domain::guidance::weakest(&this.answers, 5)
            .into_iter()
            .map(|(item, answer)| documents::guidance::AdviceLine {
                number: item.number,
                question: item.question_ja.to_string(),
                answer: answer.label_ja().to_string(),
                advice: item.advice_ja.to_string(),
            })
            .collect(),
        item_set: this.item_set.clone(),
    };
    let chart = rounds_chart(&rounds, index, false);
    let pdf =
        tokio::task::spawn_blocking(move || documents::guidance::render_diagnosis(&fonts, &data, chart.as_deref()))
            .await
            .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?
            .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?;
    let tx = services.db.begin().await?;
    actor
        .record(&tx, "guidance.diagnosis_pdf", ("application", case), serde_json::json!({"round": round}), now)
        .await?;
    tx.commit().await?;
    Ok(pdf)
}

/// The policy of `case` as a PDF: the version being written (the company, its expert, the
/// secretariat), marked when it is not the one published.
pub async fn policy_pdf(
    services: &Services,
    actor: &Actor,
    fonts: std::sync::Arc<documents::pdf::Fonts>,
    public_url: &str,
    case: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let record = company_for(services, actor, case).await?;
    let policies = store::guidance::policies(&services.db, case).await?;
    let working = policies
        .iter()
        .rev()
        .find(|p| p.status == store::guidance::PolicyStatus::Draft)
        .or_else(|| policies.last())
        .ok_or(Refusal::Guidance(GuidanceRefusal::NoDraft))?;
    let pdf = render_policy(fonts, public_url, &record.company_name, working).await?;
    let tx = services.db.begin().await?;
    actor
        .record(&tx, "guidance.policy_pdf", ("application", case), serde_json::json!({"version": working.version}), now)
        .await?;
    tx.commit().await?;
    Ok(pdf)
}

/// The published policy at `slug` as a PDF, for anyone.
pub async fn public_policy_pdf(
    services: &Services,
    fonts: std::sync::Arc<documents::pdf::Fonts>,
    public_url: &str,
    slug: &str,
) -> Result<Vec<u8>> {
    let (policy, company) = public_policy(services, slug).await?;
    render_policy(fonts, public_url, &company, &policy).await
}

async fn render_policy(
    fonts: std::sync::Arc<documents::pdf::Fonts>,
    public_url: &str,
    company: &str,
    policy: &store::guidance::PolicyRecord,
) -> Result<Vec<u8>> {
    use store::guidance::PolicyStatus;
    let published = policy.status == PolicyStatus::Published;
    let data = documents::guidance::PolicyData {
        company_name: company.to_string(),
        sections: policy
            .sections
            .iter()
            .map(|s| documents::guidance::PolicySection { title: s.title.clone(), body: s.body.clone() })
            .collect(),
        enacted_on: policy.enacted_on.map(domain::wareki::format_date).unwrap_or_default(),
        representative: policy.representative.clone().unwrap_or_default(),
        version: policy.version,
        draft_mark: match policy.status {
            PolicyStatus::Published => None,
            PolicyStatus::Draft => Some("下書き（未公開）".into()),
            PolicyStatus::Withdrawn => Some("公開停止中の版".into()),
        },
        public_url: published.then(|| format!("{}/policy/{}", public_url.trim_end_matches('/'), policy.slug)),
    };
    Ok(tokio::task::spawn_blocking(move || documents::guidance::render_policy(&fonts, &data))
        .await
        .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?
        .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_comes_at_ten_on_the_business_day_before() {
        let calendar = domain::calendar::BusinessCalendar::japan();
        let tokyo = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // A Monday visit: the Friday before.
        assert_eq!(reminder_due(&calendar, tokyo("2026-12-07T14:00:00+09:00")), tokyo("2026-12-04T10:00:00+09:00"));
        // After Golden Week (5/3–5/6 are holidays and a substitute day): 5/1.
        assert_eq!(reminder_due(&calendar, tokyo("2026-05-07T09:30:00+09:00")), tokyo("2026-05-01T10:00:00+09:00"));
    }

    #[test]
    fn next_steps_take_a_trailing_due_day() {
        let input = ReportInput {
            attendees: "代表 見本太郎".into(),
            topics: "基本方針".into(),
            findings: "バックアップなし".into(),
            next_steps:
                "バックアップを設定する 2026-12-20\n基本方針の案を作る（期限 ２０２７-０１-１０）\nパスワードを見直す"
                    .into(),
        };
        let report = input.parse().unwrap();
        let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(
            report.next_steps[0],
            NextStep { text: "バックアップを設定する".into(), due: day(2026, 12, 20), done_on: None }
        );
        assert_eq!(report.next_steps[1].due, day(2027, 1, 10));
        assert_eq!(report.next_steps[1].text, "基本方針の案を作る");
        assert_eq!(report.next_steps[2], NextStep { text: "パスワードを見直す".into(), due: None, done_on: None });
        assert!(ReportInput { findings: String::new(), ..input }.parse().is_err(), "findings are required");
    }

    #[test]
    fn answers_come_from_the_form_and_unknown_ones_are_refused() {
        let pairs =
            |list: &[(&str, &str)]| list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let answers =
            parse_answers(&pairs(&[("csrf", "x"), ("item_1", "done"), ("item_2", ""), ("item_25", "dont_know")]))
                .unwrap();
        assert_eq!(answers, [(1, Answer::Done), (25, Answer::DontKnow)]);
        assert_eq!(parse_answers(&pairs(&[("item_26", "done")])), Err(Invalid::UnknownChoice));
        assert_eq!(parse_answers(&pairs(&[("item_3", "yes")])), Err(Invalid::UnknownChoice));
        assert_eq!(parse_answers(&pairs(&[("item_x", "done")])), Err(Invalid::UnknownChoice));
    }
}
