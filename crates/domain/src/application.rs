//! The application (申込) as submitted on the web form or the JSON API, and its validation.
//!
//! `ApplicationInput` is what arrives, loosely typed so that nothing the user typed is lost;
//! `NewApplication` can only be built by `validate`, so everything past it holds checked values.
//! Field names are the JSON paths (`company.name`), which the HTML form uses as well, so one
//! list of `FieldIssue`s serves both the API's 422 body and the form's inline errors.

use serde::{Deserialize, Serialize};

use crate::corporate_number::CorporateNumber;
use crate::eligibility::{CompanyProfile, Declarations, Industry};
use crate::programme::CourseCode;
pub use crate::secretariat::Language;
use crate::text::{self, EmailAddress, Kana, PhoneNumber, PostalCode};

/// A number typed by a person: JSON sends a number, the form sends text such as "１,０００万" is NOT
/// accepted, but "10,000,000" and "１００" are.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum LooseNumber {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ApplicationInput {
    pub course: Option<String>,
    pub company: CompanyInput,
    pub contact: ContactInput,
    pub environment: EnvironmentInput,
    pub previous_participant: bool,
    pub uses_equivalent_tokyo_subsidy: bool,
    pub declarations: Declarations,
    pub privacy_policy_accepted: bool,
    /// The language the company is written to in (the form's language; `ja` when absent).
    pub language: Option<Language>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct CompanyInput {
    pub name: String,
    pub name_kana: String,
    pub corporate_number: Option<String>,
    pub sole_proprietor: bool,
    pub postal_code: String,
    pub prefecture: String,
    pub address: String,
    pub industry: String,
    pub capital_yen: Option<LooseNumber>,
    pub employees: Option<LooseNumber>,
    pub representative_name: String,
    pub representative_title: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct ContactInput {
    pub name: String,
    pub name_kana: String,
    pub department: Option<String>,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct EnvironmentInput {
    pub connection_layout: Option<String>,
    pub free_hub_port: Option<String>,
    pub existing_utm: Option<bool>,
    pub existing_utm_vendor: Option<String>,
    pub policy_status: Option<String>,
}

/// One invalid field: its JSON path and what is wrong, in Japanese and English.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldIssue {
    pub field: &'static str,
    pub ja: String,
    pub en: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct FieldIssues(pub Vec<FieldIssue>);

impl FieldIssues {
    pub(crate) fn push(&mut self, field: &'static str, ja: impl Into<String>, en: impl Into<String>) {
        self.0.push(FieldIssue { field, ja: ja.into(), en: en.into() });
    }

    pub(crate) fn push_error(&mut self, field: &'static str, error: &text::FieldError) {
        self.push(field, error.message_ja(), error.message_en());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&FieldIssue> {
        self.0.iter().find(|issue| issue.field == field)
    }
}

/// Whether a hub has a free port for the UTM (申込時の自己申告).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreeHubPort {
    Yes,
    No,
    Unknown,
}

impl FreeHubPort {
    pub fn code(self) -> &'static str {
        match self {
            FreeHubPort::Yes => "yes",
            FreeHubPort::No => "no",
            FreeHubPort::Unknown => "unknown",
        }
    }

    /// As the pages and exports show it (HUBの空きポート).
    pub fn label_ja(self) -> &'static str {
        match self {
            FreeHubPort::Yes => "あり",
            FreeHubPort::No => "なし",
            FreeHubPort::Unknown => "分からない",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FreeHubPort::Yes => "Yes",
            FreeHubPort::No => "No",
            FreeHubPort::Unknown => "Don't know",
        }
    }

    pub fn from_code(code: &str) -> Option<FreeHubPort> {
        [FreeHubPort::Yes, FreeHubPort::No, FreeHubPort::Unknown].into_iter().find(|v| v.code() == code)
    }
}

/// State of the basic security policy and internal rules (情報セキュリティの基本方針や社内規定の整備状況).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyStatus {
    None,
    Drafting,
    InPlace,
}

