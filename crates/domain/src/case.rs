//! The application as a case: its states from receipt to confirmed participation (募集要項 6.
//! STEP1–5) and the exits, and which transitions are allowed.
//!
//! `transition` is the only place that decides whether a case may move; the store applies the
//! result together with its side effects (places, waitlist, audit) in one transaction.

use serde::{Deserialize, Serialize};

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// STEP1 done: the form was received and holds a place; the secretariat must contact it.
    Received,
    /// The course was full: キャンセル待ち. Holds no place.
    Waitlisted,
    /// STEP2: contacted, the rules explained and accepted — 申込完了.
    Contacted,
    /// STEP2: the security status was checked.
    StatusChecked,
    /// STEP3: the course (① or ②) is decided, awaiting Tokyo's approval.
    CourseDecided,
    /// STEP3: approved by Tokyo (承認).
    Approved,
    /// STEP3: the company confirmed its intent to participate.
    IntentConfirmed,
    /// STEP4: the participation agreement (参加同意書) was sent.
    AgreementSent,
    /// STEP5: the signed agreement was received — 参加確定.
    Confirmed,
    /// The site survey found the UTM cannot be installed; the case may move to course ②.
    NotInstallable,
    /// Does not meet the requirements (募集要項 2.).
    Ineligible,
    /// 辞退.
    Withdrawn,
    /// A false declaration or a breach (募集要項 10.(1)).
    Disqualified,
}

/// What someone does to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseEvent {
    /// Contact recorded with the rules explained and accepted (申込完了).
    CompleteApplication,
    /// The security-status check form was filled in.
    RecordStatusCheck,
    /// The secretariat decided the course (it may differ from the one applied for).
    DecideCourse,
    /// Tokyo approves the decided case.
    Approve,
    /// Tokyo returns the case to the secretariat (with a reason).
    ReturnToSecretariat,
    /// The company confirmed its intent (portal button or recorded after a call).
    ConfirmIntent,
    /// The agreement was sent.
    SendAgreement,
    /// The signed agreement (electronic or stamped scan) was received and checked.
    ConfirmAgreement,
    /// The site survey failed: no UTM can be installed.
    MarkNotInstallable,
    /// A place freed up on the course: the first waitlisted case takes it.
    Promote,
    MarkIneligible,
    Withdraw,
    Disqualify,
}

impl CaseState {
    pub const ALL: [CaseState; 13] = [
        CaseState::Received,
        CaseState::Waitlisted,
        CaseState::Contacted,
        CaseState::StatusChecked,
        CaseState::CourseDecided,
        CaseState::Approved,
        CaseState::IntentConfirmed,
        CaseState::AgreementSent,
        CaseState::Confirmed,
        CaseState::NotInstallable,
        CaseState::Ineligible,
        CaseState::Withdrawn,
        CaseState::Disqualified,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseState::Received => "received",
            CaseState::Waitlisted => "waitlisted",
            CaseState::Contacted => "contacted",
            CaseState::StatusChecked => "status_checked",
            CaseState::CourseDecided => "course_decided",
            CaseState::Approved => "approved",
            CaseState::IntentConfirmed => "intent_confirmed",
            CaseState::AgreementSent => "agreement_sent",
            CaseState::Confirmed => "confirmed",
            CaseState::NotInstallable => "not_installable",
            CaseState::Ineligible => "ineligible",
            CaseState::Withdrawn => "withdrawn",
            CaseState::Disqualified => "disqualified",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CaseState::Received => "受付済（連絡待ち）",
            CaseState::Waitlisted => "キャンセル待ち",
            CaseState::Contacted => "申込完了（連絡済）",
            CaseState::StatusChecked => "セキュリティ状況確認済",
            CaseState::CourseDecided => "コース決定（都承認待ち）",
            CaseState::Approved => "東京都承認済",
            CaseState::IntentConfirmed => "参加意思確認済",
            CaseState::AgreementSent => "参加同意書送付済",
            CaseState::Confirmed => "参加確定",
            CaseState::NotInstallable => "UTM設置不可",
            CaseState::Ineligible => "対象外",
            CaseState::Withdrawn => "辞退",
            CaseState::Disqualified => "取消（虚偽申告等）",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CaseState::Received => "Received (awaiting contact)",
            CaseState::Waitlisted => "Waitlisted",
            CaseState::Contacted => "Application complete (contacted)",
            CaseState::StatusChecked => "Security status checked",
            CaseState::CourseDecided => "Course decided (awaiting Tokyo)",
            CaseState::Approved => "Approved by Tokyo",
            CaseState::IntentConfirmed => "Intent confirmed",
            CaseState::AgreementSent => "Agreement sent",
            CaseState::Confirmed => "Participation confirmed",
            CaseState::NotInstallable => "UTM not installable",
            CaseState::Ineligible => "Ineligible",
            CaseState::Withdrawn => "Withdrawn",
            CaseState::Disqualified => "Disqualified",
        }
    }

    /// Whether a case in this state holds a place on its course.
    pub fn holds_place(self) -> bool {
        !matches!(
            self,
            CaseState::Waitlisted
                | CaseState::NotInstallable
                | CaseState::Ineligible
                | CaseState::Withdrawn
                | CaseState::Disqualified
        )
    }

    /// Ended: nothing more happens to the case.
    pub fn is_closed(self) -> bool {
        matches!(self, CaseState::Ineligible | CaseState::Withdrawn | CaseState::Disqualified)
    }
}

