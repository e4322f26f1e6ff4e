//! The office menu and each role's home, both read from the permission table
//! (`domain::access::Role::may`): a role sees a link only when it may open the page, and its
//! home is the first page of the menu it may open (the expert, who may open none yet, has a
//! page of its own). The pages' handlers check the same `Action` as their entry here.

use domain::access::{Action, Role};

use crate::i18n::T;

/// One link of the office menu: the page and the permission its handler checks.
#[derive(Debug)]
pub(crate) struct MenuEntry {
    pub path: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    pub action: Action,
}

impl MenuEntry {
    pub fn label(&self, t: &T) -> &'static str {
        t.s(self.ja, self.en)
    }
}

/// Every page of the office menu, in the menu's order. The first one a role may open is its
/// home.
pub(crate) const ENTRIES: [MenuEntry; 23] = [
    MenuEntry { path: "/office/board", ja: "作業ボード", en: "Work board", action: Action::ReadCases },
    MenuEntry { path: "/office/applications", ja: "申込一覧", en: "Applications", action: Action::ReadCases },
    MenuEntry { path: "/office/approvals", ja: "都承認", en: "Approvals", action: Action::ReadApprovals },
    MenuEntry { path: "/office/seminars", ja: "説明会", en: "Seminars", action: Action::RunSeminars },
    MenuEntry { path: "/office/inquiries", ja: "問い合わせ", en: "Inquiries", action: Action::AnswerInquiries },
    MenuEntry { path: "/office/faq", ja: "よくある質問", en: "FAQ", action: Action::AnswerInquiries },
    MenuEntry { path: "/office/guidance", ja: "経営指導", en: "Guidance", action: Action::Guide },
    MenuEntry {
        path: "/office/risk", ja: "リスクアセスメント", en: "Risk assessment", action: Action::Assess
    },
    MenuEntry { path: "/office/devices", ja: "UTM機器", en: "Devices", action: Action::ManageDevices },
    MenuEntry {
        path: "/office/trial-ends", ja: "体験終了・撤去", en: "Trial ends", action: Action::ManageDevices
    },
    MenuEntry {
        path: "/office/incidents", ja: "インシデント窓口", en: "Incident desk", action: Action::ReadIncidents
    },
    MenuEntry {
        path: "/office/reports/monthly",
        ja: "月次レポート",
        en: "Monthly reports",
        action: Action::ManageDevices,
    },
    MenuEntry {
        path: "/office/reports/contact-breaches",
        ja: "連絡期限超過(CSV)",
        en: "Contact breaches (CSV)",
        action: Action::ReadApprovals,
    },
    MenuEntry {
        path: "/office/incidents/figures",
        ja: "インシデント月次集計",
        en: "Incident figures",
        action: Action::ReadIncidentFigures,
    },
    MenuEntry {
        path: "/office/guidance/figures",
        ja: "経営指導の集計",
        en: "Guidance figures",
        action: Action::ReadGuidanceFigures,
    },
    MenuEntry {
        path: "/office/inquiries/figures",
        ja: "問い合わせの集計",
        en: "Inquiry figures",
        action: Action::ReadInquiryFigures,
    },
    MenuEntry {
        path: "/office/risk/figures",
        ja: "リスク評価の集計",
        en: "Risk assessment figures",
        action: Action::ReadRiskFigures,
    },
    MenuEntry { path: "/office/case-studies", ja: "事例", en: "Case studies", action: Action::WriteCaseStudies },
    MenuEntry { path: "/office/surveys", ja: "アンケート", en: "Surveys", action: Action::ReadSurveyFigures },
    MenuEntry {
        path: "/office/reports/results",
        ja: "事業実績報告",
        en: "Results report",
        action: Action::ReadResultsReport,
    },
    MenuEntry {
        path: "/office/reports/timeline",
        ja: "経過一覧(CSV)",
        en: "Timeline (CSV)",
        action: Action::ReadCases,
    },
    MenuEntry {
        path: "/office/programmes", ja: "年度・コース設定", en: "Programme years", action: Action::Administer
    },
    MenuEntry { path: "/office/users", ja: "利用者", en: "Users", action: Action::Administer },
];

/// The home of a role that may open no page of the menu (the expert, for now).
pub(crate) const OWN_HOME: &str = "/office/home";

/// Where a staff user lands after signing in, and where `/office` and the header link lead.
pub(crate) fn home(role: Role) -> &'static str {
    ENTRIES.iter().find(|entry| role.may(entry.action)).map_or(OWN_HOME, |entry| entry.path)
}

/// What the office navigation shows a role.
#[derive(Debug, Clone)]
pub(crate) struct Menu {
    pub entries: Vec<&'static MenuEntry>,
    pub home: &'static str,
    pub role: Role,
}

impl Menu {
    pub fn of(role: Role) -> Menu {
        Menu { entries: ENTRIES.iter().filter(|entry| role.may(entry.action)).collect(), home: home(role), role }
    }

    /// The role's own home page is not in the menu: linked on its own.
    pub fn has_own_home(&self) -> bool {
        self.home == OWN_HOME
    }

    /// What the role can do instead, for the page that refuses it (Japanese or English).
    pub fn instead(&self, t: &T) -> &'static str {
        match self.role {
            Role::Administrator | Role::Secretariat => t.s(
                "申込・案件の対応、経営指導、UTM機器と月次レポートは上のメニューから開けます。",
                "Applications, cases, guidance, devices and monthly reports are in the menu above.",
            ),
            Role::TokyoOfficial => t.s(
                "東京都のアカウントでは、承認待ちの案件の確認・承認・差戻し、連絡期限超過の報告とインシデント窓口の月次集計の確認を行えます。",
                "A Tokyo account reviews, approves and returns the cases awaiting approval, and reads the contact-breach report and the incident desk's monthly figures.",
            ),
            Role::UtmOperator => t.s(
                "UTM受託事業者のアカウントでは、UTM機器、体験終了と撤去、インシデント窓口、月次レポートを扱えます。",
                "A UTM operator account manages devices, trial ends and removals, the incident desk and monthly reports.",
            ),
            Role::Expert => t.s(
                "専門家のアカウントでは、担当する企業の経営指導（訪問の予定と報告、自社診断）を行えます。担当外の企業は表示されません。",
                "An expert account guides the companies assigned to it (visits and their reports, the self-diagnosis); no other company is shown.",
            ),
            Role::Company => t.s("参加企業のページはポータルにあります。", "Company pages are in the portal."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_lands_on_the_first_page_it_may_open() {
        assert_eq!(home(Role::Secretariat), "/office/board");
        assert_eq!(home(Role::Administrator), "/office/board");
        assert_eq!(home(Role::TokyoOfficial), "/office/approvals");
        assert_eq!(home(Role::UtmOperator), "/office/devices");
        assert_eq!(home(Role::Expert), "/office/guidance");
    }

    #[test]
    fn the_menu_holds_exactly_what_the_table_allows() {
        for role in Role::ALL {
            let menu = Menu::of(role);
            for entry in &ENTRIES {
                let shown = menu.entries.iter().any(|e| e.path == entry.path);
                assert_eq!(shown, role.may(entry.action), "{role:?} {}", entry.path);
            }
        }
        let expert: Vec<&str> = Menu::of(Role::Expert).entries.iter().map(|e| e.path).collect();
        assert_eq!(expert, ["/office/guidance", "/office/risk"], "an expert's menu is its companies, by course");
    }
}
