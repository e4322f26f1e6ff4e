//! Who asks for a use case: a signed-in staff member (through a page or the API), a company user,
//! or Kojo itself (the worker, a command). Carries what the audit log needs (label, address).

use domain::access::{Action, Role};
use store::accounts::UserRecord;
use uuid::Uuid;

/// How a request reached Kojo, kept in the audit label so a trail shows the door used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Page,
    Api,
    CommandLine,
}

#[derive(Debug, Clone)]
pub struct Actor {
    user_id: Option<Uuid>,
    role: Option<Role>,
    label: String,
    ip: Option<String>,
    /// For a company user: the one case it may act on.
    own_case: Option<Uuid>,
    /// How the audit log names an actor that is not a user.
    system: &'static str,
}

impl Actor {
    /// A signed-in user (staff or company) acting through `via` from address `ip`.
    pub fn user(user: &UserRecord, via: Via, ip: Option<String>) -> Actor {
        let suffix = match via {
            Via::Page => "",
            Via::Api => " (API)",
            Via::CommandLine => " (CLI)",
        };
        let label = if user.role == Role::Company {
            format!("company:{}{suffix}", user.email)
        } else {
            format!("{} <{}>{suffix}", user.display_name, user.email)
        };
        Actor {
            user_id: Some(user.id),
            role: Some(user.role),
            label,
            ip,
            own_case: user.company_application_id,
            system: "kojo",
        }
    }

    /// Kojo itself: may do what its job needs (the caller decides), and is audited as `system:WHAT`.
    pub fn system(what: &'static str) -> Actor {
        Actor { user_id: None, role: None, label: format!("system:{what}"), ip: None, own_case: None, system: "kojo" }
    }

    /// Someone on the public site, not signed in (a seminar registrant), audited as the
    /// applicant from address `ip`.
    pub fn public(ip: Option<String>) -> Actor {
        Actor { user_id: None, role: None, label: "public".into(), ip, own_case: None, system: "public" }
    }

    /// The operator at the server's command line (`kojo user …`), who can reach the database
    /// anyway: acts as an administrator, audited as `cli`.
    pub fn command_line() -> Actor {
        Actor {
            user_id: None,
            role: Some(Role::Administrator),
            label: "operator (CLI)".into(),
            ip: None,
            own_case: None,
            system: "cli",
        }
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.user_id
    }

    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// The company user's own case, when the table lets it act on it.
    pub fn own_case(&self) -> Result<Uuid, crate::AppError> {
        self.require(Action::ActOnOwnCase)?;
        self.own_case.ok_or(crate::AppError::Forbidden)
    }

    pub fn ip(&self) -> Option<String> {
        self.ip.clone()
    }

    /// Whether the permission table lets this actor do `action`. Kojo itself may act only through
    /// use cases written for it, which do not ask.
    pub fn may(&self, action: Action) -> bool {
        self.role.is_some_and(|role| role.may(action))
    }

    /// Fails with [`crate::AppError::Forbidden`] unless the table allows `action`.
    pub fn require(&self, action: Action) -> Result<(), crate::AppError> {
        if self.may(action) { Ok(()) } else { Err(crate::AppError::Forbidden) }
    }

    /// The actor as the audit log and the case timeline record it.
    pub fn audit(&self) -> store::audit::Actor {
        match self.user_id {
            Some(id) => store::audit::Actor::User { id, label: self.label.clone() },
            None if self.system == "public" => store::audit::Actor::Applicant,
            None => store::audit::Actor::System(self.system),
        }
    }

    /// Writes the audit row of this actor doing `action` to the `subject_type` `subject`, in the
    /// use case's transaction.
    pub async fn record(
        &self,
        tx: &store::Tx,
        action: &'static str,
        (subject_type, subject): (&'static str, uuid::Uuid),
        detail: serde_json::Value,
        now: chrono::DateTime<chrono::Utc>,
    ) -> crate::Result<()> {
        let entry = store::audit::NewAuditEntry {
            actor: self.audit(),
            action,
            subject_type,
            subject_id: Some(subject.to_string()),
            ip: self.ip(),
            detail,
        };
        store::audit::add(tx, entry, now).await?;
        Ok(())
    }
}
