//! Course ② security risk assessment (募集要項 §8 ②): the assigned expert and the company build
//! the asset register together (rows on the page, or a workbook exported, filled and imported
//! back), rate each asset's threat and exposure, answer the measure check, and the expert drafts,
//! reviews and releases the report, which the company reads and acknowledges.
//!
//! Scoping is guidance's rule (`guidance::company_in` for course ②): the secretariat reaches
//! every course-② participant, an expert only those assigned to it, a company itself; anything
//! else is "not found". Every change is audited with the row before and after.

use chrono::{DateTime, Utc};
use domain::access::{Action, Role};
use domain::disclosure::{Audience, Cell};
use domain::programme::CourseCode;
use domain::refusal::{Refusal, RiskRefusal};
use domain::risk::{Asset, AssetInput, CheckAnswer, Choice, Field, Level};
use store::applications::ApplicationRecord;
use store::risk::{AssetRecord, CheckRecord, ReportRecord};
use uuid::Uuid;

use crate::stats::Moment;
use crate::{Actor, AppError, Invalid, Result, Services};

/// The company `case` of course ② within the actor's scope.
pub async fn company_for(services: &Services, actor: &Actor, case: Uuid) -> Result<ApplicationRecord> {
    crate::guidance::company_in(services, actor, case, CourseCode::RiskAssessment, Action::Assess).await
}

/// Who made a change, as the register shows it.
async fn author(services: &Services, actor: &Actor, record: &ApplicationRecord) -> Result<String> {
    Ok(match (actor.role(), actor.user_id()) {
        (Some(Role::Company), _) => record.company_name.clone(),
        (_, Some(id)) => store::accounts::get_user(&services.db, id).await?.display_name,
        _ => "Kojo".into(),
    })
}

/// Where a company stands in the assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    NotStarted,
    /// Assets registered, none rated yet.
    Register,
    /// Some assets rated.
    Evaluation,
    ReportDraft,
    Released,
    Acknowledged,
}

impl Stage {
    pub fn of(assets: &[AssetRecord], reports: &[ReportRecord]) -> Stage {
        match reports.iter().rev().find(|r| r.status == "released") {
            Some(released) if released.acknowledged_at.is_some() => return Stage::Acknowledged,
            Some(_) => return Stage::Released,
            None => {}
        }
        if reports.iter().any(|r| r.status == "draft") {
            Stage::ReportDraft
        } else if assets.iter().any(|a| a.asset.risk().is_some()) {
            Stage::Evaluation
        } else if !assets.is_empty() {
            Stage::Register
        } else {
            Stage::NotStarted
        }
    }

    pub const ALL: [Stage; 6] = [
        Stage::NotStarted,
        Stage::Register,
        Stage::Evaluation,
        Stage::ReportDraft,
        Stage::Released,
        Stage::Acknowledged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::NotStarted => "not_started",
            Stage::Register => "register",
            Stage::Evaluation => "evaluation",
            Stage::ReportDraft => "report_draft",
            Stage::Released => "released",
            Stage::Acknowledged => "acknowledged",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Stage::NotStarted => "未着手",
            Stage::Register => "台帳作成中",
            Stage::Evaluation => "リスク評価中",
            Stage::ReportDraft => "報告書作成中",
            Stage::Released => "報告書提出済み",
            Stage::Acknowledged => "企業確認済み",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Stage::NotStarted => "Not started",
            Stage::Register => "Register",
            Stage::Evaluation => "Evaluation",
            Stage::ReportDraft => "Report draft",
            Stage::Released => "Report released",
            Stage::Acknowledged => "Acknowledged",
        }
    }
}

/// A course-② company as the board shows it.
#[derive(Debug, Clone)]
pub struct CompanyRow {
    pub record: ApplicationRecord,
    pub expert: Option<store::accounts::UserRecord>,
    pub stage: Stage,
    pub assets: usize,
    pub rated: usize,
    /// The latest change to the register, or the latest report.
    pub last_change: Option<DateTime<Utc>>,
}

