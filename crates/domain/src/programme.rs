//! Programme years (年度) and their courses: codes, application windows and capacities.
//!
//! Everything dated or counted here is one fiscal year's configuration (募集要項 3.–4.);
//! several years coexist and one is current. Windows are whole days in Asia/Tokyo:
//! a course accepts applications from its start date 00:00 to its end date 23:59:59 JST.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use serde::{Deserialize, Serialize};

use crate::secretariat::{Secretariat, SecretariatError, SecretariatSpec};

/// The two support courses of 募集要項 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CourseCode {
    /// 支援① UTM機器設置コース
    Utm,
    /// 支援② セキュリティリスクアセスメントコース
    RiskAssessment,
}

impl CourseCode {
    pub const ALL: [CourseCode; 2] = [CourseCode::Utm, CourseCode::RiskAssessment];

    pub fn code(self) -> &'static str {
        match self {
            CourseCode::Utm => "utm",
            CourseCode::RiskAssessment => "risk_assessment",
        }
    }

    pub fn from_code(code: &str) -> Option<CourseCode> {
        CourseCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The default Japanese name, used when a programme file gives none.
    pub fn default_name_ja(self) -> &'static str {
        match self {
            CourseCode::Utm => "支援① UTM機器設置コース",
            CourseCode::RiskAssessment => "支援② セキュリティリスクアセスメントコース",
        }
    }

    pub fn default_name_en(self) -> &'static str {
        match self {
            CourseCode::Utm => "Course 1: UTM installation",
            CourseCode::RiskAssessment => "Course 2: Security risk assessment",
        }
    }
}

/// Where an instant stands relative to a course's application window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    NotYetOpen,
    Open,
    Closed,
}

/// An application window: inclusive whole days in Asia/Tokyo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourseWindow {
    start: NaiveDate,
    end: NaiveDate,
}

impl CourseWindow {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<CourseWindow, ProgrammeError> {
        if end < start {
            return Err(ProgrammeError::WindowEndsBeforeStart { start, end });
        }
        Ok(CourseWindow { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// The first instant applications are accepted (start date 00:00 JST).
    pub fn opens_at(&self) -> DateTime<Utc> {
        tokyo_day_start(self.start)
    }

    /// The first instant applications are no longer accepted (the day after the end date, 00:00 JST).
    pub fn closes_at(&self) -> DateTime<Utc> {
        tokyo_day_start(self.end.succ_opt().unwrap_or(self.end))
    }

    pub fn state_at(&self, at: DateTime<Utc>) -> WindowState {
        if at < self.opens_at() {
            WindowState::NotYetOpen
        } else if at < self.closes_at() {
            WindowState::Open
        } else {
            WindowState::Closed
        }
    }
}

/// A course's places as its row holds them: first come, first served, then a waitlist whose
/// positions are never reused. The one definition of "a place or the waitlist", used by the
/// submission, the group commit and the course decision alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Places {
    pub capacity: i32,
    pub taken: i32,
    /// The last waitlist position handed out.
    pub waitlist_seq: i32,
}

/// Where [`Places::take`] put an applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placed {
    Place,
    Waitlist { position: i32 },
}

impl Places {
    /// Takes a free place if there is one, otherwise the next waitlist position.
    pub fn take(&mut self) -> Placed {
        if self.taken < self.capacity {
            self.taken += 1;
            Placed::Place
        } else {
            self.waitlist_seq += 1;
            Placed::Waitlist { position: self.waitlist_seq }
        }
    }

    /// Gives a place back; returns whether the first waiting applicant can now take one.
    pub fn release(&mut self) -> bool {
        self.taken = (self.taken - 1).max(0);
        self.taken < self.capacity
    }
}

/// The first instant of a whole day in Asia/Tokyo.
pub fn tokyo_day_start(date: NaiveDate) -> DateTime<Utc> {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    Tokyo
        .from_local_datetime(&midnight)
        .single()
        .expect("Asia/Tokyo has no DST, so local midnight is unambiguous")
        .with_timezone(&Utc)
}

/// A programme year as written in `programmes/*.toml` and imported by `kojo programme import`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeSpec {
    /// The Japanese fiscal year (April–March) by its starting Gregorian year: 2023 is 令和5年度.
    pub fiscal_year: i32,
    pub name: String,
    #[serde(default)]
    pub name_en: Option<String>,
    pub courses: Vec<CourseSpec>,
    /// 問い合わせ先: who companies of this year call and write to (`[secretariat]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secretariat: Option<SecretariatSpec>,
    /// The year's briefing seminars (`[[seminars]]`, 募集要項 §9).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seminars: Vec<crate::seminar::SeminarSpec>,
    /// The course ① incident desk: the lead's address and SLA targets (`[incident_desk]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_desk: Option<crate::incident::DeskSpec>,
    /// Inquiries (`[inquiries]`): the target for a first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inquiries: Option<InquirySpec>,
}

