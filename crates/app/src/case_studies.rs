//! Case studies (事例): the secretariat writes versions and sends the newest to the company; the
//! company comments on paragraphs, asks for changes, approves a version or withdraws its
//! approval in its portal; only the approved version is published on `/cases`. The rules are
//! `domain::case_study`'s; each step commits with its event, its audit row and its e-mail.
//!
//! Must not: publish text the company has not approved, or show a company another's study.

use chrono::{DateTime, Utc};
use domain::access::{Action, Role};
use domain::case_study::{self as rules, Anonymity, PhotoShows, PhotoWithheld, Refused, Shown, State, Step};
use store::case_studies::{
    EventRecord, NewEvent, NewPhoto, NewVersion, Options, PhotoRecord, StudyRecord, VersionRecord,
};
use uuid::Uuid;

use crate::error::Invalid;
use crate::{Actor, AppError, Result, Services};

fn refused(why: Refused) -> AppError {
    AppError::Invalid(Invalid::Field { field: "case_study", ja: why.message_ja().into(), en: why.message_en().into() })
}

fn text_field(field: &'static str, label_ja: &str, raw: &str, max: usize, required: bool) -> Result<String> {
    match domain::inquiry::message_text(raw, max) {
        Ok(text) => Ok(text),
        Err(domain::text::FieldError::Required) if !required => Ok(String::new()),
        Err(error) => Err(AppError::Invalid(Invalid::Field {
            field,
            ja: format!("{label_ja}：{}", error.message_ja()),
            en: format!("{field}: {}", error.message_en()),
        })),
    }
}

/// A study with its company, for the secretariat's list.
#[derive(Debug, Clone)]
pub struct Listed {
    pub study: StudyRecord,
    pub company_name: String,
    pub reference: String,
    pub title: String,
}

/// Every study, newest first (staff).
pub async fn list(services: &Services, actor: &Actor) -> Result<Vec<Listed>> {
    actor.require(Action::WriteCaseStudies)?;
    let mut out = Vec::new();
    for study in store::case_studies::list(&services.db, None).await? {
        let case = store::applications::get(&services.db, study.application_id).await?;
        let title = match study.state.newest {
            0 => String::new(),
            n => store::case_studies::version_of(&services.db, study.id, n).await?.title,
        };
        out.push(Listed { study, company_name: case.company_name, reference: case.reference, title });
    }
    Ok(out)
}

/// Starts a study of the participant with application `reference`.
pub async fn create(services: &Services, actor: &Actor, reference: &str, now: DateTime<Utc>) -> Result<Uuid> {
    actor.require(Action::WriteCaseStudies)?;
    let reference = reference.trim();
    let case = store::applications::find_by_reference(&services.db, reference).await?.ok_or_else(|| {
        AppError::Invalid(Invalid::Field {
            field: "reference",
            ja: format!("申込番号 {reference} の申込みはありません"),
            en: format!("No application has the reference {reference}"),
        })
    })?;
    if case.status != domain::case::CaseState::Confirmed {
        return Err(AppError::Invalid(Invalid::Field {
            field: "reference",
            ja: "事例にできるのは参加が確定した企業のみです".into(),
            en: "Only a confirmed participant can become a case study".into(),
        }));
    }
    let programme = store::programmes::get(&services.db, case.programme_id).await?;
    let options =
        Options { anonymity: Anonymity::IndustryAndSize, show_faces: false, round_numbers: true, interview_notes: "" };
    let tx = services.db.begin().await?;
    let study = store::case_studies::create(&tx, case.id, programme.fiscal_year, &options, now).await?;
    actor
        .record(&tx, "case_study.create", ("application", case.id), serde_json::json!({"case_study": study.id}), now)
        .await?;
    tx.commit().await?;
    Ok(study.id)
}

/// A study as its office page shows it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub study: StudyRecord,
    pub company_name: String,
    pub reference: String,
    pub versions: Vec<VersionRecord>,
    pub events: Vec<EventRecord>,
    /// Every photo (removed ones too), oldest first.
    pub photos: Vec<PhotoRecord>,
}