/// The course-② participants within the actor's scope, by kana.
pub async fn companies(services: &Services, actor: &Actor) -> Result<Vec<CompanyRow>> {
    actor.require(Action::Assess)?;
    let filter = store::applications::ApplicationFilter {
        status: Some(domain::case::CaseState::Confirmed),
        sort: store::applications::SortKey::CompanyKana,
        ..Default::default()
    };
    let assignments = store::guidance::assignments(&services.db).await?;
    let users = store::accounts::list_users(&services.db).await?;
    let mut rows = Vec::new();
    for record in store::applications::list_all(&services.db, &filter).await? {
        if record.course_code != CourseCode::RiskAssessment {
            continue;
        }
        let expert_id = assignments.iter().find(|(case, _)| *case == record.id).map(|(_, expert)| *expert);
        if actor.role() == Some(Role::Expert) && expert_id != actor.user_id() {
            continue;
        }
        let assets = store::risk::assets(&services.db, record.id).await?;
        let reports = store::risk::reports(&services.db, record.id).await?;
        let last_change = assets.iter().map(|a| a.updated_at).chain(reports.iter().map(|r| r.created_at)).max();
        rows.push(CompanyRow {
            expert: expert_id.and_then(|id| users.iter().find(|u| u.id == id).cloned()),
            stage: Stage::of(&assets, &reports),
            assets: assets.len(),
            rated: assets.iter().filter(|a| a.asset.risk().is_some()).count(),
            last_change,
            record,
        });
    }
    Ok(rows)
}

/// Everything a company's assessment page shows.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub record: ApplicationRecord,
    pub expert: Option<store::accounts::UserRecord>,
    pub assets: Vec<AssetRecord>,
    pub check: Option<CheckRecord>,
    pub reports: Vec<ReportRecord>,
    pub stage: Stage,
}

impl Assessment {
    /// The rated assets, highest priority first.
    pub fn prioritised(&self) -> Vec<(Uuid, Asset)> {
        let mut rated: Vec<(Uuid, Asset)> =
            self.assets.iter().filter(|a| a.asset.risk().is_some()).map(|a| (a.id, a.asset.clone())).collect();
        domain::risk::priority(&mut rated);
        rated
    }

    pub fn heat_map(&self) -> [[u32; 3]; 3] {
        domain::risk::heat_map(self.assets.iter().map(|a| &a.asset))
    }

    pub fn check_scores(&self) -> Vec<domain::risk::ChapterScore> {
        let answers = self.check.as_ref().map(|c| c.answers.as_slice()).unwrap_or(&[]);
        domain::risk::check_scores(answers).unwrap_or_default()
    }
}

/// A company's assessment, for its expert, the secretariat or the company itself (audited).
pub async fn view(services: &Services, actor: &Actor, case: Uuid, now: DateTime<Utc>) -> Result<Assessment> {
    let record = company_for(services, actor, case).await?;
    let expert = match store::guidance::expert_of(&services.db, case).await? {
        Some(id) => Some(store::accounts::get_user(&services.db, id).await?),
        None => None,
    };
    let assets = store::risk::assets(&services.db, case).await?;
    let check = store::risk::check(&services.db, case).await?;
    let mut reports = store::risk::reports(&services.db, case).await?;
    // The stage counts drafts too; the company then sees released versions only.
    let stage = Stage::of(&assets, &reports);
    if actor.role() == Some(Role::Company) {
        reports.retain(|r| r.status == "released");
    }
    let tx = services.db.begin().await?;
    actor.record(&tx, "risk.read", ("application", case), serde_json::json!({}), now).await?;
    tx.commit().await?;
    Ok(Assessment { stage, record, expert, assets, check, reports })
}

fn tokyo_today(now: DateTime<Utc>) -> chrono::NaiveDate {
    now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive()
}

/// Adds a row to the register (the expert, the secretariat or the company).
pub async fn add_asset(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    asset: &Asset,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let record = company_for(services, actor, case).await?;
    let by = author(services, actor, &record).await?;
    // 登録日 is today unless the row brings its own.
    let asset = &Asset { registered_on: asset.registered_on.or(Some(tokyo_today(now))), ..asset.clone() };
    let tx = services.db.begin().await?;
    let added = store::risk::add_asset(&tx, case, asset, &by, now).await?;
    actor
        .record(&tx, "risk.asset_add", ("application", case), serde_json::json!({"asset": added.id, "row": asset}), now)
        .await?;
    tx.commit().await?;
    Ok(added.id)
}

