//! Course ② security risk assessment (募集要項 §8 ②), after the method of IPA's
//! 中小企業の情報セキュリティ対策ガイドライン and its risk-analysis sheet, which Japanese experts and
//! companies already know: an asset register (情報資産管理台帳) with 機密性・完全性・可用性 rated 1–3,
//! the asset's 重要度 from them, the likelihood of damage (被害発生可能性) from how likely the threat is
//! and how exposed the asset is, and リスク値 = 重要度 × 被害発生可能性, banded 大・中・小. Then a
//! treatment per risk, and a check of the measures in place, chapter by chapter.
//!
//! The check's questions are Kojo's own plain Japanese after the chapters of the guideline's
//! rule set. Pure rules: no I/O, no clock.

use serde::{Deserialize, Serialize};

/// A rating of 1 to 3 (機密性, 完全性, 可用性, 脅威の起こりやすさ, 脆弱性, and what is computed from them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const ONE: Level = Level(1);
    pub const TWO: Level = Level(2);
    pub const THREE: Level = Level(3);
    pub const ALL: [Level; 3] = [Level::ONE, Level::TWO, Level::THREE];

    pub fn new(value: u8) -> Option<Level> {
        (1..=3).contains(&value).then_some(Level(value))
    }

    /// Reads `1`, `2` or `3` as typed (full-width digits and spaces around accepted).
    pub fn parse(text: &str) -> Option<Level> {
        let normal = crate::text::normalize(text);
        match normal.as_str() {
            "1" => Some(Level::ONE),
            "2" => Some(Level::TWO),
            "3" => Some(Level::THREE),
            _ => None,
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(value: u8) -> Result<Level, String> {
        Level::new(value).ok_or_else(|| format!("a level is 1, 2 or 3, not {value}"))
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level.0
    }
}

/// 重要度: the highest of the asset's 機密性, 完全性 and 可用性 (an asset is as important as its most
/// important side; IPA's sheet rates it the same way).
pub fn importance(confidentiality: Level, integrity: Level, availability: Level) -> Level {
    confidentiality.max(integrity).max(availability)
}

/// 被害発生可能性 from the threat's likelihood (脅威の起こりやすさ) and the asset's exposure
/// (脆弱性・つけ込みやすさ): a likely threat meets an exposed asset at 3; an unlikely one is 1
/// whatever the exposure.
///
/// | threat \ vulnerability | 3 | 2 | 1 |
/// |---|---|---|---|
/// | 3 | 3 | 2 | 1 |
/// | 2 | 2 | 1 | 1 |
/// | 1 | 1 | 1 | 1 |
pub fn likelihood(threat: Level, vulnerability: Level) -> Level {
    match (threat.0, vulnerability.0) {
        (3, 3) => Level::THREE,
        (3, 2) | (2, 3) => Level::TWO,
        _ => Level::ONE,
    }
}

/// リスク値 = 重要度 × 被害発生可能性: one of 1, 2, 3, 4, 6, 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RiskValue(u8);

impl RiskValue {
    pub fn get(self) -> u8 {
        self.0
    }

    pub fn band(self) -> Band {
        match self.0 {
            6..=9 => Band::High,
            4 => Band::Medium,
            _ => Band::Low,
        }
    }
}

/// The risk value of an asset of `importance` facing damage of `likelihood`.
pub fn risk_value(importance: Level, likelihood: Level) -> RiskValue {
    RiskValue(importance.0 * likelihood.0)
}

/// リスクの大きさ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// 小: 1–3.
    Low,
    /// 中: 4.
    Medium,
    /// 大: 6–9.
    High,
}

impl Band {
    pub fn label_ja(self) -> &'static str {
        match self {
            Band::High => "大",
            Band::Medium => "中",
            Band::Low => "小",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Band::High => "High",
            Band::Medium => "Medium",
            Band::Low => "Low",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Band::High => "high",
            Band::Medium => "medium",
            Band::Low => "low",
        }
    }
}

/// A coded choice with Japanese and English words, read from its code or its Japanese label (as an
/// Excel sheet filled by hand has it).
pub trait Choice: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label_ja(self) -> &'static str;
    fn label_en(self) -> &'static str;

    /// Reads a code or a Japanese label (spaces and width ignored).
    fn parse(text: &str) -> Option<Self> {
        let normal = crate::text::normalize(text);
        Self::ALL.iter().copied().find(|c| c.code() == normal || crate::text::normalize(c.label_ja()) == normal)
    }
}