impl PolicyStatus {
    pub fn code(self) -> &'static str {
        match self {
            PolicyStatus::None => "none",
            PolicyStatus::Drafting => "drafting",
            PolicyStatus::InPlace => "in_place",
        }
    }

    /// As the pages and exports show it (基本方針・規程の整備状況).
    pub fn label_ja(self) -> &'static str {
        match self {
            PolicyStatus::None => "未整備",
            PolicyStatus::Drafting => "整備中",
            PolicyStatus::InPlace => "整備済",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PolicyStatus::None => "None",
            PolicyStatus::Drafting => "Being drafted",
            PolicyStatus::InPlace => "In place",
        }
    }

    pub fn from_code(code: &str) -> Option<PolicyStatus> {
        [PolicyStatus::None, PolicyStatus::Drafting, PolicyStatus::InPlace].into_iter().find(|v| v.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Company {
    pub name: String,
    pub name_kana: Kana,
    pub corporate_number: Option<CorporateNumber>,
    pub sole_proprietor: bool,
    pub postal_code: PostalCode,
    pub prefecture: String,
    pub address: String,
    pub industry: Industry,
    pub capital_yen: Option<u64>,
    pub employees: u32,
    pub representative_name: String,
    pub representative_title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contact {
    pub name: String,
    pub name_kana: Kana,
    pub department: Option<String>,
    pub email: EmailAddress,
    pub phone: PhoneNumber,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub connection_layout: Option<String>,
    pub free_hub_port: FreeHubPort,
    pub existing_utm: bool,
    pub existing_utm_vendor: Option<String>,
    pub policy_status: PolicyStatus,
}

/// A validated application, ready to be stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewApplication {
    pub course: CourseCode,
    pub company: Company,
    pub contact: Contact,
    pub environment: Environment,
    pub previous_participant: bool,
    pub uses_equivalent_tokyo_subsidy: bool,
    pub declarations: Declarations,
    pub language: Language,
}

impl NewApplication {
    pub fn profile(&self) -> CompanyProfile {
        CompanyProfile {
            sole_proprietor: self.company.sole_proprietor,
            prefecture: self.company.prefecture.clone(),
            industry: self.company.industry,
            capital_yen: self.company.capital_yen,
            employees: self.company.employees,
            previous_participant: self.previous_participant,
            uses_equivalent_tokyo_subsidy: self.uses_equivalent_tokyo_subsidy,
            declarations: self.declarations.clone(),
        }
    }

    /// What makes two applications "the same company" within one programme year:
    /// the 法人番号, or for a sole proprietor (who has none) the name and address with all
    /// white space removed.
    pub fn duplicate_key(&self) -> String {
        match &self.company.corporate_number {
            Some(number) => format!("cn:{}", number.as_str()),
            None => {
                let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
                format!("sp:{}|{}", squash(&self.company.name), squash(&self.company.address))
            }
        }
    }
}

/// Whether an application is refused without a field (by validation or by eligibility).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    Required,
    /// Required unless the applicant is a sole proprietor (法人番号, 資本金: 募集要項 2.(1)).
    RequiredForCompanies,
    Optional,
}

/// Every answer of the application (its JSON path, which the form uses as its name) and whether
/// it is required: the one definition the form's 必須/任意 markers are read from. `validate` and
/// `eligibility::evaluate` are held to it by `every_requirement_is_what_the_server_enforces`.
/// The three tick boxes that state a fact (`company.sole_proprietor`, `previous_participant`,
/// `uses_equivalent_tokyo_subsidy`: unticked means no) are answers either way and not listed.
/// HUBの空きポート and UTMの設置 are optional: the secretariat checks both at STEP2 (募集要項
/// 6.(2)), the form asks them "as far as you know", and the API has always taken them as
/// nullable (no answer is 分からない, and no UTM).
pub const FIELD_REQUIREMENTS: [(&str, Requirement); 24] = [
    ("course", Requirement::Required),
    ("company.name", Requirement::Required),
    ("company.name_kana", Requirement::Required),
    ("company.corporate_number", Requirement::RequiredForCompanies),
    ("company.postal_code", Requirement::Required),
    ("company.prefecture", Requirement::Required),
    ("company.address", Requirement::Required),
    ("company.industry", Requirement::Required),
    ("company.capital_yen", Requirement::RequiredForCompanies),
    ("company.employees", Requirement::Required),
    ("company.representative_name", Requirement::Required),
    ("company.representative_title", Requirement::Optional),
    ("contact.name", Requirement::Required),
    ("contact.name_kana", Requirement::Required),
    ("contact.department", Requirement::Optional),
    ("contact.email", Requirement::Required),
    ("contact.phone", Requirement::Required),
    ("environment.connection_layout", Requirement::Optional),
    ("environment.free_hub_port", Requirement::Optional),
    ("environment.existing_utm", Requirement::Optional),
    ("environment.existing_utm_vendor", Requirement::Optional),
    ("environment.policy_status", Requirement::Required),
    ("declarations", Requirement::Required),
    ("privacy_policy_accepted", Requirement::Required),
];

/// The requirement of a field of [`FIELD_REQUIREMENTS`]; `None` for a name not listed there.
pub fn requirement(field: &str) -> Option<Requirement> {
    FIELD_REQUIREMENTS.iter().find(|(name, _)| *name == field).map(|(_, requirement)| *requirement)
}

/// Limits on free text, generous for real names and addresses, small enough to refuse abuse.
pub const NAME_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 200;
pub const PERSON_MAX: usize = 50;
pub const NOTE_MAX: usize = 1000;
const MAX_CAPITAL_YEN: i64 = 1_000_000_000_000_000;
const MAX_EMPLOYEES: i64 = 10_000_000;

/// Validates a full application (form or `POST /api/v1/applications`).
pub fn validate(input: &ApplicationInput) -> Result<NewApplication, FieldIssues> {
    let mut issues = FieldIssues::default();

    // Codes are taken exactly as listed (a form's select, the API's enum); empty means not chosen.
    let course = match input.course.as_deref() {
        Some(code) if !code.is_empty() => CourseCode::from_code(code).or_else(|| {
            issues.push("course", "希望コースの値が正しくありません", "Unknown course");
            None
        }),
        _ => {
            issues.push("course", "希望コースを選択してください", "Choose a course");
            None
        }
    };
    let company = validate_company(&input.company, &mut issues);
    let contact = validate_contact(&input.contact, &mut issues);
    let environment = validate_environment(&input.environment, &mut issues);
    if !input.privacy_policy_accepted {
        issues.push(
            "privacy_policy_accepted",
            "個人情報の取扱いに同意してください",
            "You must accept the privacy policy",
        );
    }

    match (course, company, contact, environment) {
        (Some(course), Some(company), Some(contact), Some(environment)) if issues.is_empty() => Ok(NewApplication {
            course,
            company,
            contact,
            environment,
            previous_participant: input.previous_participant,
            uses_equivalent_tokyo_subsidy: input.uses_equivalent_tokyo_subsidy,
            declarations: input.declarations.clone(),
            language: input.language.unwrap_or_default(),
        }),
        _ => Err(issues),
    }
}

/// Validates only what eligibility needs (`POST /api/v1/eligibility`): industry, capital,
/// employees, prefecture, the flags and the declarations.
pub fn validate_profile(input: &ApplicationInput) -> Result<CompanyProfile, FieldIssues> {
    let mut issues = FieldIssues::default();
    let company = &input.company;
    let industry = validate_industry(&company.industry, &mut issues);
    let employees = validate_employees(company.employees.as_ref(), &mut issues);
    let capital_yen = validate_capital(company, &mut issues);
    let prefecture = required(&company.prefecture, "company.prefecture", PERSON_MAX, &mut issues);
    match (industry, employees, prefecture) {
        (Some(industry), Some(employees), Some(prefecture)) if issues.is_empty() => Ok(CompanyProfile {
            sole_proprietor: company.sole_proprietor,
            prefecture,
            industry,
            capital_yen,
            employees,
            previous_participant: input.previous_participant,
            uses_equivalent_tokyo_subsidy: input.uses_equivalent_tokyo_subsidy,
            declarations: input.declarations.clone(),
        }),
        _ => Err(issues),
    }
}

fn validate_company(input: &CompanyInput, issues: &mut FieldIssues) -> Option<Company> {
    let name = required(&input.name, "company.name", NAME_MAX, issues);
    let name_kana = parse_into(Kana::parse(&input.name_kana), "company.name_kana", issues);
    let corporate_number = if input.sole_proprietor {
        Some(None)
    } else {
        match input.corporate_number.as_deref().map(str::trim) {
            Some(raw) if !raw.is_empty() => match CorporateNumber::parse(raw) {
                Ok(number) => Some(Some(number)),
                Err(error) => {
                    issues.push("company.corporate_number", error.to_string(), "Invalid corporate number");
                    None
                }
            },
            _ => {
                issues.push(
                    "company.corporate_number",
                    "法人番号（13桁）を入力してください。個人事業主の方は「個人事業主」を選択してください",
                    "Enter the 13-digit corporate number, or choose sole proprietor",
                );
                None
            }
        }
    };
    let postal_code = parse_into(PostalCode::parse(&input.postal_code), "company.postal_code", issues);
    let prefecture = required(&input.prefecture, "company.prefecture", PERSON_MAX, issues);
    let address = required(&input.address, "company.address", ADDRESS_MAX, issues);
    let industry = validate_industry(&input.industry, issues);
    let capital_yen = validate_capital(input, issues);
    let employees = validate_employees(input.employees.as_ref(), issues);
    let representative_name = required(&input.representative_name, "company.representative_name", PERSON_MAX, issues);
    let representative_title =
        optional(input.representative_title.as_deref(), "company.representative_title", PERSON_MAX, issues);
    Some(Company {
        name: name?,
        name_kana: name_kana?,
        corporate_number: corporate_number?,
        sole_proprietor: input.sole_proprietor,
        postal_code: postal_code?,
        prefecture: prefecture?,
        address: address?,
        industry: industry?,
        capital_yen,
        employees: employees?,
        representative_name: representative_name?,
        representative_title: representative_title?,
    })
}

fn validate_contact(input: &ContactInput, issues: &mut FieldIssues) -> Option<Contact> {
    let name = required(&input.name, "contact.name", PERSON_MAX, issues);
    let name_kana = parse_into(Kana::parse(&input.name_kana), "contact.name_kana", issues);
    let department = optional(input.department.as_deref(), "contact.department", NAME_MAX, issues);
    let email = parse_into(EmailAddress::parse(&input.email), "contact.email", issues);
    let phone = parse_into(PhoneNumber::parse(&input.phone), "contact.phone", issues);
    Some(Contact { name: name?, name_kana: name_kana?, department: department?, email: email?, phone: phone? })
}

fn validate_environment(input: &EnvironmentInput, issues: &mut FieldIssues) -> Option<Environment> {
    let connection_layout =
        optional(input.connection_layout.as_deref(), "environment.connection_layout", NOTE_MAX, issues);
    let free_hub_port = match input.free_hub_port.as_deref() {
        Some(code) if !code.is_empty() => FreeHubPort::from_code(code).or_else(|| {
            issues.push("environment.free_hub_port", "HUBの空きポートの値が正しくありません", "Invalid value");
            None
        }),
        _ => Some(FreeHubPort::Unknown),
    };
    let existing_utm = input.existing_utm.unwrap_or(false);
    let existing_utm_vendor = if existing_utm {
        optional(input.existing_utm_vendor.as_deref(), "environment.existing_utm_vendor", NAME_MAX, issues)
    } else {
        Some(None)
    };
    let policy_status = match input.policy_status.as_deref() {
        Some(code) if !code.is_empty() => PolicyStatus::from_code(code).or_else(|| {
            issues.push(
                "environment.policy_status",
                "基本方針・社内規定の整備状況の値が正しくありません",
                "Invalid value",
            );
            None
        }),
        _ => {
            issues.push(
                "environment.policy_status",
                "基本方針・社内規定の整備状況を選択してください",
                "Choose the state of your security policy",
            );
            None
        }
    };
    Some(Environment {
        connection_layout: connection_layout?,
        free_hub_port: free_hub_port?,
        existing_utm,
        existing_utm_vendor: existing_utm_vendor?,
        policy_status: policy_status?,
    })
}

fn validate_industry(code: &str, issues: &mut FieldIssues) -> Option<Industry> {
    if code.is_empty() {
        issues.push("company.industry", "業種を選択してください", "Choose an industry");
        return None;
    }
    Industry::from_code(code).or_else(|| {
        issues.push("company.industry", "業種の値が正しくありません", "Unknown industry");
        None
    })
}

/// A company states its capital; a sole proprietor has none (募集要項 2.(1): judged by employees).
/// A capital that is given must be a valid amount, a sole proprietor's too (it is then ignored).
fn validate_capital(input: &CompanyInput, issues: &mut FieldIssues) -> Option<u64> {
    match parse_number(input.capital_yen.as_ref()) {
        Ok(None) | Ok(Some(0..=MAX_CAPITAL_YEN)) if input.sole_proprietor => None,
        Ok(Some(value)) if (0..=MAX_CAPITAL_YEN).contains(&value) => Some(value as u64),
        Ok(Some(_)) | Err(()) => {
            issues.push(
                "company.capital_yen",
                "資本金は0以上の整数（円）で入力してください",
                "Capital must be a whole number of yen",
            );
            None
        }
        Ok(None) => {
            issues.push("company.capital_yen", "資本金（円）を入力してください", "Enter the capital in yen");
            None
        }
    }
}

fn validate_employees(raw: Option<&LooseNumber>, issues: &mut FieldIssues) -> Option<u32> {
    match parse_number(raw) {
        Ok(Some(value)) if (0..=MAX_EMPLOYEES).contains(&value) => Some(value as u32),
        Ok(Some(_)) | Err(()) => {
            issues.push(
                "company.employees",
                "従業員数は0以上の整数で入力してください",
                "Employees must be a whole number",
            );
            None
        }
        Ok(None) => {
            issues.push("company.employees", "従業員数を入力してください", "Enter the number of employees");
            None
        }
    }
}

/// Parses a person-typed integer: digits (ASCII or 全角) with `,` `，` `、` or spaces between
/// them, one trailing 円 or 人, white space around. Nothing else: no sign, no other digit forms.
fn parse_number(raw: Option<&LooseNumber>) -> Result<Option<i64>, ()> {
    match raw {
        None => Ok(None),
        Some(LooseNumber::Int(value)) => Ok(Some(*value)),
        Some(LooseNumber::Text(text)) => {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let body = text.strip_suffix(['円', '人']).unwrap_or(text);
            let mut digits = String::new();
            for c in body.chars() {
                match c {
                    '0'..='9' => digits.push(c),
                    '０'..='９' => digits.push(char::from(b'0' + (u32::from(c) - u32::from('０')) as u8)),
                    ',' | '，' | '、' | ' ' | '\u{3000}' => {}
                    _ => return Err(()),
                }
            }
            if digits.is_empty() {
                return Err(());
            }
            digits.parse::<i64>().map(Some).map_err(|_| ())
        }
    }
}

pub(crate) fn required(raw: &str, field: &'static str, max_chars: usize, issues: &mut FieldIssues) -> Option<String> {
    match text::required(raw, max_chars) {
        Ok(value) => Some(value),
        Err(error) => {
            issues.push_error(field, &error);
            None
        }
    }
}

/// An optional free-text field: `Some(None)` when empty, `None` when invalid.
pub(crate) fn optional(
    raw: Option<&str>,
    field: &'static str,
    max_chars: usize,
    issues: &mut FieldIssues,
) -> Option<Option<String>> {
    match text::optional(raw.unwrap_or(""), max_chars) {
        Ok(value) => Some(value),
        Err(error) => {
            issues.push_error(field, &error);
            None
        }
    }
}

pub(crate) fn parse_into<T>(
    result: Result<T, text::FieldError>,
    field: &'static str,
    issues: &mut FieldIssues,
) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(error) => {
            issues.push_error(field, &error);
            None
        }
    }
}

