//! Who may do what: the roles of the programme's parties (PROGRAM.md "Parties").
//!
//! Checks here are pure; the web layer calls them for every request and every object.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Programme years, users, settings.
    Administrator,
    /// 運営事務局: receives and runs applications.
    Secretariat,
    /// 専門家: sees only assigned companies.
    Expert,
    /// 受託事業者 (UTM operator): devices and logs of course ①.
    UtmOperator,
    /// 東京都: approves participants, reads aggregates, edits nothing else.
    TokyoOfficial,
    /// A participant company's user: sees only its own company.
    Company,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Administrator, Role::Secretariat, Role::Expert, Role::UtmOperator, Role::TokyoOfficial, Role::Company];

    pub fn code(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Secretariat => "secretariat",
            Role::Expert => "expert",
            Role::UtmOperator => "utm_operator",
            Role::TokyoOfficial => "tokyo_official",
            Role::Company => "company",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Administrator => "管理者",
            Role::Secretariat => "運営事務局",
            Role::Expert => "専門家",
            Role::UtmOperator => "UTM受託事業者",
            Role::TokyoOfficial => "東京都",
            Role::Company => "参加企業",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Administrator => "Administrator",
            Role::Secretariat => "Secretariat",
            Role::Expert => "Expert",
            Role::UtmOperator => "UTM operator",
            Role::TokyoOfficial => "Tokyo official",
            Role::Company => "Participant company",
        }
    }

    /// May read every application's personal data (the secretariat's case list).
    pub fn can_read_all_applications(self) -> bool {
        matches!(self, Role::Administrator | Role::Secretariat)
    }

    /// May move cases through STEP2–5 (contact, status check, course, intent, agreement, exits).
    pub fn can_work_cases(self) -> bool {
        matches!(self, Role::Administrator | Role::Secretariat)
    }

    /// May approve or return decided cases (東京都の承認, 募集要項 10.(1)); nothing else.
    pub fn can_approve(self) -> bool {
        matches!(self, Role::TokyoOfficial)
    }

    /// May register and manage course ① devices (site survey, installation, removal) and see
    /// their logs for every company.
    pub fn can_manage_devices(self) -> bool {
        matches!(self, Role::Administrator | Role::Secretariat | Role::UtmOperator)
    }

    /// May edit programme years, windows and capacities, and manage users.
    pub fn can_administer(self) -> bool {
        matches!(self, Role::Administrator)
    }

    /// Staff sign in with a password; company users by a one-time link.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Company)
    }
}

/// Everything a user may ask Kojo to do, for the one permission table ([`Role::may`]). The
/// server checks it for every request; pages ask it whether to show a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read the application list, a case, its timeline and exports (personal data).
    ReadCases,
    /// Read the decided cases awaiting Tokyo's approval and the contact-breach report.
    ReadApprovals,
    /// Move a case through STEP2–5, assign it, message the company.
    WorkCase(crate::case::CaseEvent),
    /// Record a contact, assign a case, post a message (no state change of its own).
    HandleCase,
    /// Register and manage course ① devices, their logs and monthly reports.
    ManageDevices,
    /// Briefing seminars: rosters, exports, check-in and attendance (personal data).
    RunSeminars,
    /// The incident desk: open tickets for companies, triage, reply, record remote actions,
    /// schedule dispatches and removals, record visits and trial-end choices.
    WorkIncidents,
    /// Read every company's tickets, dispatches and trial ends (personal data).
    ReadIncidents,
    /// Read the desk's monthly figures: counts and times, no company named.
    ReadIncidentFigures,
    /// Assign or reassign a participant's guidance expert.
    AssignExperts,
    /// Management guidance: the companies in it (an expert: only those assigned), their visits,
    /// self-diagnosis and policy; plan and record visits.
    Guide,
    /// Read management guidance's programme figures: counts and averages, no company named.
    ReadGuidanceFigures,
    /// Course ② risk assessment: the companies in it (an expert: only those assigned), their
    /// asset register, measure check and report.
    Assess,
    /// Read course ②'s programme figures: stages and risk-value distribution, no company named.
    ReadRiskFigures,
    /// The inquiry inbox: read every inquiry and its thread (personal data), reply, log calls,
    /// assign, close; write and publish FAQ entries.
    AnswerInquiries,
    /// Read the inquiry figures: counts and times by channel and category, nobody named.
    ReadInquiryFigures,
    /// Write case studies (事例), send them to the company, publish them.
    WriteCaseStudies,
    /// Surveys: write and send them, remind, close; read every answer with who gave it.
    RunSurveys,
    /// Read the surveys' results as counts, averages and charts, nobody named.
    ReadSurveyFigures,
    /// Download the results report (実績報告): the year's figures under the small-cell rule.
    ReadResultsReport,
    /// Programme years, windows, capacities and users.
    Administer,
    /// Change one's own password (every staff user; company users have none).
    ChangeOwnPassword,
    /// A company user acting on its own case (confirm intent, sign, write to the secretariat);
    /// the case is the one its user record names, never one from the request.
    ActOnOwnCase,
}