macro_rules! choice {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $code:literal, $ja:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl Choice for $name {
            const ALL: &'static [$name] = &[$($name::$variant,)+];
            fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }
            fn label_ja(self) -> &'static str {
                match self { $($name::$variant => $ja,)+ }
            }
            fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }
        }
    };
}

choice! {
    /// 媒体・保存先: where the asset lives.
    Media {
        Paper => "paper", "書類", "Paper";
        Pc => "pc", "パソコン", "PC";
        Server => "server", "サーバー", "Server";
        Cloud => "cloud", "クラウド", "Cloud service";
        Portable => "portable", "可搬媒体", "Portable media";
        Mobile => "mobile", "スマートフォン・タブレット", "Smartphone or tablet";
        Other => "other", "その他", "Other";
    }
}

choice! {
    /// 個人情報の種類.
    PersonalInfo {
        None => "none", "なし", "None";
        Personal => "personal", "個人情報", "Personal information";
        Sensitive => "sensitive", "要配慮個人情報", "Special-care personal information";
        MyNumber => "my_number", "特定個人情報", "Specific personal information (My Number)";
    }
}

choice! {
    /// リスク対応: what is done about a risk.
    Treatment {
        Reduce => "reduce", "低減", "Reduce";
        Avoid => "avoid", "回避", "Avoid";
        Transfer => "transfer", "移転", "Transfer";
        Accept => "accept", "受容", "Accept";
    }
}

choice! {
    /// The state of a risk's measures.
    MeasureStatus {
        Todo => "todo", "未着手", "To do";
        Doing => "doing", "対応中", "In progress";
        Done => "done", "完了", "Done";
    }
}

/// Longest text of a register cell (names, notes, measures), in characters.
pub const MAX_CELL_CHARS: usize = 500;
/// Most assets in one company's register.
pub const MAX_ASSETS: usize = 300;

/// One row of the asset register with its risk evaluation and treatment, as typed (a form or a
/// sheet's cells). Empty strings are blank cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetInput {
    pub business: String,
    pub name: String,
    pub note: String,
    pub users: String,
    pub department: String,
    pub media: String,
    pub personal: String,
    pub confidentiality: String,
    pub integrity: String,
    pub availability: String,
    pub retention: String,
    /// 登録日, `YYYY-MM-DD`; blank is "today" when the row is registered.
    pub registered_on: String,
    pub threat: String,
    pub vulnerability: String,
    /// The threat considered (e.g. 「ランサムウェアによる暗号化」).
    pub threat_note: String,
    pub treatment: String,
    pub measures: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub status: String,
}

/// A register row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub business: String,
    pub name: String,
    pub note: Option<String>,
    pub users: Option<String>,
    pub department: Option<String>,
    pub media: Media,
    pub personal: PersonalInfo,
    pub confidentiality: Level,
    pub integrity: Level,
    pub availability: Level,
    pub retention: Option<String>,
    /// 登録日: set when the row is registered, kept through changes and workbooks.
    #[serde(default)]
    pub registered_on: Option<chrono::NaiveDate>,
    /// Blank until the asset is evaluated.
    pub threat: Option<Level>,
    pub vulnerability: Option<Level>,
    pub threat_note: Option<String>,
    pub treatment: Option<Treatment>,
    pub measures: Option<String>,
    pub owner: Option<String>,
    pub due: Option<chrono::NaiveDate>,
    pub status: MeasureStatus,
}

impl Asset {
    pub fn importance(&self) -> Level {
        importance(self.confidentiality, self.integrity, self.availability)
    }

    /// 被害発生可能性, once the threat and the vulnerability are rated.
    pub fn likelihood(&self) -> Option<Level> {
        Some(likelihood(self.threat?, self.vulnerability?))
    }

    pub fn risk(&self) -> Option<RiskValue> {
        Some(risk_value(self.importance(), self.likelihood()?))
    }
}

/// The register's fields, for error messages (Japanese header, as in the sheet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Business,
    Name,
    Note,
    Users,
    Department,
    Media,
    Personal,
    Confidentiality,
    Integrity,
    Availability,
    Retention,
    RegisteredOn,
    Threat,
    Vulnerability,
    ThreatNote,
    Treatment,
    Measures,
    Owner,
    Due,
    Status,
}

impl Field {
    /// The columns of the register sheet, in order.
    pub const ALL: [Field; 20] = [
        Field::Business,
        Field::Name,
        Field::Note,
        Field::Users,
        Field::Department,
        Field::Media,
        Field::Personal,
        Field::Confidentiality,
        Field::Integrity,
        Field::Availability,
        Field::Retention,
        Field::RegisteredOn,
        Field::Threat,
        Field::Vulnerability,
        Field::ThreatNote,
        Field::Treatment,
        Field::Measures,
        Field::Owner,
        Field::Due,
        Field::Status,
    ];

