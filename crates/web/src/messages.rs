//! The message catalogue: every refusal and input problem the application layer reports, worded
//! once in Japanese and English. Pages show the language of the request; the JSON API sends both
//! with a stable machine code.

use app::{AppError, Invalid};
use domain::case::{CaseEvent, CaseState, ContactProblem, StatusCheckProblem};
use domain::password::PasswordProblem;
use domain::refusal::{
    DeviceRefusal, GuidanceRefusal, IncidentRefusal, ProgrammeRefusal, Refusal, SeminarRefusal, UploadLimit,
};

/// A message in both languages, with a code for API clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub code: &'static str,
    pub ja: String,
    pub en: String,
}

fn message(code: &'static str, ja: impl Into<String>, en: impl Into<String>) -> Message {
    Message { code, ja: ja.into(), en: en.into() }
}

fn state_ja(state: CaseState) -> &'static str {
    state.label_ja()
}

/// What to tell a person about a refusal.
pub fn refusal(refusal: &Refusal) -> Message {
    match refusal {
        Refusal::Transition { from, event } => message(
            "transition_refused",
            format!("「{}」の案件に「{}」はできません", state_ja(*from), event.label_ja()),
            format!("A case in state '{}' cannot take '{}'", from.label_en(), event.code()),
        ),
        Refusal::ReasonRequired(event) => message(
            "reason_required",
            format!("「{}」には理由の入力が必要です", event.label_ja()),
            format!("'{}' needs a reason", event.code()),
        ),
        Refusal::DedicatedAction(event @ (CaseEvent::SendAgreement | CaseEvent::ConfirmAgreement)) => message(
            "dedicated_action",
            format!("「{}」は参加同意書の画面から行ってください", event.label_ja()),
            format!("'{}' is done on the agreement page", event.code()),
        ),
        Refusal::DedicatedAction(event) => message(
            "dedicated_action",
            format!("「{}」は専用の操作で行ってください", event.label_ja()),
            format!("'{}' has its own action", event.code()),
        ),
        Refusal::InquiryClosed => message(
            "inquiry_closed",
            "この問い合わせは完了しています。対応する場合は、先に「再開」してください。",
            "This inquiry is closed; reopen it first.",
        ),
        Refusal::ContactOnClosedCase(state) => message(
            "case_closed",
            format!("「{}」の案件には連絡を記録できません", state_ja(*state)),
            format!("No contact can be recorded on a case in state '{}'", state.label_en()),
        ),
        Refusal::CourseNotInProgramme(course) => message(
            "unknown_course",
            format!("この年度にコース {} はありません", course.code()),
            format!("This programme year has no course {}", course.code()),
        ),
        Refusal::OverrideNeedsReason => message(
            "reason_required",
            "提案と異なるコースに決定する場合は理由を入力してください",
            "Deciding another course than the proposed one needs a reason",
        ),
        Refusal::NotInstallableOutsideUtm => message(
            "not_utm_course",
            "UTM設置不可は①UTM機器設置コースの案件にのみ記録できます",
            "'Not installable' applies to course ① (UTM) cases only",
        ),
        Refusal::AssigneeCannotWorkCases => {
            message("assignee_refused", "この利用者には案件を担当させられません", "This user cannot be assigned cases")
        }
        Refusal::UserEmailTaken => {
            message("email_taken", "このメールアドレスの利用者は既に登録されています", "A user with this e-mail exists")
        }
        Refusal::ApiTokenForStaffOnly => {
            message("staff_only", "APIトークンは事務局等の職員用です", "API tokens are for staff users")
        }
        Refusal::AgreementNotSent => {
            message("agreement_not_sent", "参加同意書がまだ送付されていません", "The agreement has not been sent")
        }
        Refusal::AgreementAlreadySubmitted => message(
            "agreement_submitted",
            "この参加同意書は既に提出されています",
            "The agreement was already submitted",
        ),
        Refusal::AgreementAlreadyConfirmed => {
            message("agreement_confirmed", "受領確認済みの参加同意書です", "The agreement was already confirmed")
        }
        Refusal::AgreementNotSubmitted => message(
            "agreement_missing",
            "署名または押印済みの参加同意書がまだ提出されていません",
            "No signed agreement has been submitted",
        ),
        Refusal::DeviceOutsideUtm => message(
            "not_utm_course",
            "UTMは①UTM機器設置コースの企業にのみ登録できます",
            "Devices are for course ① (UTM) companies only",
        ),
        Refusal::DeviceAlreadyRegistered => message(
            "device_exists",
            "この企業には撤去されていないUTMが既に登録されています（1企業1台）",
            "The company already has a device that was not removed (one per company)",
        ),
        Refusal::SerialTaken(serial) => message(
            "serial_taken",
            format!("シリアル番号 {serial} は既に登録されています"),
            format!("Serial {serial} is already registered"),
        ),
        Refusal::DeviceChange(why) => device(*why),
        Refusal::ReportReleasedCannotRegenerate(month) => message(
            "report_released",
            format!("{month} のレポートは公開済みのため再作成できません"),
            format!("The {month} report was released and cannot be regenerated"),
        ),
        Refusal::ReportReleased => {
            message("report_released", "公開済みのレポートは変更できません", "A released report cannot be changed")
        }
        Refusal::ReportAlreadyReleased => message("report_released", "既に公開済みです", "Already released"),
        Refusal::DocumentUnavailable(why) => message(
            "document_unavailable",
            format!("文書を作成できません（{why}）"),
            format!("The document cannot be produced ({why})"),
        ),
        Refusal::Programme(ProgrammeRefusal::CapacityBelowTaken { capacity, taken }) => message(
            "capacity_below_taken",
            format!("定員 {capacity} は確保済みの枠 {taken} を下回ります"),
            format!("Capacity {capacity} is below the {taken} places taken"),
        ),
        Refusal::Programme(ProgrammeRefusal::InvalidWindow(why)) => {
            message("invalid_window", format!("受付期間が正しくありません（{why}）"), format!("Invalid window ({why})"))
        }
        Refusal::Programme(ProgrammeRefusal::FiscalYearExists(year)) => message(
            "fiscal_year_exists",
            format!("{}（{year}年度）は既に登録されています", domain::wareki::format_fiscal_year(*year)),
            format!("Fiscal year {year} exists already"),
        ),
        Refusal::WrongPassword => {
            message("wrong_password", "現在のパスワードが正しくありません", "The current password is wrong")
        }
        Refusal::CannotDisableSelf => message(
            "cannot_disable_self",
            "自分自身のアカウントは無効にできません",
            "You cannot disable your own account",
        ),
        Refusal::LastAdministrator => message(
            "last_administrator",
            "有効な管理者が他にいないため、このアカウントは無効にできません",
            "The last active administrator cannot be disabled",
        ),
        Refusal::AlreadyDisabled => {
            message("already_disabled", "このアカウントは既に無効です", "The account is already disabled")
        }
        Refusal::UploadLimit(UploadLimit::PerHour(max)) => message(
            "upload_limit",
            format!("提出は1時間に{max}回までです。しばらく待ってから再度お試しください"),
            format!("At most {max} uploads an hour; try again later"),
        ),
        Refusal::UploadLimit(UploadLimit::PerCase(max)) => message(
            "upload_limit",
            format!("提出できるファイルは{max}回までです。運営事務局にご連絡ください"),
            format!("At most {max} uploads per case; contact the secretariat"),
        ),
        Refusal::Seminar(why) => seminar(why),
        Refusal::Incident(why) => incident(why),
        Refusal::Guidance(why) => guidance(*why),
        Refusal::Risk(why) => risk(*why),
    }
}

