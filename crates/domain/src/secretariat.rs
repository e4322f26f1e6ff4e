//! The secretariat's contact details (募集要項 11. 問い合わせ先) and the language a company is
//! written to in.
//!
//! Each programme year names its own secretariat (the contractor may change from year to year):
//! its name, phone, e-mail and hours. Every page's footer, every error page and the foot of every
//! e-mail show the details of the programme year concerned, so a company that is stuck always
//! sees whom to call and when.

use serde::{Deserialize, Serialize};

use crate::text::{self, EmailAddress, FieldError, PhoneNumber};

/// Longest secretariat name or hours text accepted.
pub const MAX_TEXT_CHARS: usize = 100;

/// The language a company chose when it applied; its e-mails are written in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Ja,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Language> {
        match code {
            "ja" => Some(Language::Ja),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    pub fn is_en(self) -> bool {
        self == Language::En
    }

    /// Picks the text in this language.
    pub fn pick<'a>(self, ja: &'a str, en: &'a str) -> &'a str {
        if self.is_en() { en } else { ja }
    }
}

/// The contact details as a programme file (`[secretariat]`) or the office form gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretariatSpec {
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// 受付時間, e.g. 「平日 9:00～17:00（祝日を除く）」.
    #[serde(default)]
    pub hours: Option<String>,
    #[serde(default)]
    pub hours_en: Option<String>,
}

/// Checked contact details. Built by [`Secretariat::parse`] (or [`Secretariat::unnamed`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Secretariat {
    name_ja: String,
    name_en: String,
    phone: Option<PhoneNumber>,
    email: Option<EmailAddress>,
    hours_ja: String,
    hours_en: String,
}

/// Which detail was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {error}")]
pub struct SecretariatError {
    /// `name`, `name_en`, `phone`, `email`, `hours` or `hours_en`.
    pub field: &'static str,
    pub error: FieldError,
}

const DEFAULT_NAME_JA: &str = "中小企業サイバーセキュリティ向上支援事業 運営事務局";
const DEFAULT_NAME_EN: &str = "SME Cybersecurity Improvement Support Programme secretariat";
const DEFAULT_HOURS_JA: &str = "平日 9:00～17:00（祝日を除く）";
const DEFAULT_HOURS_EN: &str = "Weekdays 9:00–17:00 JST (except public holidays)";

impl Secretariat {
    /// What pages and e-mails say for a programme year whose secretariat has not been entered:
    /// the programme's name and the guidelines' hours, without a phone or an address.
    pub fn unnamed() -> Secretariat {
        Secretariat {
            name_ja: DEFAULT_NAME_JA.into(),
            name_en: DEFAULT_NAME_EN.into(),
            phone: None,
            email: None,
            hours_ja: DEFAULT_HOURS_JA.into(),
            hours_en: DEFAULT_HOURS_EN.into(),
        }
    }

    /// Checks every detail; blank optional ones are left out, a blank English text falls back to
    /// the Japanese one (names) or to the default hours.
    pub fn parse(spec: &SecretariatSpec) -> Result<Secretariat, SecretariatError> {
        let refuse = |field| move |error| SecretariatError { field, error };
        let name_ja =
            one_line(&spec.name).map_err(refuse("name"))?.ok_or(FieldError::Required).map_err(refuse("name"))?;
        let optional = |value: &Option<String>, field| one_line(value.as_deref().unwrap_or("")).map_err(refuse(field));
        let name_en = optional(&spec.name_en, "name_en")?.unwrap_or_else(|| name_ja.clone());
        let hours_ja = optional(&spec.hours, "hours")?;
        let hours_en = optional(&spec.hours_en, "hours_en")?;
        let phone = match spec.phone.as_deref().map(str::trim) {
            Some(phone) if !phone.is_empty() => Some(PhoneNumber::parse(phone).map_err(refuse("phone"))?),
            _ => None,
        };
        let email = match spec.email.as_deref().map(str::trim) {
            Some(email) if !email.is_empty() => Some(EmailAddress::parse(email).map_err(refuse("email"))?),
            _ => None,
        };
        Ok(Secretariat {
            name_ja,
            name_en,
            phone,
            email,
            hours_en: hours_en
                .unwrap_or_else(|| if hours_ja.is_some() { String::new() } else { DEFAULT_HOURS_EN.into() }),
            hours_ja: hours_ja.unwrap_or_else(|| DEFAULT_HOURS_JA.into()),
        })
    }

    /// The details back as the office form shows them.
    pub fn spec(&self) -> SecretariatSpec {
        SecretariatSpec {
            name: self.name_ja.clone(),
            name_en: Some(self.name_en.clone()),
            phone: self.phone.as_ref().map(|p| p.as_str().to_string()),
            email: self.email.as_ref().map(|e| e.as_str().to_string()),
            hours: Some(self.hours_ja.clone()),
            hours_en: Some(self.hours_en.clone()),
        }
    }

    pub fn name(&self, language: Language) -> &str {
        language.pick(&self.name_ja, &self.name_en)
    }