    pub fn header_ja(self) -> &'static str {
        match self {
            Field::Business => "業務分類",
            Field::Name => "情報資産名称",
            Field::Note => "備考",
            Field::Users => "利用者範囲",
            Field::Department => "管理部署",
            Field::Media => "媒体・保存先",
            Field::Personal => "個人情報の種類",
            Field::Confidentiality => "機密性",
            Field::Integrity => "完全性",
            Field::Availability => "可用性",
            Field::Retention => "保存期限",
            Field::RegisteredOn => "登録日",
            Field::Threat => "脅威の起こりやすさ",
            Field::Vulnerability => "脆弱性",
            Field::ThreatNote => "想定する脅威",
            Field::Treatment => "対応",
            Field::Measures => "対策",
            Field::Owner => "担当",
            Field::Due => "期限",
            Field::Status => "状況",
        }
    }

    pub fn header_en(self) -> &'static str {
        match self {
            Field::Business => "Business area",
            Field::Name => "Asset",
            Field::Note => "Notes",
            Field::Users => "Who uses it",
            Field::Department => "Managed by",
            Field::Media => "Medium / where kept",
            Field::Personal => "Personal information",
            Field::Confidentiality => "Confidentiality",
            Field::Integrity => "Integrity",
            Field::Availability => "Availability",
            Field::Retention => "Keep until",
            Field::RegisteredOn => "Registered",
            Field::Threat => "Threat likelihood",
            Field::Vulnerability => "Vulnerability",
            Field::ThreatNote => "Threat considered",
            Field::Treatment => "Treatment",
            Field::Measures => "Measures",
            Field::Owner => "Owner",
            Field::Due => "Due",
            Field::Status => "Status",
        }
    }
}

/// What is wrong with a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellProblem {
    Missing,
    TooLong,
    ControlCharacter,
    /// Not 1, 2 or 3.
    NotALevel,
    /// Not one of the field's choices.
    UnknownChoice,
    /// Not a `YYYY-MM-DD` day.
    NotADate,
    /// The vulnerability without the threat, or the other way round.
    Unpaired,
}

impl CellProblem {
    /// The problem in plain Japanese, for the page and the import report.
    pub fn message_ja(self) -> &'static str {
        match self {
            CellProblem::Missing => "入力してください",
            CellProblem::TooLong => "長すぎます（500文字まで）",
            CellProblem::ControlCharacter => "使えない文字（制御文字）が含まれています",
            CellProblem::NotALevel => "1・2・3のいずれかを入力してください",
            CellProblem::UnknownChoice => "選択肢の中から選んでください",
            CellProblem::NotADate => "日付は 2027-01-31 の形で入力してください",
            CellProblem::Unpaired => "脅威の起こりやすさと脆弱性は両方とも入力してください",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            CellProblem::Missing => "Required",
            CellProblem::TooLong => "Too long (500 characters at most)",
            CellProblem::ControlCharacter => "Contains a control character",
            CellProblem::NotALevel => "Enter 1, 2 or 3",
            CellProblem::UnknownChoice => "Choose one of the options",
            CellProblem::NotADate => "Write the date as 2027-01-31",
            CellProblem::Unpaired => "Rate both the threat likelihood and the vulnerability",
        }
    }
}

