//! Surveys on the web: the respondent's form from the e-mailed link (`/survey/{token}`, no
//! sign-in) and in the portal (`/portal/surveys`), the secretariat's board and editor
//! (`/office/surveys`), and the results (`/office/surveys/{id}/results`, also Tokyo's, suppressed)
//! with their exports. Every step goes through `app::surveys`.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::survey::{Answers, Definition, Kind, Moment, Status, Value};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{CompanyUser, Staff};
use crate::client::ClientIp;
use crate::csrf::FormToken;
use crate::error::PageError;
use crate::guidance::{parse_id, staff_actor};
use crate::i18n::{Lang, T};
use crate::render::html;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/survey/{token}", get(link_page).post(post_link))
        .route("/portal/surveys", get(portal_list))
        .route("/portal/surveys/{id}", get(portal_form).post(post_portal))
        .route("/office/surveys", get(office_board).post(post_create))
        .route("/office/surveys/{id}", get(office_survey).post(post_survey))
        .route("/office/surveys/{id}/results", get(office_results))
        .route("/office/surveys/{id}/answers", get(office_answers))
        .route("/office/surveys/{id}/preview", post(post_preview))
}

fn problem_of(t: T, error: &app::AppError) -> String {
    crate::messages::for_error(error)
        .map(|m| t.pick(&m.ja, &m.en).to_string())
        .unwrap_or_else(|| t.s("この操作はできません", "This cannot be done").to_string())
}

fn status_label(t: T, status: Status) -> &'static str {
    t.pick(status.label_ja(), status.label_en())
}

fn year_label(t: T, year: i32) -> String {
    if t.en { format!("FY{year}") } else { domain::wareki::format_fiscal_year(year) }
}

// ---------------------------------------------------------------------------------------------
// The form a respondent fills in.

/// One question as the form shows it.
pub(crate) struct QuestionView {
    key: String,
    kind: &'static str,
    text: String,
    required: bool,
    /// `KEY:ANSWER` when a condition shows it, and the words for readers without JavaScript.
    show_when: Option<(String, String)>,
    /// Shown now, given the answers.
    shown: bool,
    /// (value, label, chosen) for choices and scales.
    options: Vec<(String, String, bool)>,
    /// The words at the two ends of a scale.
    text_value: String,
    error: Option<String>,
}

pub(crate) struct SectionView {
    heading: String,
    questions: Vec<QuestionView>,
}

/// The form's values as sent (or as saved): every value per key.
type Posted = BTreeMap<String, Vec<String>>;

fn posted_of(answers: &Answers) -> Posted {
    answers
        .iter()
        .map(|(key, value)| {
            let values = match value {
                Value::Scale(n) => vec![n.to_string()],
                Value::Choice(code) => vec![code.clone()],
                Value::Choices(codes) => codes.clone(),
                Value::Text(text) => vec![text.clone()],
            };
            (key.clone(), values)
        })
        .collect()
}

fn posted_of_fields(fields: &[(String, String)]) -> Posted {
    let mut posted = Posted::new();
    for (name, value) in fields {
        if let Some(key) = name.strip_prefix("q.") {
            posted.entry(key.to_string()).or_default().push(value.clone());
        }
    }
    posted
}