fn risk(why: domain::refusal::RiskRefusal) -> Message {
    use domain::refusal::RiskRefusal;
    match why {
        RiskRefusal::TooManyAssets(max) => message(
            "too_many_assets",
            format!("情報資産は1社につき{max}件までです"),
            format!("A register holds at most {max} assets"),
        ),
        RiskRefusal::NothingEvaluated => message(
            "nothing_evaluated",
            "報告書を作るには、少なくとも1件の情報資産について脅威の起こりやすさと脆弱性を評価してください",
            "Rate the threat likelihood and vulnerability of at least one asset before drafting the report",
        ),
        RiskRefusal::ReportNotDraft => {
            message("report_not_draft", "提出できるのは作成中の報告書だけです", "Only a draft report can be released")
        }
    }
}

fn guidance(why: GuidanceRefusal) -> Message {
    match why {
        GuidanceRefusal::VisitLimit => message(
            "visit_limit",
            format!("経営指導の訪問は1社につき{}回までです。これ以上は予定できません", domain::guidance::MAX_VISITS),
            format!("Guidance visits are limited to {} per company", domain::guidance::MAX_VISITS),
        ),
        GuidanceRefusal::VisitCancelled => {
            message("visit_cancelled", "取り消した訪問には報告を記録できません", "A cancelled visit takes no report")
        }
        GuidanceRefusal::NotParticipant => message(
            "guidance_not_participant",
            "経営指導は、支援①（UTM）に参加が確定した企業が対象です",
            "Guidance is for confirmed participants of course 1 (UTM)",
        ),
        GuidanceRefusal::NotExpert => {
            message("not_expert", "担当には、有効な専門家のユーザーを選んでください", "Choose an active expert user")
        }
        GuidanceRefusal::PolicyIncomplete => message(
            "policy_incomplete",
            "公開する前に、制定日と代表者名を入力して保存してください",
            "Enter and save the enactment date and the representative before publishing",
        ),
        GuidanceRefusal::NoDraft => {
            message("policy_no_draft", "公開できる下書きがありません", "There is no draft to publish")
        }
        GuidanceRefusal::VisitNotPlanned => message(
            "visit_not_planned",
            "日時の変更や取消しができるのは、予定中の訪問だけです",
            "Only a planned visit can be moved or cancelled",
        ),
        GuidanceRefusal::TooManyFiles(max) => message(
            "visit_too_many_files",
            format!("1回の訪問に添付できるファイルは{max}件までです"),
            format!("A visit holds at most {max} files"),
        ),
    }
}