impl Role {
    /// The permission table: whether this role may do `action`.
    pub fn may(self, action: Action) -> bool {
        use crate::case::CaseEvent as E;
        match action {
            Action::ReadCases | Action::HandleCase => matches!(self, Role::Administrator | Role::Secretariat),
            Action::ReadApprovals => matches!(self, Role::Administrator | Role::Secretariat | Role::TokyoOfficial),
            // Tokyo approves and returns (募集要項 10.(1)); nothing else of the case is Tokyo's.
            Action::WorkCase(E::Approve | E::ReturnToSecretariat) => matches!(self, Role::TokyoOfficial),
            // Promotion is Kojo's own move when a place frees up.
            Action::WorkCase(E::Promote) => false,
            Action::WorkCase(_) => matches!(self, Role::Administrator | Role::Secretariat),
            Action::ManageDevices => matches!(self, Role::Administrator | Role::Secretariat | Role::UtmOperator),
            Action::RunSeminars => matches!(self, Role::Administrator | Role::Secretariat),
            // 受託事業者 staff run the desk; the secretariat reads it (issue: roles and access).
            Action::WorkIncidents => matches!(self, Role::Administrator | Role::UtmOperator),
            Action::ReadIncidents => matches!(self, Role::Administrator | Role::Secretariat | Role::UtmOperator),
            Action::AssignExperts => matches!(self, Role::Administrator | Role::Secretariat),
            Action::ReadGuidanceFigures => {
                matches!(self, Role::Administrator | Role::Secretariat | Role::TokyoOfficial)
            }
            // Experts see only their assigned companies (`app::guidance::company_for`).
            Action::Guide => matches!(self, Role::Administrator | Role::Secretariat | Role::Expert),
            // The same scoping for course ② (`app::risk`, through `app::guidance::company_in`).
            Action::Assess => matches!(self, Role::Administrator | Role::Secretariat | Role::Expert),
            Action::ReadRiskFigures => matches!(self, Role::Administrator | Role::Secretariat | Role::TokyoOfficial),
            Action::ReadIncidentFigures => {
                matches!(self, Role::Administrator | Role::Secretariat | Role::UtmOperator | Role::TokyoOfficial)
            }
            Action::AnswerInquiries => matches!(self, Role::Administrator | Role::Secretariat),
            Action::ReadInquiryFigures => {
                matches!(self, Role::Administrator | Role::Secretariat | Role::TokyoOfficial)
            }
            Action::WriteCaseStudies => matches!(self, Role::Administrator | Role::Secretariat),
            Action::RunSurveys => matches!(self, Role::Administrator | Role::Secretariat),
            Action::ReadSurveyFigures => matches!(self, Role::Administrator | Role::Secretariat | Role::TokyoOfficial),
            Action::ReadResultsReport => matches!(self, Role::Administrator | Role::Secretariat | Role::TokyoOfficial),
            Action::Administer => matches!(self, Role::Administrator),
            Action::ActOnOwnCase => matches!(self, Role::Company),
            Action::ChangeOwnPassword => self.is_staff(),
        }
    }