pub(crate) fn sections_view(
    t: T,
    definition: &Definition,
    posted: &Posted,
    errors: &BTreeMap<String, String>,
) -> Vec<SectionView> {
    // Which are shown follows what can be read of the values (unreadable ones count as none).
    let fields: Vec<(String, &str)> =
        posted.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (format!("q.{k}"), v.as_str()))).collect();
    let readable = definition.read_form(fields.iter().map(|(k, v)| (k.as_str(), *v))).unwrap_or_default();
    definition
        .sections()
        .iter()
        .map(|section| SectionView {
            heading: section.text(t.en).to_string(),
            questions: section
                .questions
                .iter()
                .map(|q| {
                    let chosen = posted.get(&q.key).cloned().unwrap_or_default();
                    let options = match q.kind {
                        Kind::Single | Kind::Multiple => q
                            .choices
                            .iter()
                            .map(|c| (c.code.clone(), c.label(t.en).to_string(), chosen.contains(&c.code)))
                            .collect(),
                        Kind::Scale5 | Kind::Recommend => q
                            .kind
                            .range()
                            .into_iter()
                            .flatten()
                            .map(|n| (n.to_string(), n.to_string(), chosen.contains(&n.to_string())))
                            .collect(),
                        Kind::Text => Vec::new(),
                    };
                    let show_when = q.show_when.as_ref().map(|c| {
                        let asked = definition.question(&c.question);
                        let answer = asked.and_then(|a| a.choice(&c.answer)).map(|ch| ch.label(t.en)).unwrap_or("");
                        let about = asked.map(|a| a.text(t.en)).unwrap_or("");
                        let note = if t.en {
                            format!("Only if you answered \"{answer}\" to \"{about}\".")
                        } else {
                            format!("「{about}」で「{answer}」と答えた方のみ")
                        };
                        (format!("{}:{}", c.question, c.answer), note)
                    });
                    QuestionView {
                        key: q.key.clone(),
                        kind: q.kind.code(),
                        text: q.text(t.en).to_string(),
                        required: q.required,
                        shown: definition.is_shown(q, &readable),
                        show_when,
                        options,
                        text_value: if q.kind == Kind::Text {
                            chosen.first().cloned().unwrap_or_default()
                        } else {
                            String::new()
                        },
                        error: errors.get(&q.key).cloned(),
                    }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "survey/answer.html")]
struct AnswerPage {
    t: T,
    signed_in: bool,
    csrf: String,
    action: String,
    title: String,
    /// "open", "submitted" or "closed".
    state: &'static str,
    sections: Vec<SectionView>,
    notice: Option<&'static str>,
    problem: Option<String>,
    back: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DoneQuery {
    done: String,
}

/// Where a respondent's form lives.
#[derive(Clone, Copy)]
enum Door<'a> {
    Link(&'a str),
    Portal(Uuid),
}

impl Door<'_> {
    fn action(&self, t: T) -> String {
        let lang = if t.en { "?lang=en" } else { "" };
        match self {
            Door::Link(token) => format!("/survey/{token}{lang}"),
            Door::Portal(id) => format!("/portal/surveys/{id}{lang}"),
        }
    }
}

async fn render_form(
    state: &AppState,
    (t, csrf): (T, String),
    (door, respondent): (Door<'_>, app::surveys::Respondent<'_>),
    typed: Option<(Posted, BTreeMap<String, String>)>,
    notice: Option<&'static str>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let form = app::surveys::form(&state.services, respondent).await?;
    let page_state = if form.invitation.submitted_at.is_some() {
        "submitted"
    } else if form.survey.status == Status::Closed {
        "closed"
    } else {
        "open"
    };
    let (posted, errors) = typed.unwrap_or_else(|| (posted_of(&form.answers), BTreeMap::new()));
    let page = AnswerPage {
        t,
        signed_in: matches!(door, Door::Portal(_)),
        csrf,
        action: door.action(t),
        title: t.pick(&form.survey.title_ja, &form.survey.title_en).to_string(),
        state: page_state,
        sections: if page_state == "open" { sections_view(t, &form.definition, &posted, &errors) } else { Vec::new() },
        notice,
        problem,
        back: matches!(door, Door::Portal(_)).then_some("/portal/surveys"),
    };
    html(status, &page)
}

fn notice_for(t: T, done: &str) -> Option<&'static str> {
    Some(match done {
        "saved" => t.s(
            "回答を保存しました。同じリンクから続きを回答できます。",
            "Your answers were saved. Use the same link to go on later.",
        ),
        _ => return None,
    })
}

/// Saves or submits, then answers as the form's outcome says.
async fn post_answers(
    state: &AppState,
    t: T,
    csrf: String,
    (door, respondent): (Door<'_>, app::surveys::Respondent<'_>),
    fields: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let submit = fields.iter().any(|(k, v)| k == "action" && v == "submit");
    let outcome = app::surveys::answer(&state.services, respondent, &fields, submit, state.clock.now()).await?;
    let here = door.action(t);
    let join = if here.contains('?') { '&' } else { '?' };
    let (errors, problem) = match outcome {
        app::surveys::Answered::Saved => {
            return Ok(Redirect::to(&format!("{here}{join}done=saved")).into_response());
        }
        app::surveys::Answered::Submitted => return Ok(Redirect::to(&here).into_response()),
        app::surveys::Answered::Closed | app::surveys::Answered::AlreadySubmitted => {
            return render_form(state, (t, csrf), (door, respondent), None, None, None, StatusCode::CONFLICT).await;
        }
        app::surveys::Answered::Missing(keys) => {
            let required = t.s("回答してください", "Please answer this question");
            (
                keys.into_iter().map(|k| (k, required.to_string())).collect(),
                t.s(
                    "未回答の必須の質問があります。入力した回答は保存しました。",
                    "Some required questions are unanswered. What you entered was saved.",
                ),
            )
        }
        app::surveys::Answered::Refused(error) => (
            BTreeMap::from([(error.key().to_string(), t.pick(&error.message_ja(), &error.message_en()).to_string())]),
            t.s("入力を確認してください（保存していません）。", "Please check your answers (nothing was saved)."),
        ),
    };
    let typed = Some((posted_of_fields(&fields), errors));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render_form(state, (t, csrf), (door, respondent), typed, None, Some(problem.into()), status).await
}

async fn link_page(
    State(state): State<AppState>,
    lang: Lang,
    csrf: FormToken,
    Path(token): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let respondent = (Door::Link(&token), app::surveys::Respondent::Link(&token));
    render_form(&state, (t, csrf.0), respondent, None, notice_for(t, &query.done), None, StatusCode::OK).await
}

async fn post_link(
    State(state): State<AppState>,
    lang: Lang,
    csrf: FormToken,
    Path(token): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let respondent = (Door::Link(&token), app::surveys::Respondent::Link(&token));
    post_answers(&state, lang.t, csrf.0, respondent, fields).await
}

#[derive(Template)]
#[template(path = "portal/surveys.html")]
struct PortalListPage {
    t: T,
    /// (invitation id, title, answered, closed)
    rows: Vec<(Uuid, String, bool, bool)>,
}

async fn portal_list(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
) -> Result<Response, PageError> {
    let t = lang.t;
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let rows = app::surveys::own(&state.services, &actor)
        .await?
        .into_iter()
        .map(|(survey, invitation)| {
            (
                invitation.id,
                t.pick(&survey.title_ja, &survey.title_en).to_string(),
                invitation.submitted_at.is_some(),
                survey.status == Status::Closed,
            )
        })
        .collect();
    html(StatusCode::OK, &PortalListPage { t, rows })
}

async fn portal_form(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let respondent = (Door::Portal(id), app::surveys::Respondent::Portal(&actor, id));
    render_form(&state, (t, company.csrf.clone()), respondent, None, notice_for(t, &query.done), None, StatusCode::OK)
        .await
}

async fn post_portal(
    State(state): State<AppState>,
    lang: Lang,
    company: CompanyUser,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let actor = app::Actor::user(&company.user, app::Via::Page, ip.to_db());
    let respondent = (Door::Portal(id), app::surveys::Respondent::Portal(&actor, id));
    post_answers(&state, lang.t, company.csrf.clone(), respondent, fields).await
}

// ---------------------------------------------------------------------------------------------
// The secretariat's board and editor.

struct BoardView {
    id: Uuid,
    year: String,
    moment: &'static str,
    title: String,
    status: &'static str,
    invited: String,
    started: String,
    /// Whether this reader can open the results (Tokyo: once closed).
    results: bool,
    submitted: String,
    rate: String,
}

#[derive(Template)]
#[template(path = "office/surveys.html")]
struct BoardPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    may_run: bool,
    rows: Vec<BoardView>,
    /// (code, label)
    moments: Vec<(&'static str, &'static str)>,
    problem: Option<String>,
}

