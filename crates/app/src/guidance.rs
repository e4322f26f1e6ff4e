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
use domain::guidance::Answer;
use domain::refusal::{GuidanceRefusal, Refusal};
use store::applications::ApplicationRecord;
use store::guidance::{NextStep, Report, RoundRecord, VisitRecord};
use uuid::Uuid;

use crate::{Actor, AppError, Invalid, Result, Services};

/// Longest visit report field (attendees, topics, findings, a next step), as typed.
pub const MAX_REPORT_CHARS: usize = 4000;

fn is_participant(case: &ApplicationRecord) -> bool {
    case.status == domain::case::CaseState::Confirmed && case.course_code == domain::programme::CourseCode::Utm
}

/// The company `case` if it is in the actor's scope: every participant for the secretariat and
/// administrators, the assigned ones for an expert, itself for a company user. Anything else
/// (another company, a case not in guidance) is not found.
pub async fn company_for(services: &Services, actor: &Actor, case: Uuid) -> Result<ApplicationRecord> {
    if actor.role() == Some(Role::Company) {
        if actor.own_case()? != case {
            return Err(AppError::NotFound);
        }
    } else {
        actor.require(Action::Guide)?;
        if actor.role() == Some(Role::Expert)
            && store::guidance::expert_of(&services.db, case).await? != actor.user_id()
        {
            return Err(AppError::NotFound);
        }
    }
    let record = store::applications::get(&services.db, case).await?;
    if is_participant(&record) { Ok(record) } else { Err(AppError::NotFound) }
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

/// The active experts, for the assignment choice.
pub async fn experts(services: &Services, actor: &Actor) -> Result<Vec<store::accounts::UserRecord>> {
    actor.require(Action::AssignExperts)?;
    let users = store::accounts::list_users(&services.db).await?;
    Ok(users.into_iter().filter(|u| u.is_active && u.role == Role::Expert).collect())
}

/// The secretariat assigns (or reassigns) a participant's expert; the expert is e-mailed.
pub async fn assign(services: &Services, actor: &Actor, case: Uuid, expert: Uuid, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::AssignExperts)?;
    let record = company_for(services, actor, case).await?;
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
    let tx = services.db.begin().await?;
    actor.record(&tx, "guidance.read", ("application", case), serde_json::json!({}), now).await?;
    tx.commit().await?;
    Ok(Guidance { record, expert, visits, rounds })
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
    let email = crate::mail::guidance_visit(&letter, &record, &visit, &expert.display_name, now);
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(visit)
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
                Ok(due) => (text.trim_end_matches(['(', '（']).trim().to_string(), Some(due)),
                Err(_) => (normal.clone(), None),
            }
        }
        None => (normal.clone(), None),
    };
    NextStep { text, due }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(report.next_steps[0], NextStep { text: "バックアップを設定する".into(), due: day(2026, 12, 20) });
        assert_eq!(report.next_steps[1].due, day(2027, 1, 10));
        assert_eq!(report.next_steps[1].text, "基本方針の案を作る");
        assert_eq!(report.next_steps[2], NextStep { text: "パスワードを見直す".into(), due: None });
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