/// `[inquiries]` of a programme file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InquirySpec {
    /// `next_day` (by 17:00 on the next business day, the default) or `hours:N` (within N business
    /// hours, 1–200).
    pub first_answer: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseSpec {
    pub code: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub name_en: Option<String>,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    pub capacity: u32,
}

/// A course of a programme year, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidCourse {
    pub code: CourseCode,
    pub name_ja: String,
    pub name_en: String,
    pub window: CourseWindow,
    pub capacity: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValidProgramme {
    pub fiscal_year: i32,
    pub name_ja: String,
    pub name_en: String,
    pub courses: Vec<ValidCourse>,
    /// `None` when the file names none: pages and e-mails then use [`Secretariat::unnamed`].
    pub secretariat: Option<Secretariat>,
    pub seminars: Vec<crate::seminar::ValidSeminar>,
    /// The incident desk as the file gives it, checked; `None` keeps what is stored (defaults
    /// when nothing is).
    pub incident_desk: Option<crate::incident::DeskSpec>,
    /// The inquiries' first-answer target as the file gives it; `None` keeps what is stored
    /// (the default when nothing is).
    pub inquiry_target: Option<crate::inquiry::Target>,
}

/// The largest capacity a course may have; far above any real programme, low enough to catch typos.
pub const MAX_CAPACITY: u32 = 100_000;

impl ProgrammeSpec {
    pub fn validate(&self) -> Result<ValidProgramme, ProgrammeError> {
        if !(2019..=2100).contains(&self.fiscal_year) {
            return Err(ProgrammeError::FiscalYear(self.fiscal_year));
        }
        let name_ja = self.name.trim().to_string();
        if name_ja.is_empty() {
            return Err(ProgrammeError::EmptyName);
        }
        if self.courses.is_empty() {
            return Err(ProgrammeError::NoCourses);
        }
        let mut courses: Vec<ValidCourse> = Vec::with_capacity(self.courses.len());
        for spec in &self.courses {
            let code =
                CourseCode::from_code(&spec.code).ok_or_else(|| ProgrammeError::UnknownCourse(spec.code.clone()))?;
            if courses.iter().any(|c| c.code == code) {
                return Err(ProgrammeError::DuplicateCourse(spec.code.clone()));
            }
            if spec.capacity > MAX_CAPACITY {
                return Err(ProgrammeError::Capacity(spec.capacity));
            }
            let window = CourseWindow::new(spec.window_start, spec.window_end)?;
            courses.push(ValidCourse {
                code,
                name_ja: non_empty_or(spec.name.as_deref(), code.default_name_ja()),
                name_en: non_empty_or(spec.name_en.as_deref(), code.default_name_en()),
                window,
                capacity: spec.capacity,
            });
        }
        let secretariat = self.secretariat.as_ref().map(Secretariat::parse).transpose()?;
        let mut seminars: Vec<crate::seminar::ValidSeminar> = Vec::with_capacity(self.seminars.len());
        for spec in &self.seminars {
            let seminar = spec.validate()?;
            if seminars.iter().any(|s| s.code == seminar.code) {
                return Err(crate::seminar::SeminarError::DuplicateCode(seminar.code).into());
            }
            seminars.push(seminar);
        }
        if let Some(desk) = &self.incident_desk {
            desk.validate()?;
        }
        let inquiry_target = match &self.inquiries {
            Some(spec) => Some(
                crate::inquiry::Target::from_code(spec.first_answer.trim())
                    .ok_or_else(|| ProgrammeError::InquiryTarget(spec.first_answer.clone()))?,
            ),
            None => None,
        };
        Ok(ValidProgramme {
            incident_desk: self.incident_desk.clone(),
            inquiry_target,
            seminars,
            fiscal_year: self.fiscal_year,
            secretariat,
            name_en: non_empty_or(self.name_en.as_deref(), &name_ja),
            name_ja,
            courses,
        })
    }
}