    /// 受付時間; in English the Japanese text when no English one was given.
    pub fn hours(&self, language: Language) -> &str {
        if language.is_en() && !self.hours_en.is_empty() { &self.hours_en } else { &self.hours_ja }
    }

    pub fn phone(&self) -> Option<&str> {
        self.phone.as_ref().map(PhoneNumber::as_str)
    }

    /// The phone number as a `tel:` link target.
    pub fn phone_digits(&self) -> Option<String> {
        self.phone.as_ref().map(PhoneNumber::digits)
    }

    pub fn email(&self) -> Option<&str> {
        self.email.as_ref().map(EmailAddress::as_str)
    }

    /// The signature at the foot of an e-mail: the name, then phone, e-mail and hours, one per line.
    pub fn signature(&self, language: Language) -> String {
        let mut lines = vec![self.name(language).to_string()];
        if let Some(phone) = self.phone() {
            lines.push(format!("{}{phone}", language.pick("電話：", "Phone: ")));
        }
        if let Some(email) = self.email() {
            lines.push(format!("{}{email}", language.pick("メール：", "E-mail: ")));
        }
        lines.push(format!("{}{}", language.pick("受付時間：", "Hours: "), self.hours(language)));
        lines.join("\n")
    }
}

/// One line of text as typed (trimmed only: 「9:00～17:00」 keeps its wave dash), at most
/// [`MAX_TEXT_CHARS`] characters, without control characters or line breaks; blank is `None`.
fn one_line(input: &str) -> Result<Option<String>, FieldError> {
    if input.chars().any(char::is_control) {
        return Err(FieldError::ControlCharacter);
    }
    if text::too_long(input, MAX_TEXT_CHARS) {
        return Err(FieldError::TooLong { max: MAX_TEXT_CHARS });
    }
    let trimmed = input.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r5() -> SecretariatSpec {
        SecretariatSpec {
            name: "中小企業サイバーセキュリティ向上支援事業運営事務局".into(),
            name_en: Some("Programme secretariat".into()),
            phone: Some("０５０-４５６０-３８２４".into()),
            email: Some("office@Example.JP".into()),
            hours: Some("平日 9:00～17:00（祝日を除く）".into()),
            hours_en: None,
        }
    }

    #[test]
    fn details_are_checked_and_normalised() {
        let secretariat = Secretariat::parse(&r5()).unwrap();
        assert_eq!(secretariat.phone(), Some("050-4560-3824"));
        assert_eq!(secretariat.phone_digits().as_deref(), Some("05045603824"));
        assert_eq!(secretariat.email(), Some("office@example.jp"));
        assert_eq!(secretariat.name(Language::En), "Programme secretariat");
        // No English hours given: English pages show the Japanese text rather than a made-up one.
        assert_eq!(secretariat.hours(Language::En), "平日 9:00～17:00（祝日を除く）");
        assert_eq!(Secretariat::parse(&secretariat.spec()).unwrap(), secretariat, "the form's values round-trip");

        let refused = |spec: SecretariatSpec| Secretariat::parse(&spec).unwrap_err();
        assert_eq!(refused(SecretariatSpec { name: " ".into(), ..r5() }).field, "name");
        assert_eq!(refused(SecretariatSpec { phone: Some("12345".into()), ..r5() }).field, "phone");
        assert_eq!(refused(SecretariatSpec { email: Some("office@".into()), ..r5() }).field, "email");
        let long = SecretariatSpec { hours: Some("あ".repeat(MAX_TEXT_CHARS + 1)), ..r5() };
        assert_eq!(refused(long).error, FieldError::TooLong { max: MAX_TEXT_CHARS });
        assert_eq!(refused(SecretariatSpec { name_en: Some("a\u{7}b".into()), ..r5() }).field, "name_en");
    }

    #[test]
    fn the_signature_lists_what_is_known_in_the_recipients_language() {
        let secretariat = Secretariat::parse(&r5()).unwrap();
        assert_eq!(
            secretariat.signature(Language::Ja),
            "中小企業サイバーセキュリティ向上支援事業運営事務局\n電話：050-4560-3824\nメール：office@example.jp\n受付時間：平日 9:00～17:00（祝日を除く）"
        );
        let unnamed = Secretariat::unnamed().signature(Language::En);
        assert_eq!(unnamed.lines().count(), 2, "no phone or e-mail is invented: {unnamed}");
        assert!(unnamed.starts_with("SME Cybersecurity") && unnamed.ends_with("(except public holidays)"));
        // Blank optional details are left out, not kept as empty strings.
        let bare = Secretariat::parse(&SecretariatSpec {
            name: "事務局".into(),
            phone: Some(" ".into()),
            email: Some(String::new()),
            ..SecretariatSpec::default()
        })
        .unwrap();
        assert_eq!(bare.phone(), None);
        assert_eq!(bare.email(), None);
        assert_eq!(bare.name(Language::En), "事務局");
        assert_eq!(bare.hours(Language::En), DEFAULT_HOURS_EN);
    }
}
