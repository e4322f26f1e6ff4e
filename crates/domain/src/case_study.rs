//! Case studies (事例): about five participants a year are interviewed and written up; a case
//! study is published only after the company has reviewed and approved the very version that
//! is published (参加同意書 第2: 事例作成への協力と事前確認).
//!
//! The rules: the secretariat writes versions; it sends the newest to the company; the company
//! comments on paragraphs, asks for changes, or approves that version; only an approved version
//! can be published, and what is published is that version's text; a new version after an
//! approval needs approval again (the public page keeps the approved one meanwhile); the company
//! may withdraw its approval at any time, which unpublishes the case study at once.

use serde::{Deserialize, Serialize};

/// How far the company is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anonymity {
    /// The company's name is printed.
    Named,
    /// Only the industry and the number of employees.
    IndustryAndSize,
}

impl Anonymity {
    pub const ALL: [Anonymity; 2] = [Anonymity::Named, Anonymity::IndustryAndSize];

    pub fn code(self) -> &'static str {
        match self {
            Anonymity::Named => "named",
            Anonymity::IndustryAndSize => "industry_and_size",
        }
    }

    pub fn from_code(code: &str) -> Option<Anonymity> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Anonymity::Named => "企業名を掲載する",
            Anonymity::IndustryAndSize => "業種と規模のみ（企業名は掲載しない）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Anonymity::Named => "The company is named",
            Anonymity::IndustryAndSize => "Industry and size only (the company is not named)",
        }
    }
}

/// Where a case study stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written (or rewritten after comments or an approval).
    Draft,
    /// The newest version is with the company.
    InReview,
    /// The company asked for changes to the version it was sent.
    ChangesRequested,
    /// The company approved the newest version.
    Approved,
    /// The company withdrew its approval.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Draft, Status::InReview, Status::ChangesRequested, Status::Approved, Status::Withdrawn];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::ChangesRequested => "changes_requested",
            Status::Approved => "approved",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Status::Draft => "作成中",
            Status::InReview => "企業の確認待ち",
            Status::ChangesRequested => "修正依頼あり",
            Status::Approved => "企業が承認",
            Status::Withdrawn => "承認の撤回",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::InReview => "With the company",
            Status::ChangesRequested => "Changes requested",
            Status::Approved => "Approved by the company",
            Status::Withdrawn => "Approval withdrawn",
        }
    }
}

/// What happens to a case study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The secretariat saves a new version.
    Edit,
    /// The secretariat sends the newest version to the company.
    Send,
    /// The company asks for changes to the version it was sent.
    RequestChanges,
    /// The company approves the version it was sent (which must be the newest).
    Approve,
    /// The company withdraws its approval.
    Withdraw,
}

/// Why a step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Nothing written yet.
    NoVersion,
    /// The company can only answer the version it was sent, while it is with it.
    NotInReview,
    /// The version answered is not the newest one (a newer one was written meanwhile).
    NotNewest,
    /// Nothing to withdraw.
    NotApproved,
    /// Only an approved version is published.
    NotApprovedForPublication,
}

impl Refused {
    pub fn message_ja(self) -> &'static str {
        match self {
            Refused::NoVersion => "原稿がまだありません",
            Refused::NotInReview => "この原稿は現在確認をお願いしている版ではありません",
            Refused::NotNewest => "より新しい版があります。最新の版をご確認ください",
            Refused::NotApproved => "承認されていないため撤回できません",
            Refused::NotApprovedForPublication => "企業が承認した版がないため公開できません",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            Refused::NoVersion => "Nothing has been written yet",
            Refused::NotInReview => "This version is not the one with the company for review",
            Refused::NotNewest => "There is a newer version; review the newest one",
            Refused::NotApproved => "Nothing is approved, so nothing can be withdrawn",
            Refused::NotApprovedForPublication => "No version approved by the company, so nothing can be published",
        }
    }
}

/// A case study's state as the rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    /// The newest version written (0: none).
    pub newest: u32,
    /// The version sent to the company (while in review).
    pub sent: Option<u32>,
    /// The version the company approved (and has not withdrawn).
    pub approved: Option<u32>,
    pub published: bool,
}