fn incident(why: &IncidentRefusal) -> Message {
    match why {
        IncidentRefusal::Transition { from, event } => message(
            "ticket_transition_refused",
            format!("「{}」の対応記録には、この操作はできません", from.label_ja()),
            format!("A ticket in state '{}' cannot take {event:?}", from.code()),
        ),
        IncidentRefusal::NotParticipant => message(
            "ticket_not_participant",
            "インシデント窓口は、支援①（UTM）に参加が確定した企業のみご利用いただけます",
            "The incident desk is for confirmed participants of course 1 (UTM)",
        ),
        IncidentRefusal::Closed => message(
            "ticket_closed",
            "この件は完了しています。新しいご相談として送信してください",
            "This ticket is closed; please open a new one",
        ),
        IncidentRefusal::Slot { problem, next } => {
            let next_ja = next.map(|at| format!("。次に空いている時間：{}", app::mail::tokyo_instant(false, at)));
            let next_en = next.map(|at| format!(". Next free slot: {}", app::mail::tokyo_instant(true, at)));
            message(
                "dispatch_slot_refused",
                format!("{}{}", problem.message_ja(), next_ja.unwrap_or_default()),
                format!("{}{}", problem.message_en(), next_en.unwrap_or_default()),
            )
        }
        IncidentRefusal::NotDeskStaff => message(
            "not_desk_staff",
            "担当者・技術者には、有効なUTM受託事業者のユーザーを選んでください",
            "Choose an active UTM-operator user",
        ),
        IncidentRefusal::DispatchFinished => message(
            "dispatch_finished",
            "この駆け付けは完了またはキャンセル済みです",
            "This visit was already signed off or cancelled",
        ),
        IncidentRefusal::VisitIncomplete => message(
            "visit_incomplete",
            "到着・退出の時刻（退出は到着より後）と作業内容を入力してください",
            "Enter arrival and departure (after arrival) and the work done",
        ),
        IncidentRefusal::TooManyFiles(max) => message(
            "ticket_files_limit",
            format!("添付できるファイルは1件につき{max}個までです"),
            format!("At most {max} files per ticket"),
        ),
        IncidentRefusal::NoDeviceToRemove => message(
            "no_device_to_remove",
            "撤去できるUTM機器（設置済みで、撤去・継続が未記録のもの）がありません",
            "No installed device is waiting for removal",
        ),
    }
}