impl CaseEvent {
    pub const ALL: [CaseEvent; 13] = [
        CaseEvent::CompleteApplication,
        CaseEvent::RecordStatusCheck,
        CaseEvent::DecideCourse,
        CaseEvent::Approve,
        CaseEvent::ReturnToSecretariat,
        CaseEvent::ConfirmIntent,
        CaseEvent::SendAgreement,
        CaseEvent::ConfirmAgreement,
        CaseEvent::MarkNotInstallable,
        CaseEvent::Promote,
        CaseEvent::MarkIneligible,
        CaseEvent::Withdraw,
        CaseEvent::Disqualify,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CaseEvent::CompleteApplication => "complete_application",
            CaseEvent::RecordStatusCheck => "record_status_check",
            CaseEvent::DecideCourse => "decide_course",
            CaseEvent::Approve => "approve",
            CaseEvent::ReturnToSecretariat => "return_to_secretariat",
            CaseEvent::ConfirmIntent => "confirm_intent",
            CaseEvent::SendAgreement => "send_agreement",
            CaseEvent::ConfirmAgreement => "confirm_agreement",
            CaseEvent::MarkNotInstallable => "mark_not_installable",
            CaseEvent::Promote => "promote",
            CaseEvent::MarkIneligible => "mark_ineligible",
            CaseEvent::Withdraw => "withdraw",
            CaseEvent::Disqualify => "disqualify",
        }
    }

    pub fn from_code(code: &str) -> Option<CaseEvent> {
        CaseEvent::ALL.into_iter().find(|e| e.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CaseEvent::CompleteApplication => "連絡・規定説明の了承（申込完了）",
            CaseEvent::RecordStatusCheck => "セキュリティ状況の確認",
            CaseEvent::DecideCourse => "コース決定",
            CaseEvent::Approve => "東京都承認",
            CaseEvent::ReturnToSecretariat => "東京都差戻し",
            CaseEvent::ConfirmIntent => "参加意思の確認",
            CaseEvent::SendAgreement => "参加同意書の送付",
            CaseEvent::ConfirmAgreement => "参加同意書の受領（参加確定）",
            CaseEvent::MarkNotInstallable => "UTM設置不可",
            CaseEvent::Promote => "キャンセル待ちからの繰上げ",
            CaseEvent::MarkIneligible => "対象外",
            CaseEvent::Withdraw => "辞退",
            CaseEvent::Disqualify => "取消",
        }
    }

    /// Whether the event needs a written reason (exits and returns must say why).
    pub fn needs_reason(self) -> bool {
        matches!(
            self,
            CaseEvent::ReturnToSecretariat
                | CaseEvent::MarkNotInstallable
                | CaseEvent::MarkIneligible
                | CaseEvent::Withdraw
                | CaseEvent::Disqualify
        )
    }
}