impl State {
    pub fn new() -> State {
        State { status: Status::Draft, newest: 0, sent: None, approved: None, published: false }
    }

    /// The state after `step` (for the company's steps, on `version`).
    pub fn after(self, step: Step, version: u32) -> Result<State, Refused> {
        match step {
            Step::Edit => Ok(State { status: Status::Draft, newest: self.newest + 1, sent: None, ..self }),
            Step::Send => {
                if self.newest == 0 {
                    return Err(Refused::NoVersion);
                }
                Ok(State { status: Status::InReview, sent: Some(self.newest), ..self })
            }
            Step::RequestChanges | Step::Approve => {
                if self.status != Status::InReview || self.sent != Some(version) {
                    return Err(Refused::NotInReview);
                }
                if version != self.newest {
                    return Err(Refused::NotNewest);
                }
                Ok(if step == Step::Approve {
                    State { status: Status::Approved, approved: Some(version), ..self }
                } else {
                    State { status: Status::ChangesRequested, ..self }
                })
            }
            Step::Withdraw => {
                if self.approved.is_none() {
                    return Err(Refused::NotApproved);
                }
                Ok(State { status: Status::Withdrawn, approved: None, published: false, sent: None, ..self })
            }
        }
    }

    /// The version a publication shows: the approved one.
    pub fn publishable(self) -> Result<u32, Refused> {
        self.approved.ok_or(Refused::NotApprovedForPublication)
    }
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

/// The paragraphs of a text (blank lines separate them), numbered from 1 as the company's
/// comments refer to them.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n").split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// The longest title and text.
pub const TITLE_MAX: usize = 100;
pub const BODY_MAX: usize = 20_000;
pub const COMMENT_MAX: usize = 2_000;

/// What an interview photo shows, as staff recorded it on upload (with the consent behind it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoShows {
    /// People's faces can be recognised.
    pub faces: bool,
    /// The company's logo, sign or name can be read.
    pub logo: bool,
}

/// The options a version was written and approved with: what the company agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub anonymity: Anonymity,
    pub show_faces: bool,
    pub round_numbers: bool,
}

/// Why a photo of an approved version is not shown on the public page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoWithheld {
    /// It shows faces and the company chose no faces.
    Faces,
    /// It shows the logo or name and the company is not named.
    Logo,
}

impl PhotoWithheld {
    pub fn message_ja(self) -> &'static str {
        match self {
            PhotoWithheld::Faces => "顔が写っているため、「顔写真を掲載する」を選ばない限り公開ページには載りません",
            PhotoWithheld::Logo => "ロゴ・社名が写っているため、企業名を掲載しない場合は公開ページには載りません",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            PhotoWithheld::Faces => "It shows faces: it is not published unless faces may be shown",
            PhotoWithheld::Logo => "It shows the logo or name: it is not published while the company is not named",
        }
    }
}

/// Whether a photo may appear with a version shown under `shown`: a face only when faces may be
/// shown, a logo only when the company is named (a logo names it).
pub fn photo_allowed(photo: PhotoShows, shown: Shown) -> Result<(), PhotoWithheld> {
    if photo.faces && !shown.show_faces {
        return Err(PhotoWithheld::Faces);
    }
    if photo.logo && shown.anonymity != Anonymity::Named {
        return Err(PhotoWithheld::Logo);
    }
    Ok(())
}

/// The longest photo caption and consent note.
pub const CAPTION_MAX: usize = 200;
/// The most photos a study holds.
pub const PHOTOS_MAX: usize = 12;