impl AssetInput {
    /// Checks every cell; all problems are reported, by field, in column order.
    pub fn parse(&self) -> Result<Asset, Vec<(Field, CellProblem)>> {
        let mut problems = Vec::new();
        let mut text = |field: Field, raw: &str, required: bool| -> Option<String> {
            if crate::text::has_control(raw.trim_end_matches(['\n', '\r'])) {
                problems.push((field, CellProblem::ControlCharacter));
                return None;
            }
            if crate::text::too_long(raw, MAX_CELL_CHARS) {
                problems.push((field, CellProblem::TooLong));
                return None;
            }
            let normal = crate::text::normalize(raw);
            if normal.is_empty() {
                if required {
                    problems.push((field, CellProblem::Missing));
                }
                return None;
            }
            Some(normal)
        };
        let business = text(Field::Business, &self.business, true);
        let name = text(Field::Name, &self.name, true);
        let note = text(Field::Note, &self.note, false);
        let users = text(Field::Users, &self.users, false);
        let department = text(Field::Department, &self.department, false);
        let retention = text(Field::Retention, &self.retention, false);
        let threat_note = text(Field::ThreatNote, &self.threat_note, false);
        let measures = text(Field::Measures, &self.measures, false);
        let owner = text(Field::Owner, &self.owner, false);
        let mut choice = |field: Field, raw: &str, blank: Option<&'static str>| -> Option<&'static str> {
            let normal = crate::text::normalize(raw);
            if normal.is_empty() {
                if blank.is_none() {
                    problems.push((field, CellProblem::Missing));
                }
                return blank;
            }
            Some(match field {
                Field::Media => Media::parse(&normal).map(Media::code),
                Field::Personal => PersonalInfo::parse(&normal).map(PersonalInfo::code),
                Field::Treatment => Treatment::parse(&normal).map(Treatment::code),
                Field::Status => MeasureStatus::parse(&normal).map(MeasureStatus::code),
                _ => None,
            })
            .flatten()
            .or_else(|| {
                problems.push((field, CellProblem::UnknownChoice));
                None
            })
        };
        let media = choice(Field::Media, &self.media, None).and_then(Media::parse);
        let personal = choice(Field::Personal, &self.personal, Some("none")).and_then(PersonalInfo::parse);
        let treatment = choice(Field::Treatment, &self.treatment, Some("")).and_then(Treatment::parse);
        let status = choice(Field::Status, &self.status, Some("todo")).and_then(MeasureStatus::parse);
        let mut level = |field: Field, raw: &str, required: bool| -> Option<Level> {
            if raw.trim().is_empty() {
                if required {
                    problems.push((field, CellProblem::Missing));
                }
                return None;
            }
            Level::parse(raw).or_else(|| {
                problems.push((field, CellProblem::NotALevel));
                None
            })
        };
        let confidentiality = level(Field::Confidentiality, &self.confidentiality, true);
        let integrity = level(Field::Integrity, &self.integrity, true);
        let availability = level(Field::Availability, &self.availability, true);
        let threat = level(Field::Threat, &self.threat, false);
        let vulnerability = level(Field::Vulnerability, &self.vulnerability, false);
        match (threat, vulnerability, self.threat.trim().is_empty(), self.vulnerability.trim().is_empty()) {
            (None, Some(_), true, _) => problems.push((Field::Threat, CellProblem::Unpaired)),
            (Some(_), None, _, true) => problems.push((Field::Vulnerability, CellProblem::Unpaired)),
            _ => {}
        }
        let mut date = |field: Field, raw: &str| match crate::text::normalize(raw).as_str() {
            "" => None,
            day => match chrono::NaiveDate::parse_from_str(&day.replace('/', "-"), "%Y-%m-%d") {
                Ok(day) => Some(day),
                Err(_) => {
                    problems.push((field, CellProblem::NotADate));
                    None
                }
            },
        };
        let registered_on = date(Field::RegisteredOn, &self.registered_on);
        let due = date(Field::Due, &self.due);
        if !problems.is_empty() {
            problems.sort_by_key(|(field, _)| Field::ALL.iter().position(|f| f == field));
            return Err(problems);
        }
        Ok(Asset {
            business: business.expect("checked"),
            name: name.expect("checked"),
            note,
            users,
            department,
            media: media.expect("checked"),
            personal: personal.expect("checked"),
            confidentiality: confidentiality.expect("checked"),
            integrity: integrity.expect("checked"),
            availability: availability.expect("checked"),
            retention,
            registered_on,
            threat,
            vulnerability,
            threat_note,
            treatment,
            measures,
            owner,
            due,
            status: status.expect("checked"),
        })
    }
}

impl Asset {
    /// The row as typed cells again (what the form and the sheet show).
    pub fn to_input(&self) -> AssetInput {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let level = |value: Option<Level>| value.map(|l| l.get().to_string()).unwrap_or_default();
        AssetInput {
            business: self.business.clone(),
            name: self.name.clone(),
            note: text(&self.note),
            users: text(&self.users),
            department: text(&self.department),
            media: self.media.label_ja().to_string(),
            personal: self.personal.label_ja().to_string(),
            confidentiality: self.confidentiality.get().to_string(),
            integrity: self.integrity.get().to_string(),
            availability: self.availability.get().to_string(),
            retention: text(&self.retention),
            registered_on: self.registered_on.map(|d| d.to_string()).unwrap_or_default(),
            threat: level(self.threat),
            vulnerability: level(self.vulnerability),
            threat_note: text(&self.threat_note),
            treatment: self.treatment.map(|t| t.label_ja().to_string()).unwrap_or_default(),
            measures: text(&self.measures),
            owner: text(&self.owner),
            due: self.due.map(|d| d.to_string()).unwrap_or_default(),
            status: self.status.label_ja().to_string(),
        }
    }
}

