//! Course ① devices: the site survey, installation, the free trial of up to 3 months, and the
//! end (removal, or continuation under a contract with the UTM operator) — 募集要項 8. 支援①.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The outcome of the site survey (現場調査).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyResult {
    Pending,
    Installable,
    NotInstallable,
}

impl SurveyResult {
    pub fn code(self) -> &'static str {
        match self {
            SurveyResult::Pending => "pending",
            SurveyResult::Installable => "installable",
            SurveyResult::NotInstallable => "not_installable",
        }
    }

    pub fn from_code(code: &str) -> Option<SurveyResult> {
        [SurveyResult::Pending, SurveyResult::Installable, SurveyResult::NotInstallable]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            SurveyResult::Pending => "現場調査前",
            SurveyResult::Installable => "設置可",
            SurveyResult::NotInstallable => "設置不可",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SurveyResult::Pending => "Survey pending",
            SurveyResult::Installable => "Installable",
            SurveyResult::NotInstallable => "Cannot be installed",
        }
    }
}

/// Where a device stands, derived from its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStage {
    /// Registered; survey or installation pending.
    Planned,
    /// Installed, within the free trial.
    InTrial,
    /// The trial has ended and neither removal nor continuation is recorded: staff must act.
    TrialEnded,
    Removed,
    /// The company contracted the UTM operator to keep it.
    Continued,
}

impl DeviceStage {
    pub fn label_ja(self) -> &'static str {
        match self {
            DeviceStage::Planned => "設置前",
            DeviceStage::InTrial => "無償体験中",
            DeviceStage::TrialEnded => "体験期間終了（撤去または継続の手続待ち）",
            DeviceStage::Removed => "撤去済",
            DeviceStage::Continued => "継続契約",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DeviceStage::Planned => "Not yet installed",
            DeviceStage::InTrial => "In the free trial",
            DeviceStage::TrialEnded => "Trial ended (removal or continuation pending)",
            DeviceStage::Removed => "Removed",
            DeviceStage::Continued => "Continued under contract",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            DeviceStage::Planned => "planned",
            DeviceStage::InTrial => "in_trial",
            DeviceStage::TrialEnded => "trial_ended",
            DeviceStage::Removed => "removed",
            DeviceStage::Continued => "continued",
        }
    }
}

/// The trial's months (募集要項 8.: 最大3ヵ月間).
pub const TRIAL_MONTHS: u32 = 3;

/// The last day of the free trial: the day before the same date three months after installation
/// (installed 2023-10-10 → last day 2024-01-09; month ends clamp: 11-30 → 2024-02-28).
pub fn trial_last_day(installed: NaiveDate) -> NaiveDate {
    let end = installed.checked_add_months(Months::new(TRIAL_MONTHS)).expect("dates far from the end of time");
    end.pred_opt().expect("not the first day of time")
}

/// Days left in the trial on `today`, counting today; 0 once it has ended.
pub fn trial_days_left(installed: NaiveDate, today: NaiveDate) -> i64 {
    ((trial_last_day(installed) - today).num_days() + 1).max(0)
}

pub fn stage(
    installed: Option<NaiveDate>,
    removed: Option<NaiveDate>,
    continued: Option<NaiveDate>,
    today: NaiveDate,
) -> DeviceStage {
    match (installed, removed, continued) {
        (_, Some(_), _) => DeviceStage::Removed,
        (_, None, Some(_)) => DeviceStage::Continued,
        (None, None, None) => DeviceStage::Planned,
        (Some(installed), None, None) if today <= trial_last_day(installed) => DeviceStage::InTrial,
        (Some(_), None, None) => DeviceStage::TrialEnded,
    }
}

/// What the company chose for after the free trial (募集要項 §8 ①: continue under a contract with
/// the UTM operator, or have the UTM removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialChoice {
    Continue,
    Remove,
}

impl TrialChoice {
    pub fn code(self) -> &'static str {
        match self {
            TrialChoice::Continue => "continue",
            TrialChoice::Remove => "remove",
        }
    }

    pub fn from_code(code: &str) -> Option<TrialChoice> {
        [TrialChoice::Continue, TrialChoice::Remove].into_iter().find(|c| c.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            TrialChoice::Continue => "継続を希望（UTM事業者と契約）",
            TrialChoice::Remove => "撤去を希望",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            TrialChoice::Continue => "Continue (contract with the UTM provider)",
            TrialChoice::Remove => "Remove the UTM",
        }
    }
}

/// From how many days before the trial's last day the company is asked to choose.
pub const CHOICE_OPENS_DAYS: i64 = 30;