/// The 47 prefectures in JIS X 0401 order: the Japanese name (what is stored) and the English one
/// (what an English page shows).
pub const PREFECTURES: [(&str, &str); 47] = [
    ("北海道", "Hokkaido"),
    ("青森県", "Aomori"),
    ("岩手県", "Iwate"),
    ("宮城県", "Miyagi"),
    ("秋田県", "Akita"),
    ("山形県", "Yamagata"),
    ("福島県", "Fukushima"),
    ("茨城県", "Ibaraki"),
    ("栃木県", "Tochigi"),
    ("群馬県", "Gunma"),
    ("埼玉県", "Saitama"),
    ("千葉県", "Chiba"),
    ("東京都", "Tokyo"),
    ("神奈川県", "Kanagawa"),
    ("新潟県", "Niigata"),
    ("富山県", "Toyama"),
    ("石川県", "Ishikawa"),
    ("福井県", "Fukui"),
    ("山梨県", "Yamanashi"),
    ("長野県", "Nagano"),
    ("岐阜県", "Gifu"),
    ("静岡県", "Shizuoka"),
    ("愛知県", "Aichi"),
    ("三重県", "Mie"),
    ("滋賀県", "Shiga"),
    ("京都府", "Kyoto"),
    ("大阪府", "Osaka"),
    ("兵庫県", "Hyogo"),
    ("奈良県", "Nara"),
    ("和歌山県", "Wakayama"),
    ("鳥取県", "Tottori"),
    ("島根県", "Shimane"),
    ("岡山県", "Okayama"),
    ("広島県", "Hiroshima"),
    ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"),
    ("香川県", "Kagawa"),
    ("愛媛県", "Ehime"),
    ("高知県", "Kochi"),
    ("福岡県", "Fukuoka"),
    ("佐賀県", "Saga"),
    ("長崎県", "Nagasaki"),
    ("熊本県", "Kumamoto"),
    ("大分県", "Oita"),
    ("宮崎県", "Miyazaki"),
    ("鹿児島県", "Kagoshima"),
    ("沖縄県", "Okinawa"),
];