/// The order of priority: the highest risk value first, then the more important asset, then
/// the register's order. Assets not yet evaluated come last.
pub fn priority<T>(assets: &mut [(T, Asset)]) {
    assets.sort_by_key(|(_, asset)| {
        (std::cmp::Reverse(asset.risk().map(RiskValue::get).unwrap_or(0)), std::cmp::Reverse(asset.importance()))
    });
}

/// Counts per cell of the 3×3 heat map: `[importance − 1][likelihood − 1]`, evaluated assets only.
pub fn heat_map<'a>(assets: impl IntoIterator<Item = &'a Asset>) -> [[u32; 3]; 3] {
    let mut map = [[0; 3]; 3];
    for asset in assets {
        if let Some(likelihood) = asset.likelihood() {
            map[usize::from(asset.importance().get() - 1)][usize::from(likelihood.get() - 1)] += 1;
        }
    }
    map
}

/// The ten chapters of the guideline's rule set (情報セキュリティ関連規程), the measure check's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chapter {
    Organisational,
    Human,
    Assets,
    Access,
    Physical,
    Devices,
    Operations,
    Development,
    Suppliers,
    Incidents,
}

impl Chapter {
    pub const ALL: [Chapter; 10] = [
        Chapter::Organisational,
        Chapter::Human,
        Chapter::Assets,
        Chapter::Access,
        Chapter::Physical,
        Chapter::Devices,
        Chapter::Operations,
        Chapter::Development,
        Chapter::Suppliers,
        Chapter::Incidents,
    ];

    pub fn label_ja(self) -> &'static str {
        match self {
            Chapter::Organisational => "組織的対策",
            Chapter::Human => "人的対策",
            Chapter::Assets => "情報資産管理",
            Chapter::Access => "アクセス制御及び認証",
            Chapter::Physical => "物理的対策",
            Chapter::Devices => "IT機器利用",
            Chapter::Operations => "IT基盤運用管理",
            Chapter::Development => "システム開発及び保守",
            Chapter::Suppliers => "委託管理",
            Chapter::Incidents => "情報セキュリティインシデント対応ならびに事業継続管理",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Chapter::Organisational => "Organisation",
            Chapter::Human => "People",
            Chapter::Assets => "Information assets",
            Chapter::Access => "Access control and authentication",
            Chapter::Physical => "Physical security",
            Chapter::Devices => "Use of IT equipment",
            Chapter::Operations => "IT operations",
            Chapter::Development => "Systems development and maintenance",
            Chapter::Suppliers => "Suppliers and outsourcing",
            Chapter::Incidents => "Incident response and business continuity",
        }
    }
}

/// One question of the measure check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckItem {
    pub number: u8,
    pub chapter: Chapter,
    pub question_ja: &'static str,
}

/// The measure check's version, stored with every answer set.
pub const CHECK_SET_VERSION: &str = "kojo-risk-2026";

const fn item(number: u8, chapter: Chapter, question_ja: &'static str) -> CheckItem {
    CheckItem { number, chapter, question_ja }
}