/// A refused transition, with a message staff can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("「{}」の案件に「{}」はできません", from.label_ja(), event.label_ja())]
pub struct TransitionError {
    pub from: CaseState,
    pub event: CaseEvent,
}

/// The state a case moves to when `event` happens in state `from`, or why it cannot.
///
/// Course decisions that land on a full course, and promotions, are decided by the store
/// (they depend on places); this function gives the state when a place is available.
pub fn transition(from: CaseState, event: CaseEvent) -> Result<CaseState, TransitionError> {
    use CaseEvent as E;
    use CaseState as S;
    let to = match (from, event) {
        (S::Received, E::CompleteApplication) => S::Contacted,
        (S::Contacted | S::StatusChecked, E::RecordStatusCheck) => S::StatusChecked,
        (S::StatusChecked | S::NotInstallable | S::CourseDecided, E::DecideCourse) => S::CourseDecided,
        (S::CourseDecided, E::Approve) => S::Approved,
        (S::CourseDecided, E::ReturnToSecretariat) => S::StatusChecked,
        (S::Approved, E::ConfirmIntent) => S::IntentConfirmed,
        (S::IntentConfirmed, E::SendAgreement) => S::AgreementSent,
        // Re-sending (e.g. a corrected agreement) keeps the state.
        (S::AgreementSent, E::SendAgreement) => S::AgreementSent,
        (S::AgreementSent, E::ConfirmAgreement) => S::Confirmed,
        (
            S::CourseDecided | S::Approved | S::IntentConfirmed | S::AgreementSent | S::Confirmed,
            E::MarkNotInstallable,
        ) => S::NotInstallable,
        (S::Waitlisted, E::Promote) => S::Received,
        (S::Received | S::Waitlisted | S::Contacted | S::StatusChecked | S::CourseDecided, E::MarkIneligible) => {
            S::Ineligible
        }
        (state, E::Withdraw) if !state.is_closed() => S::Withdrawn,
        (state, E::Disqualify) if !state.is_closed() => S::Disqualified,
        _ => return Err(TransitionError { from, event }),
    };
    Ok(to)
}

/// What the security-status check found (STEP2 確認事項).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCheck {
    pub connection_layout: String,
    /// `yes`, `no` or `unknown`.
    pub free_hub_port: String,
    pub existing_utm: bool,
    pub existing_utm_vendor: Option<String>,
    /// `none`, `drafting` or `in_place`.
    pub policy_status: String,
    pub notes: Option<String>,
}