/// Figures of a text that are not rounded, as written (`23名`, `1,234万円`): a count or an amount
/// (名, 人, 社, 台, 件, 円, ％) of 10 or more that is not a multiple of 10 and has no 「約」
/// (or 「およそ」「概ね」) before it. With "round the numbers" chosen, a version holding one is
/// refused, so the text the company approves is the rounded one (Kojo never changes it).
pub fn unrounded_figures(text: &str) -> Vec<String> {
    const UNITS: [&str; 10] = ["万円", "億円", "千円", "円", "名", "人", "社", "台", "件", "％"];
    const ABOUT: [&str; 3] = ["約", "およそ", "概ね"];
    let text: String = text.chars().map(|c| if c == '%' { '％' } else { c }).collect();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
        let starts_number = is_digit(c) && (i == 0 || !(is_digit(chars[i - 1].1) || chars[i - 1].1 == '.'));
        let starts_kanji = kanji_digit(c).is_some() && (i == 0 || kanji_digit(chars[i - 1].1).is_none());
        if !starts_number && !starts_kanji {
            i += 1;
            continue;
        }
        let mut j = i;
        if starts_kanji {
            while j < chars.len() && kanji_digit(chars[j].1).is_some() {
                j += 1;
            }
        } else {
            while j < chars.len() && (is_digit(chars[j].1) || chars[j].1 == ',' || chars[j].1 == '，') {
                j += 1;
            }
            // Trailing separators are punctuation, not part of the number.
            while j > i + 1 && matches!(chars[j - 1].1, ',' | '，') {
                j -= 1;
            }
        }
        let end = chars.get(j).map_or(text.len(), |(at, _)| *at);
        let digits: String = if starts_kanji {
            kanji_value(&text[start..end]).to_string()
        } else {
            text[start..end]
                .chars()
                .filter_map(|c| c.to_digit(10).or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32)))
                .map(|d| char::from_digit(d, 10).unwrap_or('0'))
                .collect()
        };
        // A space may stand between the number and its unit, and 万・千・億 before it (23万人).
        let rest = text[end..].trim_start_matches([' ', '\u{3000}']);
        let rest = rest.strip_prefix(['万', '千', '億']).unwrap_or(rest);
        let unit = UNITS.iter().find(|unit| rest.starts_with(*unit));
        let before = &text[..start];
        let approximate = ABOUT.iter().any(|about| before.trim_end().ends_with(about));
        let decimal = rest.starts_with('.');
        if let (Some(unit), false, false) = (unit, approximate, decimal) {
            let value: u64 = digits.parse().unwrap_or(0);
            if value >= 10 && !value.is_multiple_of(10) {
                let written = &text[start..text.len() - rest.len() + unit.len()];
                found.push(written.to_string());
            }
        }
        i = j.max(i + 1);
    }
    found
}