fn seminar(why: &SeminarRefusal) -> Message {
    match why {
        SeminarRefusal::Closed => {
            message("seminar_closed", "この説明会の申込受付は終了しました", "Registration for this seminar has closed")
        }
        SeminarRefusal::Duplicate => message(
            "seminar_duplicate",
            "このメールアドレスでは、この説明会に既にお申込みいただいています。変更・キャンセルは、お申込み時にお送りしたメールのリンクから行えます",
            "This e-mail address is already registered for this seminar. Use the link in the e-mail we sent to change or cancel",
        ),
        SeminarRefusal::Cancelled => {
            message("seminar_cancelled", "このお申込みはキャンセル済みです", "This registration was cancelled")
        }
        SeminarRefusal::NoSeatToSwitch(mode) => message(
            "seminar_no_seat",
            format!("{}には空席がないため変更できません", mode.label_ja()),
            format!(
                "No seat is free {}",
                if *mode == domain::seminar::Mode::Venue { "at the venue" } else { "online" }
            ),
        ),
        SeminarRefusal::SameMode => message(
            "seminar_same_mode",
            "既にその参加方法でお申込みいただいています",
            "You are already registered that way",
        ),
        SeminarRefusal::SeatsBelowHeld { mode, capacity, held } => message(
            "seminar_seats_below_held",
            format!("{}の定員（{capacity}）を登録済みの席数（{held}）より少なくはできません", mode.label_ja()),
            format!("{} seats ({capacity}) cannot be fewer than those held ({held})", mode.label_en()),
        ),
        SeminarRefusal::NotHeld => message(
            "seminar_not_held",
            "参加登録（席の確保）がないため受付できません。キャンセル待ちまたはキャンセル済みです",
            "This registration holds no seat (waiting list or cancelled)",
        ),
        SeminarRefusal::Over => message("seminar_over", "この説明会は終了しました", "This seminar has ended"),
    }
}

/// What to tell a person about a password that does not meet the rule.
pub fn password_problem(problem: PasswordProblem) -> (&'static str, &'static str) {
    match problem {
        PasswordProblem::TooShort => {
            ("パスワードは12文字以上にしてください", "A password needs at least 12 characters")
        }
        PasswordProblem::TooLong => ("パスワードは128文字以内にしてください", "A password has at most 128 characters"),
        PasswordProblem::ControlCharacter => {
            ("パスワードに使用できない制御文字が含まれています", "The password contains control characters")
        }
        PasswordProblem::Common => (
            "よく使われるパスワード（またはその変形）は使えません。推測されにくい語句を組み合わせてください",
            "That password (or a variant of it) is too common; choose words that are hard to guess",
        ),
        PasswordProblem::ContainsEmail => {
            ("メールアドレスを含むパスワードは使えません", "The password must not contain your e-mail address")
        }
    }
}

fn device(why: DeviceRefusal) -> Message {
    let (ja, en) = match why {
        DeviceRefusal::SurveyAfterInstallation => {
            ("設置済みのUTMの現場調査結果は変更できません", "The survey of an installed device cannot change")
        }
        DeviceRefusal::InstallWithoutInstallableSurvey => (
            "現場調査で「設置可」となったUTMのみ設置を記録できます",
            "Only a device whose survey found the site installable can be installed",
        ),
        DeviceRefusal::AlreadyRemoved => ("撤去済みのUTMです", "The device was removed"),
        DeviceRefusal::NotInstalled => ("設置が記録されていません", "No installation is recorded"),
        DeviceRefusal::DateBeforeInstallation => {
            ("設置日より前の日付は記録できません", "The date is before the installation")
        }
        DeviceRefusal::AlreadyEnded => {
            ("撤去または継続契約は既に記録されています", "Removal or continuation was already recorded")
        }
    };
    message("device_change_refused", ja, en)
}