fn non_empty_or(value: Option<&str>, fallback: &str) -> String {
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => fallback.to_string(),
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProgrammeError {
    #[error("年度 {0} は範囲外です（2019〜2100）")]
    FiscalYear(i32),
    #[error("事業名が空です")]
    EmptyName,
    #[error("コースが1つもありません")]
    NoCourses,
    #[error("不明なコースコード「{0}」です（utm または risk_assessment）")]
    UnknownCourse(String),
    #[error("コース「{0}」が重複しています")]
    DuplicateCourse(String),
    #[error("定員 {0} は大きすぎます")]
    Capacity(u32),
    #[error("受付終了日 {end} が開始日 {start} より前です")]
    WindowEndsBeforeStart { start: NaiveDate, end: NaiveDate },
    #[error("運営事務局の連絡先（{}）: {}", .0.field, .0.error)]
    Secretariat(#[from] SecretariatError),
    #[error("説明会: {0}")]
    Seminar(#[from] crate::seminar::SeminarError),
    #[error("インシデント窓口: {0}")]
    Desk(#[from] crate::incident::DeskError),
    #[error("問い合わせの初回回答の目標「{0}」が読めません（next_day または hours:1〜200）")]
    InquiryTarget(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_go_first_come_first_served_then_to_the_waitlist() {
        let mut places = Places { capacity: 2, taken: 1, waitlist_seq: 0 };
        assert_eq!(places.take(), Placed::Place);
        assert_eq!(places.take(), Placed::Waitlist { position: 1 });
        assert_eq!(places.take(), Placed::Waitlist { position: 2 });
        assert_eq!(places, Places { capacity: 2, taken: 2, waitlist_seq: 2 });
        assert!(places.release(), "a freed place can go to the first waiting");
        assert_eq!(places.take(), Placed::Place);
        // Capacity lowered below the places held: releasing one does not make room.
        let mut shrunk = Places { capacity: 1, taken: 3, waitlist_seq: 5 };
        assert!(!shrunk.release());
        assert_eq!(shrunk.taken, 2);
        assert_eq!(shrunk.take(), Placed::Waitlist { position: 6 });
        let mut empty = Places { capacity: 1, taken: 0, waitlist_seq: 0 };
        assert!(empty.release(), "never below zero");
        assert_eq!(empty.taken, 0);
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn window_is_whole_days_in_tokyo() {
        let window = CourseWindow::new(date(2023, 8, 25), date(2024, 2, 9)).unwrap();
        assert_eq!(window.state_at(utc("2023-08-24T23:59:59+09:00")), WindowState::NotYetOpen);
        assert_eq!(window.state_at(utc("2023-08-25T00:00:00+09:00")), WindowState::Open);
        // 2023-08-24 15:00 UTC is already 8/25 00:00 in Tokyo.
        assert_eq!(window.state_at(utc("2023-08-24T15:00:00Z")), WindowState::Open);
        assert_eq!(window.state_at(utc("2024-02-09T23:59:59+09:00")), WindowState::Open);
        assert_eq!(window.state_at(utc("2024-02-10T00:00:00+09:00")), WindowState::Closed);
    }

    #[test]
    fn spec_rejects_bad_values() {
        let mut spec = ProgrammeSpec {
            fiscal_year: 2023,
            name: "令和5年度".into(),
            name_en: None,
            secretariat: None,
            seminars: Vec::new(),
            incident_desk: None,
            inquiries: None,
            courses: vec![CourseSpec {
                code: "utm".into(),
                name: None,
                name_en: None,
                window_start: date(2023, 8, 25),
                window_end: date(2024, 2, 9),
                capacity: 150,
            }],
        };
        let valid = spec.validate().unwrap();
        assert_eq!(valid.courses[0].name_ja, "支援① UTM機器設置コース");
        assert_eq!(valid.name_en, "令和5年度");

        spec.courses[0].window_end = date(2023, 8, 1);
        assert!(matches!(spec.validate(), Err(ProgrammeError::WindowEndsBeforeStart { .. })));
        spec.courses[0].window_end = date(2024, 2, 9);
        spec.courses.push(spec.courses[0].clone());
        assert_eq!(spec.validate(), Err(ProgrammeError::DuplicateCourse("utm".into())));
        spec.courses.pop();
        spec.courses[0].code = "vpn".into();
        assert_eq!(spec.validate(), Err(ProgrammeError::UnknownCourse("vpn".into())));
        spec.courses[0].code = "utm".into();
        spec.inquiries = Some(InquirySpec { first_answer: "hours:8".into() });
        assert_eq!(spec.validate().unwrap().inquiry_target, Some(crate::inquiry::Target::BusinessHours(8)));
        spec.inquiries = Some(InquirySpec { first_answer: "tomorrow".into() });
        assert_eq!(spec.validate(), Err(ProgrammeError::InquiryTarget("tomorrow".into())));
    }
}