/// The measure check, three questions per chapter, in Kojo's own words.
pub const CHECK_ITEMS: [CheckItem; 30] = [
    item(1, Chapter::Organisational, "情報セキュリティの責任者を決め、社内に知らせていますか。"),
    item(2, Chapter::Organisational, "情報セキュリティの決まり（基本方針や規程）を文書にしていますか。"),
    item(3, Chapter::Organisational, "決まりが守られているか、年に一度は確かめて見直していますか。"),
    item(4, Chapter::Human, "入社時に、秘密を守ることを書面で約束してもらっていますか。"),
    item(5, Chapter::Human, "従業員に、情報セキュリティの研修や注意喚起を定期的に行っていますか。"),
    item(6, Chapter::Human, "退職する人から、社内の情報や貸与した機器を確実に返してもらっていますか。"),
    item(7, Chapter::Assets, "大切な情報がどこに何があるか、一覧（台帳）にしていますか。"),
    item(8, Chapter::Assets, "情報の大切さに応じて、扱い方（持ち出し・廃棄など）を決めていますか。"),
    item(9, Chapter::Assets, "不要になった書類や記録媒体は、読めないようにして捨てていますか。"),
    item(10, Chapter::Access, "一人ひとりに別のIDを配り、共用のIDを使わないようにしていますか。"),
    item(11, Chapter::Access, "パスワードは長く推測されにくいものにし、使い回しを避けていますか。"),
    item(12, Chapter::Access, "仕事に必要な人だけが、大切な情報を見られるようにしていますか。"),
    item(13, Chapter::Physical, "事務所の出入りを管理し、部外者が勝手に入れないようにしていますか。"),
    item(14, Chapter::Physical, "サーバーや大切な書類は、鍵のかかる場所に置いていますか。"),
    item(15, Chapter::Physical, "最後に帰る人が、戸締まりと機器の電源を確かめていますか。"),
    item(16, Chapter::Devices, "パソコンやスマートフォンの更新（アップデート）を早めに行っていますか。"),
    item(17, Chapter::Devices, "すべてのパソコンにウイルス対策ソフトを入れ、最新にしていますか。"),
    item(18, Chapter::Devices, "私物の機器や会社の機器の持ち出しについて、ルールを決めていますか。"),
    item(19, Chapter::Operations, "大切なデータのバックアップを定期的に取り、戻せることを確かめていますか。"),
    item(20, Chapter::Operations, "ルーターやUTMなどのネットワーク機器の設定と更新を管理していますか。"),
    item(21, Chapter::Operations, "機器やサーバーの記録（ログ）を残し、おかしな動きがないか見ていますか。"),
    item(22, Chapter::Development, "ホームページや業務システムを作るとき、セキュリティの条件を決めていますか。"),
    item(23, Chapter::Development, "システムの部品（ソフトウェア）の弱点の情報を集め、直していますか。"),
    item(24, Chapter::Development, "テストに本物の個人情報を使わないようにしていますか。"),
    item(25, Chapter::Suppliers, "委託先と、秘密を守ることや事故のときの連絡を契約で決めていますか。"),
    item(26, Chapter::Suppliers, "クラウドサービスを選ぶとき、セキュリティの条件を確かめていますか。"),
    item(27, Chapter::Suppliers, "委託先の情報の扱い方を、必要に応じて確かめていますか。"),
    item(28, Chapter::Incidents, "事故が起きたときの連絡先と手順を決め、従業員に知らせていますか。"),
    item(29, Chapter::Incidents, "事故を想定した訓練や、手順の見直しをしていますか。"),
    item(30, Chapter::Incidents, "システムが止まっても業務を続ける方法（代わりの手段）を決めていますか。"),
];

/// An answer to a measure-check question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckAnswer {
    /// 実施している: 2 points.
    Done,
    /// 一部実施している: 1 point.
    Partly,
    /// 実施していない: 0 points.
    NotDone,
    /// 該当しない: left out of the chapter's score (e.g. a company that develops no systems).
    NotApplicable,
}

impl CheckAnswer {
    pub const ALL: [CheckAnswer; 4] =
        [CheckAnswer::Done, CheckAnswer::Partly, CheckAnswer::NotDone, CheckAnswer::NotApplicable];

    pub fn code(self) -> &'static str {
        match self {
            CheckAnswer::Done => "done",
            CheckAnswer::Partly => "partly",
            CheckAnswer::NotDone => "not_done",
            CheckAnswer::NotApplicable => "not_applicable",
        }
    }

    pub fn from_code(code: &str) -> Option<CheckAnswer> {
        CheckAnswer::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CheckAnswer::Done => "実施している",
            CheckAnswer::Partly => "一部実施している",
            CheckAnswer::NotDone => "実施していない",
            CheckAnswer::NotApplicable => "該当しない",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CheckAnswer::Done => "Yes",
            CheckAnswer::Partly => "Partly",
            CheckAnswer::NotDone => "No",
            CheckAnswer::NotApplicable => "Not applicable",
        }
    }

    fn points(self) -> Option<u32> {
        match self {
            CheckAnswer::Done => Some(2),
            CheckAnswer::Partly => Some(1),
            CheckAnswer::NotDone => Some(0),
            CheckAnswer::NotApplicable => None,
        }
    }
}

/// A chapter's score: points against the most possible over its applicable, answered questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChapterScore {
    pub chapter: Chapter,
    pub points: u32,
    pub max: u32,
}

impl ChapterScore {
    /// The score as a percentage, `None` when nothing in the chapter applies or is answered.
    pub fn percent(&self) -> Option<u32> {
        (self.max > 0).then(|| self.points * 100 / self.max)
    }
}

/// Scores a measure check by chapter; unknown question numbers are refused.
pub fn check_scores(answers: &[(u8, CheckAnswer)]) -> Result<Vec<ChapterScore>, u8> {
    if let Some((number, _)) = answers.iter().find(|(n, _)| !(1..=CHECK_ITEMS.len() as u8).contains(n)) {
        return Err(*number);
    }
    Ok(Chapter::ALL
        .into_iter()
        .map(|chapter| {
            let points: Vec<u32> = answers
                .iter()
                .filter(|(number, _)| CHECK_ITEMS[usize::from(*number) - 1].chapter == chapter)
                .filter_map(|(_, answer)| answer.points())
                .collect();
            ChapterScore { chapter, points: points.iter().sum(), max: points.len() as u32 * 2 }
        })
        .collect())
}