/// The English name of a prefecture given in Japanese (the name itself when unknown).
pub fn prefecture_en(japanese: &str) -> &str {
    PREFECTURES.iter().find(|(ja, _)| *ja == japanese).map_or(japanese, |(_, en)| en)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample_input() -> ApplicationInput {
        ApplicationInput {
            course: Some("utm".into()),
            company: CompanyInput {
                name: "株式会社サンプル".into(),
                name_kana: "かぶしきがいしゃさんぷる".into(),
                corporate_number: Some("７００００１２０５０００２".into()),
                sole_proprietor: false,
                postal_code: "１６３８００１".into(),
                prefecture: "東京都".into(),
                address: "新宿区西新宿2-8-1".into(),
                industry: "manufacturing".into(),
                capital_yen: Some(LooseNumber::Text("10,000,000".into())),
                employees: Some(LooseNumber::Int(25)),
                representative_name: "山田 太郎".into(),
                representative_title: Some("代表取締役".into()),
            },
            contact: ContactInput {
                name: "佐藤 花子".into(),
                name_kana: "サトウ ハナコ".into(),
                department: Some("総務部".into()),
                email: "hanako@example.jp".into(),
                phone: "03-1234-5678".into(),
            },
            environment: EnvironmentInput {
                connection_layout: Some("光回線→ルーター→スイッチングハブ".into()),
                free_hub_port: Some("yes".into()),
                existing_utm: Some(false),
                existing_utm_vendor: None,
                policy_status: Some("none".into()),
            },
            previous_participant: false,
            uses_equivalent_tokyo_subsidy: false,
            declarations: Declarations { a: true, b: true, c: true, d: true, e: true, f: true, g: true },
            privacy_policy_accepted: true,
            language: None,
        }
    }

    #[test]
    fn full_width_and_hiragana_input_is_normalised() {
        let application = validate(&sample_input()).expect("valid");
        assert_eq!(application.company.corporate_number.as_ref().unwrap().as_str(), "7000012050002");
        assert_eq!(application.company.postal_code.as_str(), "163-8001");
        assert_eq!(application.company.name_kana.as_str(), "カブシキガイシャサンプル");
        assert_eq!(application.company.capital_yen, Some(10_000_000));
        assert_eq!(application.duplicate_key(), "cn:7000012050002");
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut input = sample_input();
        input.course = None;
        input.company.corporate_number = Some("7000012050003".into());
        input.company.employees = Some(LooseNumber::Text("たくさん".into()));
        input.contact.email = "hanako@".into();
        input.privacy_policy_accepted = false;
        let issues = validate(&input).unwrap_err();
        let fields: Vec<&str> = issues.0.iter().map(|i| i.field).collect();
        assert_eq!(
            fields,
            ["course", "company.corporate_number", "company.employees", "contact.email", "privacy_policy_accepted"]
        );
    }

    #[test]
    fn sole_proprietor_needs_no_corporate_number_or_capital() {
        let mut input = sample_input();
        input.company.sole_proprietor = true;
        input.company.corporate_number = None;
        input.company.capital_yen = None;
        let application = validate(&input).expect("valid");
        assert_eq!(application.company.capital_yen, None);
        assert_eq!(application.duplicate_key(), "sp:株式会社サンプル|新宿区西新宿2-8-1");
    }

    #[test]
    fn company_without_corporate_number_is_refused() {
        let mut input = sample_input();
        input.company.corporate_number = Some("  ".into());
        let issues = validate(&input).unwrap_err();
        assert!(issues.get("company.corporate_number").is_some());
    }

    /// `input` without `field`'s answer, as a form left blank or a JSON body leaving it out.
    fn without(mut input: ApplicationInput, field: &str) -> ApplicationInput {
        let (c, p, e) = (&mut input.company, &mut input.contact, &mut input.environment);
        match field {
            "course" => input.course = None,
            "company.name" => c.name.clear(),
            "company.name_kana" => c.name_kana.clear(),
            "company.corporate_number" => c.corporate_number = None,
            "company.postal_code" => c.postal_code.clear(),
            "company.prefecture" => c.prefecture.clear(),
            "company.address" => c.address.clear(),
            "company.industry" => c.industry.clear(),
            "company.capital_yen" => c.capital_yen = None,
            "company.employees" => c.employees = None,
            "company.representative_name" => c.representative_name.clear(),
            "company.representative_title" => c.representative_title = None,
            "contact.name" => p.name.clear(),
            "contact.name_kana" => p.name_kana.clear(),
            "contact.department" => p.department = None,
            "contact.email" => p.email.clear(),
            "contact.phone" => p.phone.clear(),
            "environment.connection_layout" => e.connection_layout = None,
            "environment.free_hub_port" => e.free_hub_port = None,
            "environment.existing_utm" => e.existing_utm = None,
            "environment.existing_utm_vendor" => e.existing_utm_vendor = None,
            "environment.policy_status" => e.policy_status = None,
            "declarations" => input.declarations = Declarations::default(),
            "privacy_policy_accepted" => input.privacy_policy_accepted = false,
            other => panic!("no way to leave out {other}"),
        }
        input
    }

    fn refused(input: &ApplicationInput) -> bool {
        validate(input).map_or(true, |application| !crate::eligibility::evaluate(&application.profile()).eligible)
    }

    #[test]
    fn every_requirement_is_what_the_server_enforces() {
        let mut with_utm = sample_input();
        with_utm.environment.existing_utm = Some(true);
        with_utm.environment.existing_utm_vendor = Some("FortiGate".into());
        let mut sole_proprietor = sample_input();
        sole_proprietor.company.sole_proprietor = true;
        assert!(!refused(&with_utm) && !refused(&sole_proprietor));
        for (field, requirement) in FIELD_REQUIREMENTS {
            let company = refused(&without(with_utm.clone(), field));
            let sole = refused(&without(sole_proprietor.clone(), field));
            let expected = match requirement {
                Requirement::Required => (true, true),
                Requirement::RequiredForCompanies => (true, false),
                Requirement::Optional => (false, false),
            };
            assert_eq!((company, sole), expected, "{field} is {requirement:?}");
        }
        assert_eq!(requirement("company.capital_yen"), Some(Requirement::RequiredForCompanies));
        assert_eq!(requirement("previous_participant"), None);
    }

    #[test]
    fn every_prefecture_has_one_english_name() {
        assert_eq!(prefecture_en("東京都"), "Tokyo");
        assert_eq!(prefecture_en("沖縄県"), "Okinawa");
        assert_eq!(prefecture_en("不明"), "不明");
        let names: std::collections::HashSet<&str> = PREFECTURES.iter().map(|(_, en)| *en).collect();
        assert_eq!(names.len(), 47);
    }
}