/// Whether the company is asked to choose on `today`: installed, neither removed nor continued,
/// from 30 days before the trial's last day (and after it, until staff record the outcome).
pub fn choice_open(
    installed: Option<NaiveDate>,
    removed: Option<NaiveDate>,
    continued: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    match (installed, removed, continued) {
        (Some(installed), None, None) => (trial_last_day(installed) - today).num_days() < CHOICE_OPENS_DAYS,
        _ => false,
    }
}

/// Whether the programme has stopped watching the device on `today`: it was removed, or the
/// company continues under its own contract and the trial's last day has passed (its logs are
/// then no longer stored and no monthly report is made).
pub fn out_of_programme(
    installed: Option<NaiveDate>,
    removed: Option<NaiveDate>,
    continued: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    removed.is_some() || (continued.is_some() && installed.is_some_and(|on| today > trial_last_day(on)))
}

/// The last day the programme watches a device, if it ends: the removal day, or the trial's
/// last day for a continued device.
pub fn monitored_until(
    installed: Option<NaiveDate>,
    removed: Option<NaiveDate>,
    continued: Option<NaiveDate>,
) -> Option<NaiveDate> {
    match (installed, removed, continued) {
        (_, Some(removed), _) => Some(removed),
        (Some(installed), None, Some(_)) => Some(trial_last_day(installed)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[rstest]
    #[case(date(2023, 10, 10), date(2024, 1, 9))]
    #[case(date(2023, 11, 30), date(2024, 2, 28))]
    #[case(date(2023, 12, 1), date(2024, 2, 29))]
    #[case(date(2024, 1, 31), date(2024, 4, 29))]
    fn the_trial_lasts_three_months(#[case] installed: NaiveDate, #[case] last: NaiveDate) {
        assert_eq!(trial_last_day(installed), last);
    }

    #[test]
    fn days_left_count_today_and_stop_at_zero() {
        let installed = date(2023, 10, 10);
        assert_eq!(trial_days_left(installed, date(2024, 1, 9)), 1);
        assert_eq!(trial_days_left(installed, date(2024, 1, 10)), 0);
        assert_eq!(trial_days_left(installed, date(2023, 10, 10)), 92);
    }

    #[test]
    fn stages_follow_the_dates() {
        let installed = Some(date(2023, 10, 10));
        assert_eq!(stage(None, None, None, date(2023, 10, 1)), DeviceStage::Planned);
        assert_eq!(stage(installed, None, None, date(2024, 1, 9)), DeviceStage::InTrial);
        assert_eq!(stage(installed, None, None, date(2024, 1, 10)), DeviceStage::TrialEnded);
        assert_eq!(stage(installed, Some(date(2024, 1, 12)), None, date(2024, 2, 1)), DeviceStage::Removed);
        assert_eq!(stage(installed, None, Some(date(2024, 1, 9)), date(2024, 2, 1)), DeviceStage::Continued);
    }

    #[test]
    fn the_choice_opens_thirty_days_before_the_last_day_and_the_programme_lets_go_after_it() {
        let installed = date(2026, 9, 10); // last day 2026-12-09
        assert!(!choice_open(Some(installed), None, None, date(2026, 11, 9)), "31 days before");
        assert!(choice_open(Some(installed), None, None, date(2026, 11, 10)), "30 days before");
        assert!(choice_open(Some(installed), None, None, date(2026, 12, 20)), "after it, until recorded");
        assert!(!choice_open(Some(installed), None, Some(date(2026, 12, 1)), date(2026, 12, 2)));
        assert!(!choice_open(None, None, None, date(2026, 12, 2)));
        let continued = Some(date(2026, 12, 1));
        assert!(!out_of_programme(Some(installed), None, continued, date(2026, 12, 9)), "watched to the last day");
        assert!(out_of_programme(Some(installed), None, continued, date(2026, 12, 10)));
        assert!(out_of_programme(Some(installed), Some(date(2026, 11, 1)), None, date(2026, 11, 2)));
        assert!(!out_of_programme(Some(installed), None, None, date(2027, 1, 10)), "undecided: still watched");
        assert_eq!(monitored_until(Some(installed), None, continued), Some(date(2026, 12, 9)));
        assert_eq!(monitored_until(Some(installed), Some(date(2026, 11, 1)), None), Some(date(2026, 11, 1)));
        assert_eq!(monitored_until(Some(installed), None, None), None);
        assert_eq!(TrialChoice::from_code("remove"), Some(TrialChoice::Remove));
        assert_eq!(TrialChoice::from_code("keep"), None);
    }
}