/// What to tell a person about input that did not parse.
pub fn invalid(invalid: &Invalid) -> Message {
    let (ja, en): (String, String) = match invalid {
        Invalid::Contact(problem) => {
            let (ja, en) = match problem {
                ContactProblem::TimeUnreadable => (
                    "連絡日時を「2026-11-25T10:30」の形式で入力してください",
                    "Enter the contact time as 2026-11-25T10:30",
                ),
                ContactProblem::InFuture => ("連絡日時が未来になっています", "The contact time is in the future"),
                ContactProblem::ChannelMissing => {
                    ("連絡手段（電話・メール）を選んでください", "Choose the channel (phone or e-mail)")
                }
                ContactProblem::SummaryMissing => {
                    ("連絡内容の要旨を入力してください", "Enter a summary of the contact")
                }
                ContactProblem::SummaryTooLong => {
                    ("連絡内容の要旨は2000文字以内で入力してください", "The summary may have at most 2,000 characters")
                }
                ContactProblem::ControlCharacter => {
                    ("使用できない制御文字が含まれています", "The text contains control characters")
                }
            };
            (ja.into(), en.into())
        }
        Invalid::StatusCheck(problem) => {
            let (ja, en) = match problem {
                StatusCheckProblem::LayoutMissing => {
                    ("ネットワークの接続構成を入力してください", "Enter the network connection layout")
                }
                StatusCheckProblem::LayoutTooLong => {
                    ("接続構成は1000文字以内で入力してください", "The layout may have at most 1,000 characters")
                }
                StatusCheckProblem::FreeHubPortMissing => {
                    ("HUBの空きポートを選んでください", "Choose whether the hub has a free port")
                }
                StatusCheckProblem::PolicyStatusMissing => {
                    ("基本方針・社内規定の整備状況を選んでください", "Choose the state of the security policy")
                }
                StatusCheckProblem::TextTooLong => {
                    ("入力が長すぎます（各欄2000文字まで）", "Too long (at most 2,000 characters a field)")
                }
                StatusCheckProblem::ControlCharacter => {
                    ("使用できない制御文字が含まれています", "The text contains control characters")
                }
            };
            (ja.into(), en.into())
        }
        Invalid::MessageLength => {
            ("メッセージは1〜4000文字で入力してください".into(), "A message has 1 to 4,000 characters".into())
        }
        Invalid::MessageControlCharacter => {
            ("使用できない制御文字が含まれています".into(), "The text contains control characters".into())
        }
        Invalid::UnknownCourse(code) => (format!("コースを選んでください（{code}）"), format!("Unknown course {code}")),
        Invalid::UnknownEvent(code) => (format!("不明な操作です（{code}）"), format!("Unknown event {code}")),
        Invalid::UnknownAssignee => ("担当者の指定が正しくありません".into(), "Unknown assignee".into()),
        Invalid::NothingSelected => ("対象の案件を選んでください。".into(), "Select at least one case.".into()),
        Invalid::ControlCharacter => {
            ("使用できない制御文字が含まれています".into(), "The text contains control characters".into())
        }
        Invalid::DeviceCompanyMissing => ("企業を選んでください".into(), "Choose the company".into()),
        Invalid::DeviceFieldsMissing => {
            ("メーカー・機種・シリアル番号を入力してください".into(), "Enter the vendor, model and serial".into())
        }
        Invalid::DeviceFieldTooLong => {
            ("各項目は100文字以内で入力してください".into(), "Each field has at most 100 characters".into())
        }
        Invalid::DeviceSenderAddress => (
            "送信元アドレスはIPアドレス（例：203.0.113.10）で入力してください".into(),
            "Enter the sender as an IP address (e.g. 203.0.113.10)".into(),
        ),
        Invalid::DeviceChangeUnreadable => (
            "日付（YYYY-MM-DD）または調査結果を正しく入力してください".into(),
            "Enter the date (YYYY-MM-DD) or the survey result".into(),
        ),
        Invalid::DispatchUnreadable => (
            "訪問の開始日時と作業時間（1～480分）を入力してください".into(),
            "Enter the visit's start and its length (1–480 minutes)".into(),
        ),
        Invalid::UnknownChoice => ("選択肢の値が正しくありません".into(), "Unknown choice".into()),
        Invalid::DeclarationId => (
            "自己宣言IDは、IPAから届いた番号（数字）をそのまま入力してください".into(),
            "Enter the self-declaration ID from IPA (digits)".into(),
        ),
        Invalid::Field { ja, en, .. } => (ja.clone(), en.clone()),
        Invalid::AttendanceReport(why) => {
            (format!("参加者レポートを読み取れません：{why}"), format!("The participant report cannot be read: {why}"))
        }
        Invalid::CommentTooLong => {
            ("コメントは2000文字以内で入力してください".into(), "A comment has at most 2,000 characters".into())
        }
        Invalid::DateInFuture => ("未来の日付は記録できません".into(), "A future date cannot be recorded".into()),
        Invalid::NotesTooLong => {
            ("メモは2000文字以内で入力してください".into(), "Notes have at most 2,000 characters".into())
        }
        Invalid::CourseChangeUnreadable => (
            "受付期間は日付（YYYY-MM-DD）、定員は0以上の整数で入力してください。".into(),
            "Enter dates as YYYY-MM-DD and the capacity as a whole number.".into(),
        ),
        Invalid::CapacityTooLarge => ("定員が大きすぎます。".into(), "Capacity too large.".into()),
        Invalid::MonthUnreadable => {
            ("月は「2026-11」の形式で指定してください".into(), "Give the month as YYYY-MM (e.g. 2026-11)".into())
        }
        Invalid::Password(problem) => {
            let (ja, en) = password_problem(*problem);
            (ja.into(), en.into())
        }
        Invalid::PasswordMismatch => (
            "新しいパスワードと確認用の入力が一致しません".into(),
            "The new password and its confirmation differ".into(),
        ),
        Invalid::PasswordUnchanged => (
            "新しいパスワードは現在のものと異なるものにしてください".into(),
            "The new password must differ from the current one".into(),
        ),
        Invalid::SignerNameMissing => (
            "代表者と参加者の氏名を入力してください。".into(),
            "Enter the names of the representative and the participant.".into(),
        ),
        Invalid::SignerNameTooLong => (
            format!("氏名は{}文字以内で入力してください。", app::agreements::MAX_SIGNER_CHARS),
            format!("Names have at most {} characters.", app::agreements::MAX_SIGNER_CHARS),
        ),
        Invalid::ReasonTooLong(max) => {
            (format!("理由は{max}文字以内で入力してください。"), format!("The reason has at most {max} characters."))
        }
        Invalid::NotConfirmed => (
            "案件を終了する操作です。確認欄にチェックを入れてから実行してください。".into(),
            "This action ends the case: tick the confirmation box to go on.".into(),
        ),
        Invalid::Secretariat(refused) => {
            let (ja, en) = match refused.field {
                "name" => ("運営事務局の名称", "The secretariat's name"),
                "name_en" => ("名称（英語）", "The English name"),
                "phone" => ("電話番号", "The phone number"),
                "email" => ("メールアドレス", "The e-mail address"),
                "hours" => ("受付時間", "The hours"),
                _ => ("受付時間（英語）", "The English hours"),
            };
            (format!("{ja}：{}", refused.error.message_ja()), format!("{en}: {}", refused.error.message_en()))
        }
        Invalid::ClausesNotAgreed => (
            "すべての項目（第1〜）に同意のチェックを入れてください。".into(),
            "Tick every clause to agree to it.".into(),
        ),
    };
    message("invalid", ja, en)
}