/// Changes a row of the register.
pub async fn update_asset(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    id: Uuid,
    asset: &Asset,
    now: DateTime<Utc>,
) -> Result<()> {
    let record = company_for(services, actor, case).await?;
    let by = author(services, actor, &record).await?;
    // The page's form does not carry 登録日: a row keeps the day it was registered.
    let kept =
        store::risk::assets(&services.db, case).await?.into_iter().find(|a| a.id == id).ok_or(AppError::NotFound)?;
    let asset = &Asset { registered_on: asset.registered_on.or(kept.asset.registered_on), ..asset.clone() };
    let tx = services.db.begin().await?;
    let (before, _) = store::risk::update_asset(&tx, case, id, asset, &by, now).await?;
    actor
        .record(
            &tx,
            "risk.asset_change",
            ("application", case),
            serde_json::json!({"asset": id, "before": before, "after": asset}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a row of the register.
pub async fn delete_asset(services: &Services, actor: &Actor, case: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    company_for(services, actor, case).await?;
    let tx = services.db.begin().await?;
    let before = store::risk::delete_asset(&tx, case, id).await?;
    actor
        .record(
            &tx,
            "risk.asset_delete",
            ("application", case),
            serde_json::json!({"asset": id, "before": before}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads the measure check's answers from form pairs `check_N = code`; blank ones stay
/// unanswered, unknown questions or codes are refused.
pub fn parse_check(pairs: &[(String, String)]) -> Result<Vec<(u8, CheckAnswer)>, Invalid> {
    let mut answers = Vec::new();
    for (key, value) in pairs {
        let Some(number) = key.strip_prefix("check_") else { continue };
        let number: u8 = number.parse().map_err(|_| Invalid::UnknownChoice)?;
        if value.is_empty() {
            continue;
        }
        if answers.iter().any(|(n, _)| *n == number) {
            return Err(Invalid::UnknownChoice);
        }
        answers.push((number, CheckAnswer::from_code(value).ok_or(Invalid::UnknownChoice)?));
    }
    domain::risk::check_scores(&answers).map_err(|_| Invalid::UnknownChoice)?;
    answers.sort_by_key(|(n, _)| *n);
    Ok(answers)
}

/// Saves the measure check.
pub async fn save_check(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    answers: &[(u8, CheckAnswer)],
    now: DateTime<Utc>,
) -> Result<()> {
    let record = company_for(services, actor, case).await?;
    let by = author(services, actor, &record).await?;
    let tx = services.db.begin().await?;
    store::risk::save_check(&tx, case, answers, &by, now).await?;
    actor
        .record(
            &tx,
            "risk.check",
            ("application", case),
            serde_json::json!({"answered": answers.len(), "check_set": domain::risk::CHECK_SET_VERSION}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The workbook: exported laid out like the familiar sheet, imported back whole or not at all.

/// The register sheet's name.
pub const REGISTER_SHEET: &str = "情報資産管理台帳";

/// The register's columns as the workbook lays them out: the typed columns of `Field::ALL`,
/// with 重要度 after 可用性 and 被害発生可能性・リスク値・大中小 after 脆弱性 (computed, shaded).
fn sheet_columns() -> Vec<(Option<Field>, documents::sheet::Column)> {
    use documents::sheet::Column;
    let labels = |all: &[&'static str]| all.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut columns = Vec::new();
    for field in Field::ALL {
        let header = field.header_ja();
        let column = match field {
            Field::Business | Field::Department | Field::Owner | Field::Users => Column::text(header, 14.0),
            Field::Name => Column::text(header, 24.0),
            Field::Note | Field::ThreatNote | Field::Measures => Column::text(header, 30.0),
            Field::Media => Column::choice(
                header,
                16.0,
                labels(&domain::risk::Media::ALL.iter().map(|m| m.label_ja()).collect::<Vec<_>>()),
            ),
            Field::Personal => Column::choice(
                header,
                16.0,
                labels(&domain::risk::PersonalInfo::ALL.iter().map(|m| m.label_ja()).collect::<Vec<_>>()),
            ),
            Field::Treatment => Column::choice(
                header,
                10.0,
                labels(&domain::risk::Treatment::ALL.iter().map(|m| m.label_ja()).collect::<Vec<_>>()),
            ),
            Field::Status => Column::choice(
                header,
                10.0,
                labels(&domain::risk::MeasureStatus::ALL.iter().map(|m| m.label_ja()).collect::<Vec<_>>()),
            ),
            Field::Confidentiality | Field::Integrity | Field::Availability | Field::Threat | Field::Vulnerability => {
                Column::level(header)
            }
            Field::Retention | Field::Due | Field::RegisteredOn => Column::text(header, 12.0),
        };
        columns.push((Some(field), column));
        if field == Field::Availability {
            columns.push((None, Column::computed("重要度", 8.0)));
        }
        if field == Field::Vulnerability {
            columns.push((None, Column::computed("被害発生可能性", 10.0)));
            columns.push((None, Column::computed("リスク値", 8.0)));
            columns.push((None, Column::computed("リスクの大きさ", 8.0)));
        }
    }
    columns
}

fn sheet_row(asset: &Asset) -> Vec<String> {
    let input = asset.to_input();
    let level = |l: Option<Level>| l.map(|l| l.get().to_string()).unwrap_or_default();
    let mut row = Vec::new();
    for field in Field::ALL {
        row.push(field_value(&input, field).to_string());
        if field == Field::Availability {
            row.push(asset.importance().get().to_string());
        }
        if field == Field::Vulnerability {
            row.push(level(asset.likelihood()));
            row.push(asset.risk().map(|r| r.get().to_string()).unwrap_or_default());
            row.push(asset.risk().map(|r| r.band().label_ja().to_string()).unwrap_or_default());
        }
    }
    row
}

fn field_value(input: &AssetInput, field: Field) -> &str {
    match field {
        Field::Business => &input.business,
        Field::Name => &input.name,
        Field::Note => &input.note,
        Field::Users => &input.users,
        Field::Department => &input.department,
        Field::Media => &input.media,
        Field::Personal => &input.personal,
        Field::Confidentiality => &input.confidentiality,
        Field::Integrity => &input.integrity,
        Field::Availability => &input.availability,
        Field::Retention => &input.retention,
        Field::RegisteredOn => &input.registered_on,
        Field::Threat => &input.threat,
        Field::Vulnerability => &input.vulnerability,
        Field::ThreatNote => &input.threat_note,
        Field::Treatment => &input.treatment,
        Field::Measures => &input.measures,
        Field::Owner => &input.owner,
        Field::Due => &input.due,
        Field::Status => &input.status,
    }
}

fn set_field(input: &mut AssetInput, field: Field, value: String) {
    let slot = match field {
        Field::Business => &mut input.business,
        Field::Name => &mut input.name,
        Field::Note => &mut input.note,
        Field::Users => &mut input.users,
        Field::Department => &mut input.department,
        Field::Media => &mut input.media,
        Field::Personal => &mut input.personal,
        Field::Confidentiality => &mut input.confidentiality,
        Field::Integrity => &mut input.integrity,
        Field::Availability => &mut input.availability,
        Field::Retention => &mut input.retention,
        Field::RegisteredOn => &mut input.registered_on,
        Field::Threat => &mut input.threat,
        Field::Vulnerability => &mut input.vulnerability,
        Field::ThreatNote => &mut input.threat_note,
        Field::Treatment => &mut input.treatment,
        Field::Measures => &mut input.measures,
        Field::Owner => &mut input.owner,
        Field::Due => &mut input.due,
        Field::Status => &mut input.status,
    };
    *slot = value;
}

/// The register as an xlsx laid out like the familiar sheet, with drop-down lists and 1–3 limits
/// (audited: it holds the company's asset list).
pub async fn export_register(services: &Services, actor: &Actor, case: Uuid, now: DateTime<Utc>) -> Result<Vec<u8>> {
    company_for(services, actor, case).await?;
    let assets = store::risk::assets(&services.db, case).await?;
    let columns = sheet_columns();
    let sheet = documents::sheet::Sheet {
        name: REGISTER_SHEET.to_string(),
        columns: columns.into_iter().map(|(_, column)| column).collect(),
        rows: assets.iter().map(|a| sheet_row(&a.asset)).collect(),
        spare_rows: (domain::risk::MAX_ASSETS - assets.len().min(domain::risk::MAX_ASSETS)) as u32,
    };
    let bytes = documents::sheet::to_xlsx(&[sheet]).map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?;
    let tx = services.db.begin().await?;
    actor.record(&tx, "risk.export", ("application", case), serde_json::json!({"assets": assets.len()}), now).await?;
    tx.commit().await?;
    Ok(bytes)
}

/// One problem of an imported workbook: where (sheet, Excel row, column header) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProblem {
    pub sheet: String,
    /// The Excel row; `None` for a problem with the whole workbook.
    pub row: Option<u32>,
    pub column: Option<&'static str>,
    pub message_ja: String,
    pub message_en: String,
}

/// Why an import was refused: every problem found (none of the workbook was taken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRefused(pub Vec<ImportProblem>);

/// Reads a register workbook (Kojo's export, or one filled by hand with the same headers) and
/// checks every row; on any problem nothing is taken and every problem is reported.
pub fn read_register(bytes: &[u8]) -> std::result::Result<Vec<Asset>, ImportRefused> {
    let headers: Vec<&str> = Field::ALL.iter().map(|f| f.header_ja()).collect();
    let whole = |message_ja: String, message_en: String| {
        ImportRefused(vec![ImportProblem {
            sheet: REGISTER_SHEET.into(),
            row: None,
            column: None,
            message_ja,
            message_en,
        }])
    };
    let rows = documents::sheet::read_xlsx(bytes, REGISTER_SHEET, &headers, domain::risk::MAX_ASSETS).map_err(|e| {
        let en = match &e {
            documents::sheet::SheetError::NotAWorkbook => "Not an Excel workbook (.xlsx)".to_string(),
            documents::sheet::SheetError::MissingSheet(name) => format!("No sheet named {name}"),
            documents::sheet::SheetError::MissingColumns(columns) => {
                format!("Columns missing from the first row: {}", columns.join(", "))
            }
            documents::sheet::SheetError::TooManyRows(max) => format!("Too many rows ({max} at most)"),
        };
        whole(e.to_string(), en)
    })?;
    let mut assets = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for row in rows {
        let mut input = AssetInput::default();
        for (field, value) in Field::ALL.iter().zip(row.cells) {
            set_field(&mut input, *field, value);
        }
        match input.parse() {
            Ok(asset) => assets.push(asset),
            Err(cells) => problems.extend(cells.into_iter().map(|(field, problem)| ImportProblem {
                sheet: REGISTER_SHEET.into(),
                row: Some(row.row),
                column: Some(field.header_ja()),
                message_ja: problem.message_ja().into(),
                message_en: problem.message_en().into(),
            })),
        }
    }
    if problems.is_empty() { Ok(assets) } else { Err(ImportRefused(problems)) }
}

/// Replaces the register with an imported workbook's rows, all or nothing.
pub async fn import_register(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<std::result::Result<usize, ImportRefused>> {
    let record = company_for(services, actor, case).await?;
    let today = tokyo_today(now);
    let assets: Vec<Asset> = match read_register(bytes) {
        Ok(assets) => {
            assets.into_iter().map(|a| Asset { registered_on: a.registered_on.or(Some(today)), ..a }).collect()
        }
        Err(refused) => return Ok(Err(refused)),
    };
    let by = author(services, actor, &record).await?;
    let tx = services.db.begin().await?;
    let removed = store::risk::replace_register(&tx, case, &assets, &by, now).await?;
    actor
        .record(
            &tx,
            "risk.import",
            ("application", case),
            serde_json::json!({"assets": assets.len(), "replaced": removed, "sha256": store::sha256_hex_bytes(bytes)}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(Ok(assets.len()))
}

// ---------------------------------------------------------------------------------------------
// The report.

/// Drafts the report from the register and the check as they stand (the expert or the
/// secretariat); a draft replaces the open draft, a released version is kept.
pub async fn draft_report(
    services: &Services,
    actor: &Actor,
    fonts: std::sync::Arc<documents::pdf::Fonts>,
    case: Uuid,
    now: DateTime<Utc>,
) -> Result<ReportRecord> {
    let record = company_for(services, actor, case).await?;
    if actor.role() == Some(Role::Company) {
        return Err(AppError::Forbidden);
    }
    let assessment = Assessment {
        expert: match store::guidance::expert_of(&services.db, case).await? {
            Some(id) => Some(store::accounts::get_user(&services.db, id).await?),
            None => None,
        },
        assets: store::risk::assets(&services.db, case).await?,
        check: store::risk::check(&services.db, case).await?,
        reports: Vec::new(),
        stage: Stage::NotStarted,
        record: record.clone(),
    };
    if assessment.prioritised().is_empty() {
        return Err(Refusal::Risk(RiskRefusal::NothingEvaluated).into());
    }
    let data = report_data(&assessment, now);
    let value = serde_json::to_value(&data).expect("report data serialises");
    let chart = chapter_chart(&assessment, false);
    let pdf = tokio::task::spawn_blocking(move || documents::risk_report::render(&fonts, &data, chart.as_deref()))
        .await
        .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?
        .map_err(|e| Refusal::DocumentUnavailable(e.to_string()))?;
    let by = author(services, actor, &record).await?;
    let tx = services.db.begin().await?;
    let saved = store::risk::save_draft(&tx, case, &value, pdf, &by, now).await?;
    actor
        .record(
            &tx,
            "risk.report_draft",
            ("application", case),
            serde_json::json!({"report": saved.id, "version": saved.version, "sha256": saved.pdf_sha256}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Releases the draft report to the company (the expert or the secretariat); the company is
/// e-mailed a notice.
pub async fn release_report(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    report: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let record = company_for(services, actor, case).await?;
    if actor.role() == Some(Role::Company) {
        return Err(AppError::Forbidden);
    }
    let by = author(services, actor, &record).await?;
    let letter = crate::mail::letter(&services.mail, &services.db, &record).await?;
    let tx = services.db.begin().await?;
    let version = store::risk::release(&tx, case, report, &by, now).await?;
    actor
        .record(
            &tx,
            "risk.report_release",
            ("application", case),
            serde_json::json!({"report": report, "version": version}),
            now,
        )
        .await?;
    let email = crate::mail::message_notice(
        &letter,
        &record,
        &crate::mail::subject::RISK_REPORT,
        domain::portal::PortalTask::Risk,
    );
    store::outbox::add(&tx, &email, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The company acknowledges a released report of its own.
pub async fn acknowledge_own(services: &Services, actor: &Actor, report: Uuid, now: DateTime<Utc>) -> Result<bool> {
    let case = actor.own_case()?;
    let tx = services.db.begin().await?;
    let first = store::risk::acknowledge(&tx, case, report, now).await?;
    if first {
        actor
            .record(&tx, "risk.report_acknowledge", ("application", case), serde_json::json!({"report": report}), now)
            .await?;
    }
    tx.commit().await?;
    Ok(first)
}

/// A report's PDF: any version for staff in scope, released ones for the company (audited).
pub async fn report_pdf(
    services: &Services,
    actor: &Actor,
    case: Uuid,
    report: Uuid,
    now: DateTime<Utc>,
) -> Result<(ReportRecord, Vec<u8>)> {
    company_for(services, actor, case).await?;
    let (record, pdf) = store::risk::report_pdf(&services.db, report).await?;
    if record.application_id != case || (actor.role() == Some(Role::Company) && record.status != "released") {
        return Err(AppError::NotFound);
    }
    let tx = services.db.begin().await?;
    actor.record(&tx, "risk.report_read", ("application", case), serde_json::json!({"report": report}), now).await?;
    tx.commit().await?;
    Ok((record, pdf))
}

/// The measure check by chapter as a chart, once any chapter has a score.
pub fn chapter_chart(assessment: &Assessment, en: bool) -> Option<String> {
    let scores = assessment.check_scores();
    if scores.iter().all(|s| s.percent().is_none()) {
        return None;
    }
    let chapters: Vec<(String, Option<u32>)> = scores
        .iter()
        .map(|s| ((if en { s.chapter.label_en() } else { s.chapter.label_ja() }).to_string(), s.percent()))
        .collect();
    Some(documents::chart::chapter_chart(&chapters, en))
}

/// The report's data: profile, method, summary, heat map, top risks, the check, the roadmap.
pub fn report_data(assessment: &Assessment, now: DateTime<Utc>) -> documents::risk_report::RiskReportData {
    use documents::risk_report::{ChapterLine, RiskLine, RiskReportData, RoadmapLine};
    let record = &assessment.record;
    let today = now.with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let prioritised = assessment.prioritised();
    let risk_line = |asset: &Asset| {
        let risk = asset.risk().expect("prioritised assets are rated");
        RiskLine {
            asset: asset.name.clone(),
            business: asset.business.clone(),
            media: asset.media.label_ja().into(),
            importance: asset.importance().get(),
            likelihood: asset.likelihood().map_or(0, Level::get),
            value: risk.get(),
            band: risk.band().label_ja().into(),
            threat: asset.threat_note.clone().unwrap_or_default(),
            treatment: asset.treatment.map(|t| t.label_ja().to_string()).unwrap_or_default(),
            measures: asset.measures.clone().unwrap_or_default(),
        }
    };
    let mut roadmap: Vec<RoadmapLine> = Vec::new();
    for horizon in [domain::risk::Horizon::Now, domain::risk::Horizon::ThreeMonths, domain::risk::Horizon::Year] {
        let items: Vec<String> = prioritised
            .iter()
            .filter(|(_, a)| a.treatment != Some(domain::risk::Treatment::Accept))
            .filter(|(_, a)| a.risk().map(domain::risk::Horizon::of) == Some(horizon))
            .map(|(_, a)| match &a.measures {
                Some(measures) => format!("{}：{}", a.name, measures),
                None => format!("{}：対策を決める", a.name),
            })
            .collect();
        roadmap.push(RoadmapLine { horizon: horizon.label_ja().into(), items });
    }
    let bands = |band: domain::risk::Band| {
        prioritised.iter().filter(|(_, a)| a.risk().map(|r| r.band()) == Some(band)).count() as u32
    };
    RiskReportData {
        company_name: record.company_name.clone(),
        reference: record.reference.clone(),
        industry: domain::eligibility::Industry::from_code(&record.industry)
            .map(|i| i.label_ja().to_string())
            .unwrap_or_else(|| record.industry.clone()),
        employees: record.employees.max(0) as u32,
        expert: assessment.expert.as_ref().map(|e| e.display_name.clone()).unwrap_or_default(),
        issued_on: domain::wareki::format_date(today),
        assets: assessment.assets.len() as u32,
        rated: prioritised.len() as u32,
        high: bands(domain::risk::Band::High),
        medium: bands(domain::risk::Band::Medium),
        low: bands(domain::risk::Band::Low),
        heat_map: assessment.heat_map(),
        top: prioritised.iter().take(10).map(|(_, a)| risk_line(a)).collect(),
        chapters: assessment
            .check_scores()
            .into_iter()
            .map(|s| ChapterLine { chapter: s.chapter.label_ja().into(), percent: s.percent() })
            .collect(),
        roadmap,
    }
}

// ---------------------------------------------------------------------------------------------
// Figures for the secretariat and Tokyo: no company named.

/// Course ② across the programme: exact for the secretariat; for Tokyo a count of companies
/// under the small-cell rule, and a count of assets withheld ("<5") when fewer than 5 companies
/// hold them (`domain::disclosure::Audience`).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub participants: Cell,
    pub with_expert: Cell,
    /// Companies per stage, in `Stage::ALL` order (parts of the participants).
    pub by_stage: Vec<Cell>,
    /// Rated assets per risk value 1, 2, 3, 4, 6, 9.
    pub by_value: Vec<Cell>,
    /// High risks (大) per medium, most first: (medium's words, count).
    pub high_by_media: Vec<(&'static str, Cell)>,
    /// High risks per kind of personal information held, most first.
    pub high_by_personal: Vec<(&'static str, Cell)>,
}

pub async fn figures(services: &Services, actor: &Actor) -> Result<Figures> {
    actor.require(Action::ReadRiskFigures)?;
    // The programme year running (every year's before the first one is set up).
    let programme = store::programmes::current(&services.db).await?.map(|p| p.id);
    figures_for(services, Audience::of(actor.role()), Moment::Now(programme)).await
}

/// The risk values (1, 2, 3, 4, 6, 9) a heat map counts: `[importance − 1][likelihood − 1]`.
fn values_of(map: &[[u32; 3]; 3]) -> [u64; 6] {
    let mut values = [0u64; 6];
    for (importance, row) in map.iter().enumerate() {
        for (likelihood, count) in row.iter().enumerate() {
            let value = (importance + 1) * (likelihood + 1);
            let slot = [1, 2, 3, 4, 6, 9].iter().position(|v| *v == value).expect("a risk value");
            values[slot] += u64::from(*count);
        }
    }
    values
}

/// The same figures for `audience` at `moment`. The results report's (`Moment::Before`) count
/// what had happened before its day: the stage from the reports' dates and the register's rows
/// written by then, the risk values of the report each company had been given (its heat map, as
/// released); the lists of high risks by medium and personal information are the pages' only.
/// Not a use case (no permission is checked): the pages call [`figures`], the report its own.
pub async fn figures_for(services: &Services, audience: Audience, moment: Moment) -> Result<Figures> {
    let seen = |at: DateTime<Utc>| moment.has_seen(at);
    let assignments = store::guidance::assignments_since(&services.db).await?;
    type Held = (u64, std::collections::BTreeSet<Uuid>);
    let (mut participants, mut with_expert) = (0u64, 0u64);
    let mut by_stage = [0u64; 6];
    let mut by_value: [Held; 6] = Default::default();
    let mut media = std::collections::BTreeMap::<&'static str, Held>::new();
    let mut personal = std::collections::BTreeMap::<&'static str, Held>::new();
    for record in moment.participants(services, CourseCode::RiskAssessment).await? {
        participants += 1;
        with_expert += u64::from(assignments.iter().any(|(case, _, since)| *case == record.id && seen(*since)));
        let mut assets = store::risk::assets(&services.db, record.id).await?;
        let mut reports = store::risk::reports(&services.db, record.id).await?;
        if let Moment::Before(_, before) = moment {
            // A row registered later (its 登録日, kept through changes and workbooks; without one,
            // when it was written) did not exist yet; one changed later counts as not yet rated.
            let day = crate::clock::tokyo_date(before);
            assets.retain(|a| a.asset.registered_on.map_or(seen(a.created_at), |on| on < day));
            for a in &mut assets {
                if !seen(a.updated_at) {
                    a.asset.threat = None;
                }
            }
            // A version made later did not exist; one released or acknowledged later was not yet.
            reports.retain(|r| seen(r.created_at));
            for r in &mut reports {
                if r.released_at.is_none_or(|at| !seen(at)) {
                    r.status = "draft".into();
                    r.released_at = None;
                }
                r.acknowledged_at = r.acknowledged_at.filter(|at| seen(*at));
            }
        }
        let stage = Stage::of(&assets, &reports);
        by_stage[Stage::ALL.iter().position(|s| *s == stage).expect("a stage")] += 1;
        if let Moment::Before(..) = moment {
            let given = reports.iter().rev().find(|r| r.released_at.is_some());
            let map = given.and_then(|r| serde_json::from_value::<[[u32; 3]; 3]>(r.data["heat_map"].clone()).ok());
            for (slot, count) in values_of(&map.unwrap_or_default()).iter().enumerate() {
                if *count > 0 {
                    by_value[slot].0 += count;
                    by_value[slot].1.insert(record.id);
                }
            }
            continue;
        }
        for asset in assets.iter().map(|a| &a.asset) {
            let Some(risk) = asset.risk() else { continue };
            let slot = [1, 2, 3, 4, 6, 9].iter().position(|v| *v == risk.get()).expect("a risk value");
            by_value[slot].0 += 1;
            by_value[slot].1.insert(record.id);
            if risk.band() == domain::risk::Band::High {
                for (map, key) in [(&mut media, asset.media.label_ja()), (&mut personal, asset.personal.label_ja())] {
                    let held = map.entry(key).or_default();
                    held.0 += 1;
                    held.1.insert(record.id);
                }
            }
        }
    }
    // Each list adds up to the high risks (values 6 and 9): its parts are withheld together,
    // and for Tokyo it is in the order of its words, not of the counts (an order would rank a
    // withheld part among the shown ones).
    let ranked = |map: std::collections::BTreeMap<&'static str, Held>| {
        let mut list: Vec<(&'static str, Held)> = map.into_iter().collect();
        if audience == Audience::Inside {
            list.sort_by_key(|(_, (count, _))| std::cmp::Reverse(*count));
        }
        let parts: Vec<(u64, u64)> = list.iter().map(|(_, (count, held))| (*count, held.len() as u64)).collect();
        list.iter().map(|(key, _)| *key).zip(audience.held_parts(&parts)).collect()
    };
    let (by_stage, participants_total) = audience.list(&by_stage);
    Ok(Figures {
        participants: match audience {
            Audience::Inside => Cell::Count(participants),
            Audience::Outside => participants_total,
        },
        with_expert: audience.count(with_expert),
        by_stage,
        by_value: audience
            .held_parts(&by_value.iter().map(|(count, held)| (*count, held.len() as u64)).collect::<Vec<_>>()),
        high_by_media: ranked(media),
        high_by_personal: ranked(personal),
    })
}
