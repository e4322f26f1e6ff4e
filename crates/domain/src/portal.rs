//! Where a company lands in its portal: an e-mail that asks the company to act links to the
//! sign-in page with its task, and after signing in the company arrives at that task.

/// A task in the company portal. Only these places can be named, so a link cannot send the
/// company anywhere else after signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PortalTask {
    /// The portal's home page (status and tasks).
    #[default]
    Home,
    /// Confirming or declining the intent to take part (STEP3).
    Intent,
    /// Reviewing and returning the participation agreement (STEP4).
    Agreement,
    /// The monthly UTM reports.
    Reports,
    /// The messages with the secretariat.
    Messages,
    /// The incident desk's tickets (course ①).
    Incidents,
    /// Choosing continuation or removal at the end of the UTM trial.
    TrialChoice,
    /// Management guidance: visit reports, next steps, the self-diagnosis.
    Guidance,
    /// Course ② risk assessment: the asset register and the report.
    Risk,
    /// A case study (事例) to review and approve.
    CaseStudy,
    /// A survey to answer.
    Survey,
}

impl PortalTask {
    pub const ALL: [PortalTask; 11] = [
        PortalTask::Home,
        PortalTask::Intent,
        PortalTask::Agreement,
        PortalTask::Reports,
        PortalTask::Messages,
        PortalTask::Incidents,
        PortalTask::TrialChoice,
        PortalTask::Guidance,
        PortalTask::Risk,
        PortalTask::CaseStudy,
        PortalTask::Survey,
    ];

    /// The word in links (`?task=…`); empty for the home page.
    pub fn code(self) -> &'static str {
        match self {
            PortalTask::Home => "",
            PortalTask::Intent => "intent",
            PortalTask::Agreement => "agreement",
            PortalTask::Reports => "reports",
            PortalTask::Messages => "messages",
            PortalTask::Incidents => "incidents",
            PortalTask::TrialChoice => "trial",
            PortalTask::Guidance => "guidance",
            PortalTask::Risk => "risk",
            PortalTask::CaseStudy => "case-study",
            PortalTask::Survey => "survey",
        }
    }

    /// Reads a link's word; anything else is the home page.
    pub fn from_code(code: &str) -> PortalTask {
        PortalTask::ALL.into_iter().find(|task| !task.code().is_empty() && task.code() == code).unwrap_or_default()
    }

    /// Where the company lands after signing in.
    pub fn path(self) -> &'static str {
        match self {
            PortalTask::Home => "/portal",
            PortalTask::Intent => "/portal#task-intent",
            PortalTask::Agreement => "/portal/agreement",
            PortalTask::Reports => "/portal/reports",
            PortalTask::Messages => "/portal#messages",
            PortalTask::Incidents => "/portal/incidents",
            PortalTask::TrialChoice => "/portal#task-trial-end",
            PortalTask::Guidance => "/portal/guidance",
            PortalTask::Risk => "/portal/risk",
            PortalTask::CaseStudy => "/portal/case-studies",
            PortalTask::Survey => "/portal/surveys",
        }
    }

    /// What the company is asked to do, as the e-mail says it.
    pub fn request_ja(self) -> &'static str {
        match self {
            PortalTask::Home => "参加企業ページで現在の状況をご確認ください。",
            PortalTask::Intent => {
                "参加企業ページで、本事業への参加意思（「参加します」または「辞退します」）をお知らせください。"
            }
            PortalTask::Agreement => "参加企業ページで参加同意書をご確認のうえ、ご提出ください。",
            PortalTask::Reports => "参加企業ページでUTM月次レポートをご確認ください。",
            PortalTask::Messages => "参加企業ページで運営事務局からのメッセージをご確認ください。",
            PortalTask::Incidents => "参加企業ページで、インシデント窓口（ご相談）の状況をご確認ください。",
            PortalTask::TrialChoice => "参加企業ページで、体験期間終了後に継続するか撤去するかをお選びください。",
            PortalTask::Guidance => "参加企業ページで、経営指導の報告と次回までの取組みをご確認ください。",
            PortalTask::Risk => "参加企業ページで、リスクアセスメントの報告書をご確認ください。",
            PortalTask::CaseStudy => {
                "参加企業ページで事例の原稿をご確認のうえ、承認または修正のご依頼をお願いします。承認いただいた原稿のみ公開します。"
            }
            PortalTask::Survey => "参加企業ページでアンケートにご回答ください。",
        }
    }

    pub fn request_en(self) -> &'static str {
        match self {
            PortalTask::Home => "Please check your current status in the participants' portal.",
            PortalTask::Intent => {
                "Please tell us in the participants' portal whether you will take part (\"We will take part\" or \"We decline\")."
            }
            PortalTask::Agreement => {
                "Please review and return the participation agreement in the participants' portal."
            }
            PortalTask::Reports => "Please read your UTM monthly report in the participants' portal.",
            PortalTask::Messages => "Please read the secretariat's message in the participants' portal.",
            PortalTask::Incidents => "Please check your incident desk tickets in the participants' portal.",
            PortalTask::TrialChoice => {
                "Please choose in the participants' portal whether to continue or remove the UTM after the trial."
            }
            PortalTask::Guidance => {
                "Please read the guidance visit's report and your next steps in the participants' portal."
            }
            PortalTask::Risk => "Please read your risk assessment report in the participants' portal.",
            PortalTask::CaseStudy => {
                "Please review the case study draft in the participants' portal and approve it or ask for changes. Only a draft you approve is published."
            }
            PortalTask::Survey => "Please answer the survey in the participants' portal.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_round_trip_and_anything_else_is_home() {
        for task in PortalTask::ALL {
            assert_eq!(PortalTask::from_code(task.code()), task);
            assert!(task.path().starts_with("/portal"));
        }
        for other in ["", "//evil.example", "/portal/../office", "INTENT", "agreement "] {
            assert_eq!(PortalTask::from_code(other), PortalTask::Home, "{other:?}");
        }
    }
}