/// The JSON API's own words: requests it cannot read, and the answers that need no use case.
pub mod api {
    use axum::http::StatusCode;

    use super::{Message, message};

    pub fn not_found() -> Message {
        message("not_found", "見つかりません", "Not found")
    }

    pub fn unauthorized() -> Message {
        message(
            "unauthorized",
            "APIトークンが必要です（Authorization: Bearer …）",
            "A valid API token is required (Authorization: Bearer …)",
        )
    }

    pub fn forbidden() -> Message {
        message("forbidden", "この操作の権限がありません", "The token's role may not do this")
    }

    pub fn too_many_requests() -> Message {
        message(
            "rate_limited",
            "送信回数の上限を超えました。1分ほど待ってから再度お試しください",
            "Too many submissions; wait a minute",
        )
    }

    pub fn internal() -> Message {
        message("internal", "システムエラーが発生しました", "An internal error occurred")
    }

    /// A JSON body that could not be read, with the status to answer: `status` and `detail` are
    /// the parser's (400 not JSON, 413 too large, 415 no JSON content type, 422 wrong shape).
    pub fn unreadable_body(status: StatusCode, detail: &str) -> (StatusCode, Message) {
        match status {
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                status,
                message(
                    "unsupported_media_type",
                    "Content-Type: application/json のJSONを送ってください",
                    "Send a JSON body with Content-Type: application/json",
                ),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                status,
                message(
                    "payload_too_large",
                    format!("リクエストが大きすぎます（{} KiBまで）", crate::MAX_BODY_BYTES / 1024),
                    format!("The body is larger than {} KiB", crate::MAX_BODY_BYTES / 1024),
                ),
            ),
            StatusCode::UNPROCESSABLE_ENTITY => {
                (status, message("invalid", "項目の型または値が正しくありません（APIの説明をご確認ください）", detail))
            }
            _ => (
                StatusCode::BAD_REQUEST,
                message("bad_request", "リクエストの形式が正しくありません（JSONとして読めません）", detail),
            ),
        }
    }

    /// The public API's 422 for fields that did not validate (each named in `fields`).
    pub fn invalid_fields() -> Message {
        message("invalid", "入力内容に誤りがあります", "Some fields are not valid")
    }

    /// The public API's 422 for a company that does not qualify (each rule in `reasons`).
    pub fn ineligible() -> Message {
        message(
            "ineligible",
            "申込みの要件を満たしていません",
            "The company does not meet the programme's requirements",
        )
    }

    /// JSON that is not an object where the API takes one.
    pub fn object_expected(at: &str) -> Message {
        message("invalid", format!("JSONオブジェクトを送ってください（{at}）"), format!("Expected a JSON object: {at}"))
    }

    /// A query string that could not be read (e.g. a parameter given twice).
    pub fn unreadable_query(detail: &str) -> Message {
        message("bad_request", "URLのパラメータが正しくありません", detail)
    }

    /// A query value outside its documented set.
    pub fn unknown_value(parameter: &str, value: &str) -> Message {
        message(
            "invalid",
            format!("{parameter} の値が正しくありません（{value}）"),
            format!("Unknown {parameter} {value:?}"),
        )
    }
}

/// A use case's error as a message, when it is one a person can act on (`None` for internal
/// failures, which are logged and shown generically).
pub fn for_error(error: &AppError) -> Option<Message> {
    match error {
        AppError::Refused(r) => Some(refusal(r)),
        AppError::Invalid(i) => Some(invalid(i)),
        AppError::NotFound => Some(message("not_found", "案件が見つかりません", "Not found")),
        AppError::Forbidden => Some(message("forbidden", "この操作の権限がありません", "Forbidden")),
        AppError::Store(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_before_in_japanese() {
        let m = refusal(&Refusal::Transition { from: CaseState::Received, event: CaseEvent::Approve });
        assert_eq!(m.ja, format!("「{}」の案件に「東京都承認」はできません", CaseState::Received.label_ja()));
        assert!(!m.en.is_empty());
        assert_eq!(refusal(&Refusal::ReasonRequired(CaseEvent::Withdraw)).ja, "「辞退」には理由の入力が必要です");
    }
}