async fn render_board(
    state: &AppState,
    (t, staff, ip): (T, &Staff, &ClientIp),
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = staff_actor(staff, ip);
    let may_run = actor.may(domain::access::Action::RunSurveys);
    let rows = app::surveys::board(&state.services, &actor, None)
        .await?
        .into_iter()
        .map(|row| BoardView {
            id: row.survey.id,
            year: year_label(t, row.survey.fiscal_year),
            moment: t.pick(row.survey.moment.label_ja(), row.survey.moment.label_en()),
            title: t.pick(&row.survey.title_ja, &row.survey.title_en).to_string(),
            status: status_label(t, row.survey.status),
            invited: row.invited.label(),
            results: may_run || row.survey.status == Status::Closed,
            started: row.started.label(),
            submitted: row.submitted.label(),
            rate: row.rate.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into()),
        })
        .collect();
    let page = BoardPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        may_run,
        rows,
        moments: Moment::ALL.iter().map(|m| (m.code(), t.pick(m.label_ja(), m.label_en()))).collect(),
        problem,
    };
    html(status, &page)
}

async fn office_board(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
) -> Result<Response, PageError> {
    render_board(&state, (lang.t, &staff, &ip), None, StatusCode::OK).await
}

async fn post_create(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let Some(moment) = form.get("moment").and_then(|m| Moment::from_code(m)) else {
        let problem = t.s("送る時機を選んでください", "Choose when the survey is sent").to_string();
        return render_board(&state, (t, &staff, &ip), Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let actor = staff_actor(&staff, &ip);
    match app::surveys::create(&state.services, &actor, moment, state.clock.now()).await {
        Ok(id) => Ok(Redirect::to(&format!("/office/surveys/{id}?done=created")).into_response()),
        Err(app::AppError::NotFound) => {
            let problem = t.s("現在の事業年度がありません", "There is no current programme year").to_string();
            render_board(&state, (t, &staff, &ip), Some(problem), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

struct InvitationView {
    company: String,
    name: String,
    invited_at: String,
    version: u32,
    reminders: u32,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "office/survey.html")]
struct SurveyPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    id: Uuid,
    year: String,
    moment: &'static str,
    status: &'static str,
    is_draft: bool,
    is_open: bool,
    is_closed: bool,
    version: u32,
    /// Whether the newest version went out already (saving writes the next one).
    version_sent: bool,
    title_ja: String,
    title_en: String,
    source: String,
    /// (version, saved at, sent at)
    versions: Vec<(u32, String, String)>,
    invitations: Vec<InvitationView>,
    preview: Vec<SectionView>,
    notice: Option<String>,
    problem: Option<String>,
}

async fn render_survey(
    state: &AppState,
    (t, staff, ip): (T, &Staff, &ClientIp),
    id: Uuid,
    typed: Option<app::surveys::Edit>,
    notice: Option<String>,
    problem: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let opened = app::surveys::open(&state.services, &staff_actor(staff, ip), id).await?;
    let survey = &opened.survey;
    // The preview shows what was typed when it reads, else the saved version.
    let edit = typed.unwrap_or_else(|| app::surveys::Edit {
        title_ja: survey.title_ja.clone(),
        title_en: survey.title_en.clone(),
        source: opened.source.clone(),
    });
    let preview_definition = Definition::parse(&edit.source).unwrap_or_else(|_| opened.definition.clone());
    let version_sent = opened.versions.iter().any(|v| v.version == survey.version && v.sent_at.is_some());
    let page = SurveyPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        id,
        year: year_label(t, survey.fiscal_year),
        moment: t.pick(survey.moment.label_ja(), survey.moment.label_en()),
        status: status_label(t, survey.status),
        is_draft: survey.status == Status::Draft,
        is_open: survey.status == Status::Open,
        is_closed: survey.status == Status::Closed,
        version: survey.version,
        version_sent,
        title_ja: edit.title_ja,
        title_en: edit.title_en,
        source: edit.source,
        versions: opened
            .versions
            .iter()
            .rev()
            .map(|v| {
                (
                    v.version,
                    app::mail::tokyo_instant(t.en, v.saved_at),
                    v.sent_at.map(|at| app::mail::tokyo_instant(t.en, at)).unwrap_or_else(|| "—".into()),
                )
            })
            .collect(),
        invitations: opened
            .invitations
            .iter()
            .map(|i| InvitationView {
                company: i.company_name.clone(),
                name: i.name.clone(),
                invited_at: app::mail::tokyo_instant(t.en, i.invited_at),
                version: i.version,
                reminders: i.reminders,
                state: if i.submitted_at.is_some() {
                    t.s("回答済み", "Answered")
                } else if i.started_at.is_some() {
                    t.s("回答途中", "Started")
                } else {
                    t.s("未回答", "Not yet")
                },
            })
            .collect(),
        preview: sections_view(t, &preview_definition, &Posted::new(), &BTreeMap::new()),
        notice,
        problem,
    };
    html(status, &page)
}

fn office_notice(t: T, done: &str, count: &str) -> Option<String> {
    Some(match done {
        "created" => t
            .s("アンケートを作成しました（標準の質問から）。", "The survey was created from the standard questions.")
            .into(),
        "saved" => t.s("保存しました。", "Saved.").into(),
        "sent" => format!(
            "{}{count}{}",
            t.s("送信しました：新たに ", "Sent: "),
            t.s(" 件の案内をメールで送りました。", " new invitations e-mailed.")
        ),
        "nudged" => format!(
            "{}{count}{}",
            t.s("未回答の ", "Reminded "),
            t.s(" 件に督促メールを送りました。", " who have not answered.")
        ),
        "closed" => t.s("締め切りました。", "Closed.").into(),
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OfficeQuery {
    done: String,
    count: String,
}

async fn office_survey(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<OfficeQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let count: String = query.count.chars().filter(char::is_ascii_digit).take(9).collect();
    let notice = office_notice(t, &query.done, &count);
    render_survey(&state, (t, &staff, &ip), parse_id(&id)?, None, notice, None, StatusCode::OK).await
}

async fn post_survey(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    let actor = staff_actor(&staff, &ip);
    let now = state.clock.now();
    let edit = app::surveys::Edit { title_ja: get("title_ja"), title_en: get("title_en"), source: get("source") };
    let (result, done) = match get("action").as_str() {
        "save" => (app::surveys::save(&state.services, &actor, id, &edit, now).await.map(|_| 0), "saved"),
        "send" => (app::surveys::send(&state.services, &actor, id, now).await, "sent"),
        "nudge" => (app::surveys::nudge(&state.services, &actor, id, now).await, "nudged"),
        "close" => (app::surveys::close(&state.services, &actor, id, now).await.map(|()| 0), "closed"),
        _ => return Err(PageError::bad_request("不明な操作です", "Unknown action")),
    };
    match result {
        Ok(count) => Ok(Redirect::to(&format!("/office/surveys/{id}?done={done}&count={count}")).into_response()),
        Err(error @ (app::AppError::Invalid(_) | app::AppError::Refused(_))) => {
            let problem = Some(problem_of(t, &error));
            let typed = (done == "saved").then_some(edit);
            render_survey(&state, (t, &staff, &ip), id, typed, None, problem, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(error) => Err(error.into()),
    }
}

/// Shows the typed definition as respondents would see it, without saving.
async fn post_preview(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Form(form): Form<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let id = parse_id(&id)?;
    let get = |key: &str| form.get(key).cloned().unwrap_or_default();
    let edit = app::surveys::Edit { title_ja: get("title_ja"), title_en: get("title_en"), source: get("source") };
    match Definition::parse(&edit.source) {
        Ok(_) => {
            let notice = Some(
                t.s("プレビューを更新しました（まだ保存していません）。", "Preview updated (not saved yet).").into(),
            );
            render_survey(&state, (t, &staff, &ip), id, Some(edit), notice, None, StatusCode::OK).await
        }
        Err(error) => {
            let line =
                error.line.map(|l| format!("{}{l}{}", t.s("", "Line "), t.s("行目：", ": "))).unwrap_or_default();
            let problem = Some(format!("{line}{}", t.pick(&error.ja, &error.en)));
            render_survey(&state, (t, &staff, &ip), id, Some(edit), None, problem, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Results.

struct ResultView {
    key: String,
    text: String,
    kind: &'static str,
    answered: String,
    /// (label, count as shown)
    counts: Vec<(String, String)>,
    svg: String,
    mean: Option<String>,
    net_promoter: Option<i32>,
    texts: Vec<String>,
}

#[derive(Template)]
#[template(path = "office/survey_results.html")]
struct ResultsPage {
    t: T,
    signed_in: bool,
    staff_name: String,
    menu: crate::menu::Menu,
    csrf: String,
    id: Uuid,
    title: String,
    inside: bool,
    invited: String,
    submitted: String,
    rate: String,
    questions: Vec<ResultView>,
    /// (question, companies, mean before, mean after)
    changes: Vec<(String, String, String, String)>,
    /// (company, question key, before, after, change)
    companies: Vec<(String, String, u8, u8, String)>,
    note: &'static str,
}

fn mean_label(value: Option<f64>) -> String {
    value.map(|m| format!("{m:.2}")).unwrap_or_else(|| "—".into())
}

fn choice_label(t: T, question: &domain::survey::Question, label: &str) -> String {
    // Counts come labelled in Japanese; English pages show the choice's English.
    question
        .choices
        .iter()
        .find(|c| c.ja == label)
        .map(|c| c.label(t.en).to_string())
        .unwrap_or_else(|| label.to_string())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FormatQuery {
    format: String,
}

async fn office_results(
    State(state): State<AppState>,
    lang: Lang,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let t = lang.t;
    let results = app::surveys::results(&state.services, &staff_actor(&staff, &ip), parse_id(&id)?).await?;
    if !query.format.is_empty() {
        let mut table = documents::Table::new([
            t.s("質問", "Question"),
            "key",
            t.s("選択肢・値", "Choice or value"),
            t.s("回答数", "Answers"),
            t.s("平均", "Mean"),
        ]);
        for q in &results.questions {
            for (label, cell) in &q.counts {
                table.push([
                    documents::Cell::from(q.question.text(t.en).to_string()),
                    documents::Cell::from(q.question.key.clone()),
                    documents::Cell::from(choice_label(t, &q.question, label)),
                    crate::render::figure_cell(*cell),
                    documents::Cell::from(q.mean.map(|m| format!("{m:.2}")).unwrap_or_default()),
                ]);
            }
        }
        let stem = format!("survey-results-{}", results.survey.fiscal_year);
        return crate::render::export(table, &query.format, t.s("集計", "Results"), &stem, state.clock.today());
    }
    let questions = results
        .questions
        .iter()
        .map(|q| {
            let rows: Vec<(String, Option<u64>)> =
                q.counts.iter().map(|(label, cell)| (choice_label(t, &q.question, label), cell.count())).collect();
            ResultView {
                key: q.question.key.clone(),
                text: q.question.text(t.en).to_string(),
                kind: q.question.kind.code(),
                answered: q.answered.label(),
                counts: q
                    .counts
                    .iter()
                    .map(|(label, cell)| (choice_label(t, &q.question, label), cell.label()))
                    .collect(),
                svg: if rows.is_empty() {
                    String::new()
                } else {
                    documents::chart::count_chart(q.question.text(t.en), &rows, t.s("件", ""), t.en)
                },
                mean: q.mean.map(|m| format!("{m:.2}")),
                net_promoter: q.net_promoter,
                texts: q.texts.clone(),
            }
        })
        .collect();
    let page = ResultsPage {
        t,
        signed_in: true,
        staff_name: staff.user.display_name.clone(),
        menu: crate::menu::Menu::of(staff.user.role),
        csrf: staff.csrf.clone(),
        id: results.survey.id,
        title: t.pick(&results.survey.title_ja, &results.survey.title_en).to_string(),
        inside: results.audience == domain::disclosure::Audience::Inside,
        invited: results.invited.label(),
        submitted: results.submitted.label(),
        rate: results.rate.map(|r| format!("{r}%")).unwrap_or_else(|| "—".into()),
        questions,
        changes: results
            .changes
            .iter()
            .map(|c| {
                (
                    t.pick(&c.text_ja, &c.text_en).to_string(),
                    c.companies.label(),
                    mean_label(c.mean_before),
                    mean_label(c.mean_after),
                )
            })
            .collect(),
        companies: results
            .companies
            .iter()
            .map(|c| (c.company_name.clone(), c.key.clone(), c.before, c.after, format!("{:+}", c.delta)))
            .collect(),
        note: t.pick(domain::disclosure::NOTE_JA, domain::disclosure::NOTE_EN),
    };
    html(StatusCode::OK, &page)
}

/// The raw answers (staff): who answered what, as CSV or xlsx.
async fn office_answers(
    State(state): State<AppState>,
    staff: Staff,
    ip: ClientIp,
    Path(id): Path<String>,
    Query(query): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let (header, rows) =
        app::surveys::raw_answers(&state.services, &staff_actor(&staff, &ip), id, state.clock.now()).await?;
    let mut table = documents::Table::new(header);
    for row in rows {
        table.push(row);
    }
    let format = if query.format.is_empty() { "csv" } else { query.format.as_str() };
    crate::render::export(table, format, "回答", "survey-answers", state.clock.today())
}