/// The weak chapters, weakest first: those scored under 50 %.
pub fn weak_chapters(scores: &[ChapterScore]) -> Vec<ChapterScore> {
    let mut weak: Vec<ChapterScore> = scores.iter().copied().filter(|s| s.percent().is_some_and(|p| p < 50)).collect();
    weak.sort_by_key(|s| s.percent());
    weak
}

/// When a measure should be done, by the risk it treats (the report's roadmap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Horizon {
    /// 今すぐ: risks 大.
    Now,
    /// 3か月以内: risks 中.
    ThreeMonths,
    /// 1年以内: risks 小 that are not accepted.
    Year,
}

impl Horizon {
    pub fn of(risk: RiskValue) -> Horizon {
        match risk.band() {
            Band::High => Horizon::Now,
            Band::Medium => Horizon::ThreeMonths,
            Band::Low => Horizon::Year,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Horizon::Now => "今すぐ",
            Horizon::ThreeMonths => "3か月以内",
            Horizon::Year => "1年以内",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importance_is_the_highest_of_the_three() {
        for c in Level::ALL {
            for i in Level::ALL {
                for a in Level::ALL {
                    let expected = c.get().max(i.get()).max(a.get());
                    assert_eq!(importance(c, i, a).get(), expected, "{c:?} {i:?} {a:?}");
                }
            }
        }
    }

    #[test]
    fn all_27_risk_values_follow_the_table() {
        // (importance, threat, vulnerability) → risk value, written out from the method's table.
        let expected: [[[u8; 3]; 3]; 3] = [
            // importance 1: threat 1, 2, 3 × vulnerability 1, 2, 3
            [[1, 1, 1], [1, 1, 2], [1, 2, 3]],
            // importance 2
            [[2, 2, 2], [2, 2, 4], [2, 4, 6]],
            // importance 3
            [[3, 3, 3], [3, 3, 6], [3, 6, 9]],
        ];
        for importance in Level::ALL {
            for threat in Level::ALL {
                for vulnerability in Level::ALL {
                    let value = risk_value(importance, likelihood(threat, vulnerability)).get();
                    let want = expected[usize::from(importance.get() - 1)][usize::from(threat.get() - 1)]
                        [usize::from(vulnerability.get() - 1)];
                    assert_eq!(
                        value, want,
                        "importance {importance:?} threat {threat:?} vulnerability {vulnerability:?}"
                    );
                    assert!([1, 2, 3, 4, 6, 9].contains(&value));
                }
            }
        }
    }

    #[test]
    fn bands_are_large_medium_small() {
        let band = |i: u8, l: u8| risk_value(Level::new(i).unwrap(), Level::new(l).unwrap()).band();
        assert_eq!(band(3, 3), Band::High);
        assert_eq!(band(2, 3), Band::High);
        assert_eq!(band(2, 2), Band::Medium);
        assert_eq!(band(1, 3), Band::Low);
        assert_eq!(band(3, 1), Band::Low);
        assert_eq!(band(1, 1), Band::Low);
        assert_eq!((Band::High.label_ja(), Band::Medium.label_ja(), Band::Low.label_ja()), ("大", "中", "小"));
    }

    fn customer_list() -> AssetInput {
        AssetInput {
            business: "営業".into(),
            name: "顧客名簿".into(),
            users: "営業部".into(),
            department: "営業部".into(),
            media: "クラウド".into(),
            personal: "個人情報".into(),
            confidentiality: "３".into(),
            integrity: "2".into(),
            availability: "2".into(),
            threat: "3".into(),
            vulnerability: "2".into(),
            treatment: "低減".into(),
            due: "2027/01/31".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_row_is_read_from_codes_or_japanese_labels() {
        let asset = customer_list().parse().unwrap();
        assert_eq!((asset.media, asset.personal), (Media::Cloud, PersonalInfo::Personal));
        assert_eq!(asset.importance(), Level::THREE);
        assert_eq!(asset.likelihood(), Some(Level::TWO));
        assert_eq!(asset.risk().map(RiskValue::get), Some(6));
        assert_eq!(asset.treatment, Some(Treatment::Reduce));
        assert_eq!(asset.due, chrono::NaiveDate::from_ymd_opt(2027, 1, 31));
        assert_eq!(asset.status, MeasureStatus::Todo, "a blank status is 未着手");
        assert_eq!(asset.registered_on, None, "set when registered");
        let dated = AssetInput { registered_on: "2026/12/01".into(), ..customer_list() }.parse().unwrap();
        assert_eq!(dated.registered_on, chrono::NaiveDate::from_ymd_opt(2026, 12, 1));
        // Round trip through the typed cells.
        assert_eq!(asset.to_input().parse().unwrap(), asset);
        let by_code = AssetInput { media: "cloud".into(), personal: "personal".into(), ..customer_list() };
        assert_eq!(by_code.parse().unwrap(), asset);
    }

    #[test]
    fn every_bad_cell_is_reported_in_column_order() {
        let bad = AssetInput {
            name: String::new(),
            media: "金庫".into(),
            confidentiality: "4".into(),
            vulnerability: String::new(),
            due: "来月".into(),
            ..customer_list()
        };
        assert_eq!(
            bad.parse().unwrap_err(),
            [
                (Field::Name, CellProblem::Missing),
                (Field::Media, CellProblem::UnknownChoice),
                (Field::Confidentiality, CellProblem::NotALevel),
                (Field::Vulnerability, CellProblem::Unpaired),
                (Field::Due, CellProblem::NotADate),
            ]
        );
        // Not yet evaluated: no threat and no vulnerability is fine.
        let unrated = AssetInput { threat: String::new(), vulnerability: String::new(), ..customer_list() };
        assert_eq!(unrated.parse().unwrap().risk(), None);
    }

    #[test]
    fn priority_puts_the_largest_risk_first_then_importance() {
        let rated = |name: &str, c: &str, t: &str, v: &str| {
            AssetInput {
                name: name.into(),
                confidentiality: c.into(),
                integrity: "1".into(),
                availability: "1".into(),
                threat: t.into(),
                vulnerability: v.into(),
                ..customer_list()
            }
            .parse()
            .unwrap()
        };
        let mut assets = vec![
            (1, rated("a", "1", "3", "3")),
            (2, rated("b", "3", "3", "3")),
            (3, rated("c", "3", "", "")),
            (4, rated("d", "2", "3", "2")),
            (5, rated("e", "3", "1", "1")),
        ];
        priority(&mut assets);
        assert_eq!(assets.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [2, 4, 5, 1, 3]);
        let map = heat_map(assets.iter().map(|(_, a)| a));
        assert_eq!(map[2][2], 1, "importance 3, likelihood 3");
        assert_eq!(map[0][2], 1, "importance 1, likelihood 3");
        assert_eq!(map.iter().flatten().sum::<u32>(), 4, "the unrated asset is not on the map");
    }

    #[test]
    fn the_check_scores_each_chapter_without_the_questions_that_do_not_apply() {
        let answers = [
            (1, CheckAnswer::Done),
            (2, CheckAnswer::Partly),
            (3, CheckAnswer::NotDone),
            (22, CheckAnswer::NotApplicable),
            (23, CheckAnswer::NotApplicable),
            (24, CheckAnswer::NotApplicable),
            (19, CheckAnswer::NotDone),
        ];
        let scores = check_scores(&answers).unwrap();
        let of = |chapter| *scores.iter().find(|s| s.chapter == chapter).unwrap();
        assert_eq!(of(Chapter::Organisational), ChapterScore { chapter: Chapter::Organisational, points: 3, max: 6 });
        assert_eq!(of(Chapter::Organisational).percent(), Some(50));
        assert_eq!(of(Chapter::Development).percent(), None, "nothing applies");
        assert_eq!(of(Chapter::Operations).percent(), Some(0));
        assert_eq!(weak_chapters(&scores).iter().map(|s| s.chapter).collect::<Vec<_>>(), [Chapter::Operations]);
        assert_eq!(check_scores(&[(31, CheckAnswer::Done)]), Err(31));
        assert_eq!(CHECK_ITEMS.iter().filter(|i| i.chapter == Chapter::Incidents).count(), 3);
        for (index, item) in CHECK_ITEMS.iter().enumerate() {
            assert_eq!(usize::from(item.number), index + 1);
        }
    }

    #[test]
    fn the_roadmap_follows_the_band() {
        assert_eq!(Horizon::of(risk_value(Level::THREE, Level::TWO)), Horizon::Now);
        assert_eq!(Horizon::of(risk_value(Level::TWO, Level::TWO)), Horizon::ThreeMonths);
        assert_eq!(Horizon::of(risk_value(Level::THREE, Level::ONE)), Horizon::Year);
    }
}