/// A kanji numeral's place: 〇–九 a digit, 十・百・千 a multiplier (万・億 are read as units'
/// prefixes, as after arabic digits).
fn kanji_digit(c: char) -> Option<u64> {
    Some(match c {
        '〇' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

/// The value of a run of kanji numerals: 二十三 is 23, 百二十 120, 千五百 1,500, 二三 23.
fn kanji_value(numeral: &str) -> u64 {
    let (mut total, mut digit): (u64, Option<u64>) = (0, None);
    for value in numeral.chars().filter_map(kanji_digit) {
        match value {
            10 | 100 | 1000 => {
                total += digit.unwrap_or(1) * value;
                digit = None;
            }
            d => digit = Some(digit.map_or(d, |before| before * 10 + d)),
        }
    }
    total + digit.unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_version_sent_can_be_approved_and_only_an_approved_one_published() {
        let state = State::new();
        assert_eq!(state.after(Step::Send, 0), Err(Refused::NoVersion));
        assert_eq!(state.publishable(), Err(Refused::NotApprovedForPublication));
        let v1 = state.after(Step::Edit, 0).unwrap();
        assert_eq!(v1.after(Step::Approve, 1), Err(Refused::NotInReview), "not sent yet");
        let sent = v1.after(Step::Send, 0).unwrap();
        assert_eq!((sent.status, sent.sent), (Status::InReview, Some(1)));
        let changes = sent.after(Step::RequestChanges, 1).unwrap();
        assert_eq!(changes.status, Status::ChangesRequested);
        assert_eq!(changes.after(Step::Approve, 1), Err(Refused::NotInReview), "answered already");
        let v2 = changes.after(Step::Edit, 0).unwrap().after(Step::Send, 0).unwrap();
        assert_eq!(v2.after(Step::Approve, 1), Err(Refused::NotInReview), "an old version");
        let approved = v2.after(Step::Approve, 2).unwrap();
        assert_eq!((approved.status, approved.approved), (Status::Approved, Some(2)));
        assert_eq!(approved.publishable(), Ok(2));
        let published = State { published: true, ..approved };
        // An edit after approval: approval of version 2 stands for the page, version 3 needs its own.
        let v3 = published.after(Step::Edit, 0).unwrap();
        assert_eq!((v3.status, v3.approved, v3.published, v3.newest), (Status::Draft, Some(2), true, 3));
        assert_eq!(v3.publishable(), Ok(2), "the page keeps the approved version");
        let v3_sent = v3.after(Step::Send, 0).unwrap();
        assert_eq!(v3_sent.after(Step::Approve, 3).unwrap().publishable(), Ok(3));
        // Withdrawal unpublishes.
        let withdrawn = v3_sent.after(Step::Withdraw, 0).unwrap();
        assert_eq!((withdrawn.status, withdrawn.approved, withdrawn.published), (Status::Withdrawn, None, false));
        assert_eq!(withdrawn.publishable(), Err(Refused::NotApprovedForPublication));
        assert_eq!(withdrawn.after(Step::Withdraw, 0), Err(Refused::NotApproved));
    }

    #[test]
    fn a_version_sent_then_superseded_cannot_be_approved() {
        let sent = State::new().after(Step::Edit, 0).unwrap().after(Step::Send, 0).unwrap();
        // The secretariat edits while the company reads: the company's approval of version 1 is
        // refused (it would approve text that is no longer the newest).
        let edited = State { status: Status::InReview, ..sent.after(Step::Edit, 0).unwrap() };
        let edited = State { sent: Some(1), ..edited };
        assert_eq!(edited.after(Step::Approve, 1), Err(Refused::NotNewest));
    }

    #[test]
    fn paragraphs_are_split_by_blank_lines() {
        assert_eq!(paragraphs("一段落目。\r\n続き。\r\n\r\n二段落目。\n\n\n"), ["一段落目。\n続き。", "二段落目。"]);
        assert!(paragraphs("  \n\n ").is_empty());
    }

    #[test]
    fn a_photo_shows_only_what_the_company_agreed_to() {
        let named = Shown { anonymity: Anonymity::Named, show_faces: false, round_numbers: true };
        let anonymous = Shown { anonymity: Anonymity::IndustryAndSize, show_faces: true, round_numbers: true };
        let plain = PhotoShows { faces: false, logo: false };
        let face = PhotoShows { faces: true, logo: false };
        let logo = PhotoShows { faces: false, logo: true };
        assert_eq!(photo_allowed(plain, named), Ok(()));
        assert_eq!(photo_allowed(plain, anonymous), Ok(()));
        assert_eq!(photo_allowed(face, named), Err(PhotoWithheld::Faces));
        assert_eq!(photo_allowed(face, anonymous), Ok(()));
        assert_eq!(photo_allowed(logo, named), Ok(()));
        assert_eq!(photo_allowed(logo, anonymous), Err(PhotoWithheld::Logo), "a logo names the company");
    }

    #[test]
    fn exact_figures_are_found_and_rounded_ones_pass() {
        let text =
            "従業員23名の製造業。売上は1,234万円、PCは約45台、拠点は3社。2023年に導入し、30名で運用、検知は12%減。";
        assert_eq!(unrounded_figures(text), ["23名", "1,234万円", "12％"]);
        assert!(unrounded_figures("従業員およそ 25名、約120社と取引").is_empty());
        assert!(unrounded_figures("第2回の訪問、3台、2.5%").is_empty(), "small counts and decimals");
        assert_eq!(unrounded_figures("全角の２３名"), ["２３名"]);
        assert_eq!(unrounded_figures("11人、"), ["11人"]);
        assert_eq!(unrounded_figures("従業員 23 名、会員23万人"), ["23 名", "23万人"]);
        assert_eq!(unrounded_figures("従業員二十三名、取引先百十五社"), ["二十三名", "百十五社"]);
        assert!(unrounded_figures("三十名、約二十三名、一人、千代田区、十人十色").is_empty());
        assert_eq!((kanji_value("千五百"), kanji_value("二三"), kanji_value("十")), (1500, 23, 10));
        assert!(unrounded_figures("").is_empty());
    }
}