    /// Whether this role may open one case's page (read-only unless it may also work it): the
    /// case readers open every case; whoever reads the approvals list opens the cases on it —
    /// those awaiting Tokyo's approval (`course_decided`) — and no other.
    pub fn may_read_case(self, state: crate::case::CaseState) -> bool {
        self.may(Action::ReadCases)
            || (state == crate::case::CaseState::CourseDecided && self.may(Action::ReadApprovals))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseEvent;

    #[test]
    fn the_permission_table_gives_each_case_event_to_exactly_the_right_roles() {
        for event in CaseEvent::ALL {
            let allowed: Vec<Role> = Role::ALL.into_iter().filter(|r| r.may(Action::WorkCase(event))).collect();
            let expected: &[Role] = match event {
                CaseEvent::Approve | CaseEvent::ReturnToSecretariat => &[Role::TokyoOfficial],
                CaseEvent::Promote => &[],
                _ => &[Role::Administrator, Role::Secretariat],
            };
            assert_eq!(allowed, expected, "{event:?}");
        }
        assert!(!Role::Company.may(Action::ReadCases));
        assert!(!Role::Expert.may(Action::ReadCases));
        assert!(Role::TokyoOfficial.may(Action::ReadApprovals));
        assert!(!Role::TokyoOfficial.may(Action::HandleCase));
        assert!(Role::UtmOperator.may(Action::ManageDevices));
        assert!(!Role::UtmOperator.may(Action::ReadCases));
    }

    #[test]
    fn the_desk_is_worked_by_the_operator_read_by_the_secretariat_and_counted_for_tokyo() {
        let who = |action| Role::ALL.into_iter().filter(|r| r.may(action)).collect::<Vec<_>>();
        assert_eq!(who(Action::WorkIncidents), [Role::Administrator, Role::UtmOperator]);
        assert_eq!(who(Action::ReadIncidents), [Role::Administrator, Role::Secretariat, Role::UtmOperator]);
        assert_eq!(
            who(Action::ReadIncidentFigures),
            [Role::Administrator, Role::Secretariat, Role::UtmOperator, Role::TokyoOfficial]
        );
    }

    #[test]
    fn the_older_questions_agree_with_the_table() {
        for role in Role::ALL {
            assert_eq!(role.can_read_all_applications(), role.may(Action::ReadCases));
            assert_eq!(role.can_work_cases(), role.may(Action::HandleCase));
            assert_eq!(role.can_approve(), role.may(Action::WorkCase(CaseEvent::Approve)));
            assert_eq!(role.can_manage_devices(), role.may(Action::ManageDevices));
            assert_eq!(role.can_administer(), role.may(Action::Administer));
        }
    }

    #[test]
    fn tokyo_reads_only_the_cases_awaiting_its_approval() {
        use crate::case::CaseState;
        for state in CaseState::ALL {
            let readers: Vec<Role> = Role::ALL.into_iter().filter(|r| r.may_read_case(state)).collect();
            let expected: &[Role] = if state == CaseState::CourseDecided {
                &[Role::Administrator, Role::Secretariat, Role::TokyoOfficial]
            } else {
                &[Role::Administrator, Role::Secretariat]
            };
            assert_eq!(readers, expected, "{state:?}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }

    #[test]
    fn only_secretariat_and_administrators_read_all_applications() {
        let readers: Vec<Role> = Role::ALL.into_iter().filter(|r| r.can_read_all_applications()).collect();
        assert_eq!(readers, [Role::Administrator, Role::Secretariat]);
        assert!(!Role::TokyoOfficial.can_administer());
        let approvers: Vec<Role> = Role::ALL.into_iter().filter(|r| r.can_approve()).collect();
        assert_eq!(approvers, [Role::TokyoOfficial]);
        assert!(!Role::TokyoOfficial.can_work_cases());
    }
}