/// One study for staff.
pub async fn open(services: &Services, actor: &Actor, id: Uuid) -> Result<Opened> {
    actor.require(Action::WriteCaseStudies)?;
    let study = store::case_studies::get(&services.db, id).await?;
    let case = store::applications::get(&services.db, study.application_id).await?;
    Ok(Opened {
        versions: store::case_studies::versions(&services.db, id).await?,
        events: store::case_studies::events(&services.db, id).await?,
        photos: store::case_studies::photos(&services.db, id).await?,
        company_name: case.company_name,
        reference: case.reference,
        study,
    })
}

/// What staff write: a new version's text and the study's options.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub title: String,
    pub body: String,
    pub anonymity: String,
    pub show_faces: bool,
    pub round_numbers: bool,
    pub interview_notes: String,
}

/// Saves a new version (and the options). After an approval it needs approval again; the
/// public page keeps the approved version meanwhile.
pub async fn save(services: &Services, actor: &Actor, id: Uuid, draft: &Draft, now: DateTime<Utc>) -> Result<u32> {
    actor.require(Action::WriteCaseStudies)?;
    let title = text_field("title", "表題", &draft.title, rules::TITLE_MAX, true)?;
    let body = text_field("body", "本文", &draft.body, rules::BODY_MAX, true)?;
    let notes = text_field("interview_notes", "取材メモ", &draft.interview_notes, rules::BODY_MAX, false)?;
    let anonymity = Anonymity::from_code(&draft.anonymity).ok_or_else(|| {
        AppError::Invalid(Invalid::Field {
            field: "anonymity",
            ja: "掲載のしかたを選んでください".into(),
            en: "Choose how the company is shown".into(),
        })
    })?;
    if draft.round_numbers {
        // The captions of the photos the version will hold are published with it.
        let captions: Vec<String> = store::case_studies::photos(&services.db, id)
            .await?
            .into_iter()
            .filter(|p| p.removed_at.is_none())
            .map(|p| p.caption)
            .collect();
        let exact = rules::unrounded_figures(&format!("{title}\n{body}\n{}", captions.join("\n")));
        if !exact.is_empty() {
            return Err(AppError::Invalid(Invalid::Field {
                field: "body",
                ja: format!(
                    "「数値は丸めて掲載する」を選んでいます。次の数値を丸めてください（例：約20名）：{}",
                    exact.join("、")
                ),
                en: format!(
                    "\"Round the numbers\" is chosen; round these figures (e.g. about 20 staff): {}",
                    exact.join(", ")
                ),
            }));
        }
    }
    let shown = Shown { anonymity, show_faces: draft.show_faces, round_numbers: draft.round_numbers };
    let tx = services.db.begin().await?;
    let study = store::case_studies::lock(&tx, id).await?;
    let state = study.state.after(Step::Edit, 0).map_err(refused)?;
    // The version holds the photos kept now: the company approves them with the text.
    let photos: Vec<Uuid> = store::case_studies::photo_ids_kept(&tx, id).await?;
    let version =
        NewVersion { number: state.newest, title: &title, body: &body, shown, photos: &photos, by: actor.user_id() };
    store::case_studies::add_version(&tx, id, &version, now).await?;
    let options = Options {
        anonymity,
        show_faces: draft.show_faces,
        round_numbers: draft.round_numbers,
        interview_notes: &notes,
    };
    store::case_studies::save_state(&tx, id, state, Some(&options), now).await?;
    let event = NewEvent { kind: "edited", version: Some(state.newest), paragraph: None, body: "", by_company: false };
    store::case_studies::add_event(&tx, id, &event, now).await?;
    actor
        .record(
            &tx,
            "case_study.edit",
            ("case_study", id),
            serde_json::json!({"version": state.newest, "anonymity": anonymity.code(),
                "show_faces": shown.show_faces, "photos": photos,
                "needs_approval_again": study.state.approved.is_some()}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(state.newest)
}

/// Sends the newest version to the company (an e-mail points to its portal).
pub async fn send(services: &Services, actor: &Actor, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::WriteCaseStudies)?;
    let tx = services.db.begin().await?;
    let study = store::case_studies::lock(&tx, id).await?;
    let state = study.state.after(Step::Send, 0).map_err(refused)?;
    store::case_studies::save_state(&tx, id, state, None, now).await?;
    let event = NewEvent { kind: "sent", version: state.sent, paragraph: None, body: "", by_company: false };
    store::case_studies::add_event(&tx, id, &event, now).await?;
    let case = store::applications::get(&services.db, study.application_id).await?;
    let letter = crate::mail::letter(&services.mail, &services.db, &case).await?;
    let email = crate::mail::message_notice(
        &letter,
        &case,
        &crate::mail::subject::CASE_STUDY,
        domain::portal::PortalTask::CaseStudy,
    );
    store::outbox::add(&tx, &email, now).await?;
    actor.record(&tx, "case_study.send", ("case_study", id), serde_json::json!({"version": state.sent}), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Publishes the approved version on `/cases`, or takes it down.
pub async fn publish(services: &Services, actor: &Actor, id: Uuid, publish: bool, now: DateTime<Utc>) -> Result<()> {
    actor.require(Action::WriteCaseStudies)?;
    let tx = services.db.begin().await?;
    let study = store::case_studies::lock(&tx, id).await?;
    let version = if publish { Some(study.state.publishable().map_err(refused)?) } else { None };
    let state = State { published: publish, ..study.state };
    store::case_studies::save_state(&tx, id, state, None, now).await?;
    let (kind, action) =
        if publish { ("published", "case_study.publish") } else { ("unpublished", "case_study.unpublish") };
    let event = NewEvent { kind, version, paragraph: None, body: "", by_company: false };
    store::case_studies::add_event(&tx, id, &event, now).await?;
    actor.record(&tx, action, ("case_study", id), serde_json::json!({"version": version}), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A study as the company reviews it: the version it was sent (or approved), and what happened.
#[derive(Debug, Clone)]
pub struct Review {
    pub study: StudyRecord,
    /// The version the company is asked about (the one sent), else the one it approved.
    pub version: Option<VersionRecord>,
    pub events: Vec<EventRecord>,
    /// The photos of that version still kept, each with why the public page would leave it out.
    pub photos: Vec<(PhotoRecord, Option<PhotoWithheld>)>,
}

/// The company's own studies that were sent to it at least once (drafts never sent stay with
/// the secretariat); interview notes are not shown.
pub async fn own(services: &Services, actor: &Actor) -> Result<Vec<Review>> {
    let case = actor.own_case()?;
    let mut out = Vec::new();
    for study in store::case_studies::list(&services.db, Some(case)).await? {
        let events = store::case_studies::events(&services.db, study.id).await?;
        if !events.iter().any(|e| e.kind == "sent") {
            continue;
        }
        let shown = study.state.sent.or(study.state.approved);
        let version = match shown {
            Some(n) => Some(store::case_studies::version_of(&services.db, study.id, n).await?),
            None => None,
        };
        let photos = match &version {
            Some(version) => photos_of(services, study.id, version).await?,
            None => Vec::new(),
        };
        out.push(Review { study: StudyRecord { interview_notes: String::new(), ..study }, version, events, photos });
    }
    Ok(out)
}

/// What the company does with a study.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A comment on paragraph `paragraph` (from 1) of `version`.
    Comment {
        version: u32,
        paragraph: u32,
        text: String,
    },
    RequestChanges {
        version: u32,
        text: String,
    },
    Approve {
        version: u32,
    },
    Withdraw,
}

/// The company answers about its own study `id` (anyone else's: not found).
pub async fn answer(services: &Services, actor: &Actor, id: Uuid, answer: Answer, now: DateTime<Utc>) -> Result<()> {
    if actor.role() != Some(Role::Company) {
        return Err(AppError::Forbidden);
    }
    let case = actor.own_case()?;
    let tx = services.db.begin().await?;
    let study = store::case_studies::lock(&tx, id).await?;
    if study.application_id != case || study.state.sent.is_none() && study.state.approved.is_none() {
        return Err(AppError::NotFound);
    }
    let (kind, action, version, paragraph, text, state) = match answer {
        Answer::Comment { version, paragraph, text } => {
            if study.state.sent != Some(version) {
                return Err(refused(Refused::NotInReview));
            }
            let paragraphs = rules::paragraphs(&store::case_studies::version_of(&services.db, id, version).await?.body);
            if paragraph == 0 || paragraph as usize > paragraphs.len() {
                return Err(AppError::Invalid(Invalid::Field {
                    field: "paragraph",
                    ja: "段落を選んでください".into(),
                    en: "Choose a paragraph".into(),
                }));
            }
            let text = text_field("text", "コメント", &text, rules::COMMENT_MAX, true)?;
            ("comment", "case_study.comment", Some(version), Some(paragraph), text, study.state)
        }
        Answer::RequestChanges { version, text } => {
            let text = text_field("text", "修正のご依頼", &text, rules::COMMENT_MAX, true)?;
            let state = study.state.after(Step::RequestChanges, version).map_err(refused)?;
            ("changes_requested", "case_study.request_changes", Some(version), None, text, state)
        }
        Answer::Approve { version } => {
            let state = study.state.after(Step::Approve, version).map_err(refused)?;
            ("approved", "case_study.approve", Some(version), None, String::new(), state)
        }
        Answer::Withdraw => {
            let state = study.state.after(Step::Withdraw, 0).map_err(refused)?;
            ("withdrawn", "case_study.withdraw", study.state.approved, None, String::new(), state)
        }
    };
    store::case_studies::save_state(&tx, id, state, None, now).await?;
    let event = NewEvent { kind, version, paragraph, body: &text, by_company: true };
    store::case_studies::add_event(&tx, id, &event, now).await?;
    actor
        .record(
            &tx,
            action,
            ("case_study", id),
            serde_json::json!({"version": version, "paragraph": paragraph, "unpublished": study.state.published && !state.published}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// A published study as `/cases` shows it.
#[derive(Debug, Clone)]
pub struct Public {
    pub id: Uuid,
    pub fiscal_year: i32,
    pub title: String,
    pub body: String,
    /// The company's name, or its industry and size (as the company agreed).
    pub company_ja: String,
    pub company_en: String,
    pub published_at: Option<DateTime<Utc>>,
    /// The approved version's photos that may be shown: (id, caption).
    pub photos: Vec<(Uuid, String)>,
}

/// The photos of `version` still kept, each with why the public page would leave it out under
/// the options that version was written with.
async fn photos_of(
    services: &Services,
    study: Uuid,
    version: &VersionRecord,
) -> Result<Vec<(PhotoRecord, Option<PhotoWithheld>)>> {
    Ok(store::case_studies::photos(&services.db, study)
        .await?
        .into_iter()
        .filter(|p| p.removed_at.is_none() && version.photos.contains(&p.id))
        .map(|p| {
            let withheld = rules::photo_allowed(p.shows, version.shown).err();
            (p, withheld)
        })
        .collect())
}

async fn public_of(services: &Services, study: StudyRecord) -> Result<Public> {
    let version = study.state.publishable().map_err(refused)?;
    let text = store::case_studies::version_of(&services.db, study.id, version).await?;
    let case = store::applications::get(&services.db, study.application_id).await?;
    // As the company approved it: that version's options, not the draft's since.
    let photos = photos_of(services, study.id, &text)
        .await?
        .into_iter()
        .filter(|(_, withheld)| withheld.is_none())
        .map(|(p, _)| (p.id, p.caption))
        .collect();
    let (company_ja, company_en) = match text.shown.anonymity {
        Anonymity::Named => (case.company_name.clone(), case.company_name.clone()),
        Anonymity::IndustryAndSize => {
            let industry = domain::eligibility::Industry::from_code(&case.industry)
                .unwrap_or(domain::eligibility::Industry::Other);
            let employees = u32::try_from(case.employees).unwrap_or(0);
            let (_, _, band_ja, band_en) = crate::stats::SIZE_BANDS
                .iter()
                .find(|(low, high, _, _)| (*low..=*high).contains(&employees))
                .copied()
                .unwrap_or(crate::stats::SIZE_BANDS[0]);
            (
                format!("{}・従業員{}", industry.label_ja(), band_ja),
                format!("{}, {} employees", industry.label_en(), band_en),
            )
        }
    };
    Ok(Public {
        id: study.id,
        fiscal_year: study.fiscal_year,
        title: text.title,
        body: text.body,
        company_ja,
        company_en,
        published_at: study.published_at,
        photos,
    })
}

/// The published studies (of `fiscal_year` when given), each as its company approved it.
pub async fn published(services: &Services, fiscal_year: Option<i32>) -> Result<Vec<Public>> {
    let mut out = Vec::new();
    for study in store::case_studies::published(&services.db, fiscal_year).await? {
        out.push(public_of(services, study).await?);
    }
    Ok(out)
}

/// The years with a published study, newest first.
pub async fn published_years(services: &Services) -> Result<Vec<i32>> {
    Ok(store::case_studies::published_years(&services.db).await?)
}

/// One published study (anything else: not found).
pub async fn published_one(services: &Services, id: Uuid) -> Result<Public> {
    let study = store::case_studies::get(&services.db, id).await?;
    if !study.state.published {
        return Err(AppError::NotFound);
    }
    public_of(services, study).await
}

/// A photo staff add to a study, with the consent behind it.
#[derive(Debug, Clone, Default)]
pub struct PhotoUpload {
    pub filename: String,
    pub bytes: Vec<u8>,
    pub caption: String,
    pub faces: bool,
    pub logo: bool,
    /// Who agreed to the photo being taken and published (name and position).
    pub consent_by: String,
    /// `YYYY-MM-DD`.
    pub consent_on: String,
    /// Staff confirm that the consent was given.
    pub consent_confirmed: bool,
}

fn invalid(field: &'static str, ja: &str, en: &str) -> AppError {
    AppError::Invalid(Invalid::Field { field, ja: ja.into(), en: en.into() })
}

/// Keeps an interview photo of study `id`. Only with the consent recorded (who, when); a JPEG or
/// PNG (by its content). It goes into the next version saved, so the company approves it with
/// the text before it can be published.
pub async fn add_photo(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    upload: PhotoUpload,
    now: DateTime<Utc>,
) -> Result<PhotoRecord> {
    actor.require(Action::WriteCaseStudies)?;
    if !upload.consent_confirmed {
        return Err(invalid(
            "consent",
            "写真の撮影と掲載について、写っている方と企業の同意を得たことを確認してください",
            "Confirm that the people shown and the company agreed to the photo being taken and published",
        ));
    }
    let consent_by = text_field("consent_by", "同意した方", &upload.consent_by, rules::CAPTION_MAX, true)?;
    let caption = text_field("caption", "説明", &upload.caption, rules::CAPTION_MAX, false)?;
    let today = crate::clock::tokyo_date(now);
    let consent_on = chrono::NaiveDate::parse_from_str(upload.consent_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|day| *day <= today)
        .ok_or_else(|| {
            invalid(
                "consent_on",
                "同意を得た日を今日までの日付で入力してください",
                "Enter the day consent was given (today at the latest)",
            )
        })?;
    let file = domain::upload::Upload::checked(&upload.filename, upload.bytes)
        .map_err(|problem| invalid("file", problem.message_ja(), problem.message_en()))?;
    if !file.content_type().starts_with("image/") {
        return Err(invalid("file", "写真はJPEGかPNGのファイルを選んでください", "Choose a JPEG or PNG photo"));
    }
    // Kept without what the camera wrote into it (where, when, whose): it may be published.
    let bytes = documents::photo::without_metadata(file.bytes(), file.content_type()).map_err(|_| {
        invalid(
            "file",
            "写真のファイルを読み取れませんでした。別の形式で保存し直してください",
            "The photo could not be read; save it again",
        )
    })?;
    let tx = services.db.begin().await?;
    store::case_studies::lock(&tx, id).await?;
    let kept = store::case_studies::photos_kept(&tx, id).await?;
    if kept >= rules::PHOTOS_MAX {
        return Err(invalid(
            "file",
            "写真は12枚までです。不要な写真を削除してください",
            "12 photos at most; remove one first",
        ));
    }
    let new = NewPhoto {
        filename: file.filename(),
        content_type: file.content_type(),
        bytes,
        caption: &caption,
        shows: PhotoShows { faces: upload.faces, logo: upload.logo },
        consent_by: &consent_by,
        consent_on,
        uploaded_by: actor.user_id(),
    };
    let photo = store::case_studies::add_photo(&tx, id, new, now).await?;
    let event = NewEvent { kind: "photo_added", version: None, paragraph: None, body: &caption, by_company: false };
    store::case_studies::add_event(&tx, id, &event, now).await?;
    actor
        .record(
            &tx,
            "case_study.photo_add",
            ("case_study", id),
            serde_json::json!({"photo": photo.id, "sha256": photo.sha256, "faces": upload.faces, "logo": upload.logo,
                "consent_by": consent_by, "consent_on": consent_on}),
            now,
        )
        .await?;
    tx.commit().await?;
    Ok(photo)
}

/// Removes a photo at once (consent withdrawn, a mistake): it is shown nowhere from then on,
/// the public page included, and its bytes are gone; the reason is kept.
pub async fn remove_photo(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    photo: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    actor.require(Action::WriteCaseStudies)?;
    let reason = text_field("reason", "削除の理由", reason, rules::CAPTION_MAX, true)?;
    let tx = services.db.begin().await?;
    store::case_studies::lock(&tx, id).await?;
    if !store::case_studies::remove_photo(&tx, id, photo, &reason, now).await? {
        return Err(AppError::NotFound);
    }
    let event = NewEvent { kind: "photo_removed", version: None, paragraph: None, body: &reason, by_company: false };
    store::case_studies::add_event(&tx, id, &event, now).await?;
    actor.record(&tx, "case_study.photo_remove", ("case_study", id), serde_json::json!({"photo": photo}), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A photo for staff (a photo of people is personal data: the read is audited).
pub async fn photo(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    photo: Uuid,
    now: DateTime<Utc>,
) -> Result<(PhotoRecord, Vec<u8>)> {
    actor.require(Action::WriteCaseStudies)?;
    let found = store::case_studies::photo_bytes(&services.db, id, photo).await?;
    audit_read(services, actor, id, photo, now).await?;
    Ok(found)
}

async fn audit_read(services: &Services, actor: &Actor, id: Uuid, photo: Uuid, now: DateTime<Utc>) -> Result<()> {
    let tx = services.db.begin().await?;
    actor.record(&tx, "case_study.photo_read", ("case_study", id), serde_json::json!({"photo": photo}), now).await?;
    tx.commit().await?;
    Ok(())
}

/// A photo of the company's own study, of the version it is shown (anything else: not found).
pub async fn own_photo(
    services: &Services,
    actor: &Actor,
    id: Uuid,
    photo: Uuid,
    now: DateTime<Utc>,
) -> Result<(PhotoRecord, Vec<u8>)> {
    let review = own(services, actor).await?.into_iter().find(|r| r.study.id == id).ok_or(AppError::NotFound)?;
    if !review.photos.iter().any(|(p, _)| p.id == photo) {
        return Err(AppError::NotFound);
    }
    let found = store::case_studies::photo_bytes(&services.db, id, photo).await?;
    audit_read(services, actor, id, photo, now).await?;
    Ok(found)
}

/// A photo of a published study as the public page shows it: in the approved version, kept,
/// and allowed by that version's options (anything else: not found).
pub async fn published_photo(services: &Services, id: Uuid, photo: Uuid) -> Result<(PhotoRecord, Vec<u8>)> {
    let public = published_one(services, id).await?;
    if !public.photos.iter().any(|(p, _)| *p == photo) {
        return Err(AppError::NotFound);
    }
    Ok(store::case_studies::photo_bytes(&services.db, id, photo).await?)
}