/// The course Kojo proposes from a status check, and why (staff accept or override it).
///
/// Rule: a UTM needs a free hub port and must not duplicate one already installed, so an existing
/// UTM, or no free port, proposes course ② (risk assessment); otherwise course ① (UTM), which
/// also brings the management guidance towards a basic security policy.
pub fn propose_course(check: &StatusCheck) -> (crate::programme::CourseCode, &'static str) {
    use crate::programme::CourseCode;
    if check.existing_utm {
        (CourseCode::RiskAssessment, "既にUTMが設置されているため、②リスクアセスメントを提案します")
    } else if check.free_hub_port == "no" {
        (CourseCode::RiskAssessment, "HUBに空きポートがなくUTMを設置できないため、②リスクアセスメントを提案します")
    } else {
        (CourseCode::Utm, "UTMを設置できる見込みのため、①UTM機器設置コースを提案します")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseEvent as E;
    use CaseState as S;

    /// Every allowed transition; everything else must be refused.
    const ALLOWED: &[(CaseState, CaseEvent, CaseState)] = &[
        (S::Received, E::CompleteApplication, S::Contacted),
        (S::Contacted, E::RecordStatusCheck, S::StatusChecked),
        (S::StatusChecked, E::RecordStatusCheck, S::StatusChecked),
        (S::StatusChecked, E::DecideCourse, S::CourseDecided),
        (S::NotInstallable, E::DecideCourse, S::CourseDecided),
        (S::CourseDecided, E::DecideCourse, S::CourseDecided),
        (S::CourseDecided, E::Approve, S::Approved),
        (S::CourseDecided, E::ReturnToSecretariat, S::StatusChecked),
        (S::Approved, E::ConfirmIntent, S::IntentConfirmed),
        (S::IntentConfirmed, E::SendAgreement, S::AgreementSent),
        (S::AgreementSent, E::SendAgreement, S::AgreementSent),
        (S::AgreementSent, E::ConfirmAgreement, S::Confirmed),
        (S::CourseDecided, E::MarkNotInstallable, S::NotInstallable),
        (S::Approved, E::MarkNotInstallable, S::NotInstallable),
        (S::IntentConfirmed, E::MarkNotInstallable, S::NotInstallable),
        (S::AgreementSent, E::MarkNotInstallable, S::NotInstallable),
        (S::Confirmed, E::MarkNotInstallable, S::NotInstallable),
        (S::Waitlisted, E::Promote, S::Received),
        (S::Received, E::MarkIneligible, S::Ineligible),
        (S::Waitlisted, E::MarkIneligible, S::Ineligible),
        (S::Contacted, E::MarkIneligible, S::Ineligible),
        (S::StatusChecked, E::MarkIneligible, S::Ineligible),
        (S::CourseDecided, E::MarkIneligible, S::Ineligible),
    ];

    #[test]
    fn every_pair_of_state_and_event_is_allowed_or_refused_as_listed() {
        for from in CaseState::ALL {
            for event in CaseEvent::ALL {
                let listed = ALLOWED.iter().find(|(f, e, _)| *f == from && *e == event).map(|(_, _, to)| *to);
                let expected = match (listed, event) {
                    (Some(to), _) => Some(to),
                    (None, E::Withdraw) if !from.is_closed() => Some(S::Withdrawn),
                    (None, E::Disqualify) if !from.is_closed() => Some(S::Disqualified),
                    _ => None,
                };
                match (transition(from, event), expected) {
                    (Ok(to), Some(expected)) => assert_eq!(to, expected, "{from:?} + {event:?}"),
                    (Err(error), None) => {
                        assert_eq!(error, TransitionError { from, event });
                        assert!(error.to_string().contains(from.label_ja()));
                    }
                    (got, expected) => panic!("{from:?} + {event:?}: got {got:?}, expected {expected:?}"),
                }
            }
        }
    }

    #[test]
    fn closed_cases_accept_nothing() {
        for from in [S::Ineligible, S::Withdrawn, S::Disqualified] {
            assert!(CaseEvent::ALL.iter().all(|e| transition(from, *e).is_err()), "{from:?}");
        }
    }

    #[test]
    fn only_live_cases_with_a_course_hold_places() {
        let holding: Vec<CaseState> = CaseState::ALL.into_iter().filter(|s| s.holds_place()).collect();
        assert_eq!(
            holding,
            [
                S::Received,
                S::Contacted,
                S::StatusChecked,
                S::CourseDecided,
                S::Approved,
                S::IntentConfirmed,
                S::AgreementSent,
                S::Confirmed
            ]
        );
    }

    #[test]
    fn codes_round_trip() {
        for state in CaseState::ALL {
            assert_eq!(CaseState::from_code(state.code()), Some(state));
        }
        for event in CaseEvent::ALL {
            assert_eq!(CaseEvent::from_code(event.code()), Some(event));
        }
    }

    #[test]
    fn the_proposal_follows_the_documented_rule() {
        use crate::programme::CourseCode;
        let mut check = StatusCheck {
            connection_layout: "光回線→ルーター→HUB".into(),
            free_hub_port: "yes".into(),
            existing_utm: false,
            existing_utm_vendor: None,
            policy_status: "none".into(),
            notes: None,
        };
        assert_eq!(propose_course(&check).0, CourseCode::Utm);
        check.free_hub_port = "unknown".into();
        assert_eq!(propose_course(&check).0, CourseCode::Utm, "unknown is settled by the site survey");
        check.free_hub_port = "no".into();
        assert_eq!(propose_course(&check).0, CourseCode::RiskAssessment);
        check.free_hub_port = "yes".into();
        check.existing_utm = true;
        assert_eq!(propose_course(&check).0, CourseCode::RiskAssessment);
    }
}
