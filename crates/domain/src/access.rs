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

#[cfg(test)]
mod tests {
    use super::*;

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
