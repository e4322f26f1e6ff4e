//! SeaORM entities, one module per table. Private to `store`: nothing outside sees these types.

pub mod programme {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "programmes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub fiscal_year: i32,
        pub name_ja: String,
        pub name_en: String,
        pub is_current: bool,
        /// The secretariat's contact details as JSON (`domain::secretariat::Secretariat`).
        pub secretariat: Option<String>,
        /// The incident desk's settings as JSON (`domain::incident::DeskSpec`).
        pub incident_desk: Option<String>,
        /// Inquiries' first-answer target (`domain::inquiry::Target::code`); none: the default.
        pub inquiry_target: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod course {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "courses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub programme_id: Uuid,
        pub code: String,
        pub name_ja: String,
        pub name_en: String,
        pub window_start: Date,
        pub window_end: Date,
        pub capacity: i32,
        pub places_taken: i32,
        pub waitlist_seq: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod application {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "applications")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub reference: String,
        pub programme_id: Uuid,
        pub course_id: Uuid,
        pub status: String,
        pub holds_place: bool,
        pub waitlist_position: Option<i32>,
        pub duplicate_key: String,
        pub company_name: String,
        pub company_name_kana: String,
        pub corporate_number: Option<String>,
        pub sole_proprietor: bool,
        pub postal_code: String,
        pub prefecture: String,
        pub address: String,
        pub industry: String,
        pub capital_yen: Option<i64>,
        pub employees: i32,
        pub representative_name: String,
        pub representative_title: Option<String>,
        pub contact_name: String,
        pub contact_name_kana: String,
        pub contact_department: Option<String>,
        pub contact_email: String,
        pub contact_phone: String,
        pub environment: String,
        pub previous_participant: bool,
        pub uses_equivalent_tokyo_subsidy: bool,
        pub declarations: String,
        pub flags: String,
        pub received_at: DateTimeUtc,
        pub contact_due: Date,
        pub source_ip: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub status_check: Option<String>,
        pub proposed_course: Option<String>,
        pub decision_reason: Option<String>,
        pub assignee_user_id: Option<Uuid>,
        pub first_contact_at: Option<DateTimeUtc>,
        pub completed_at: Option<DateTimeUtc>,
        /// `ja` or `en`: the language the company's e-mails are written in.
        pub language: String,
        /// The privacy policy version agreed to (`domain::policy::PRIVACY`); none before M0023.
        pub privacy_version: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub email: String,
        pub display_name: String,
        pub role: String,
        pub password_hash: Option<String>,
        pub is_active: bool,
        pub company_application_id: Option<Uuid>,
        pub last_login_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub must_change_password: bool,
        pub password_changed_at: Option<DateTimeUtc>,
        pub disabled_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: Uuid,
        pub csrf_token: String,
        pub ip: Option<String>,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_attempts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub email: String,
        pub ip: Option<String>,
        pub succeeded: bool,
        pub attempted_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub at: DateTimeUtc,
        pub actor_user_id: Option<Uuid>,
        pub actor_label: String,
        pub action: String,
        pub subject_type: String,
        pub subject_id: Option<String>,
        pub ip: Option<String>,
        pub detail: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod outbox_message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub to_address: String,
        pub subject: String,
        pub body: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub last_error: Option<String>,
        pub sent_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// JSON list of `outbox::Attachment` (base64 content), `NULL` when none.
        pub attachments: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod holiday {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "holidays")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub date: Date,
        pub name: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod case_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "case_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub application_id: Uuid,
        pub at: DateTimeUtc,
        pub actor_user_id: Option<Uuid>,
        pub actor_label: String,
        pub event: String,
        pub from_state: String,
        pub to_state: String,
        pub reason: Option<String>,
        pub detail: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod contact {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "contact_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub application_id: Uuid,
        pub contacted_at: DateTimeUtc,
        pub channel: String,
        pub staff_user_id: Option<Uuid>,
        pub staff_label: String,
        pub summary: String,
        pub rules_accepted: bool,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: Uuid,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "messages")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub application_id: Uuid,
        pub author_user_id: Option<Uuid>,
        pub author_label: String,
        pub from_company: bool,
        pub body: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod agreement_text {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement_texts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub programme_id: Uuid,
        pub version: i32,
        pub clauses: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod agreement {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreements")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub agreement_text_id: Uuid,
        pub data: String,
        pub pdf: Vec<u8>,
        pub pdf_sha256: String,
        pub status: String,
        pub sent_at: DateTimeUtc,
        pub signed_at: Option<DateTimeUtc>,
        pub signer_names: Option<String>,
        pub signer_ip: Option<String>,
        pub signed_pdf: Option<Vec<u8>>,
        pub signed_pdf_sha256: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod agreement_upload {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "agreement_uploads")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub agreement_id: Uuid,
        pub filename: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub bytes: Vec<u8>,
        pub uploaded_at: DateTimeUtc,
        pub uploaded_ip: Option<String>,
        pub superseded_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: Uuid,
        pub name: String,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod device {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "devices")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub vendor: String,
        pub model: String,
        pub serial: String,
        pub sender_address: Option<String>,
        pub survey_result: String,
        pub survey_notes: Option<String>,
        pub installed_on: Option<Date>,
        pub removed_on: Option<Date>,
        pub continued_on: Option<Date>,
        pub trial_choice: Option<String>,
        pub trial_choice_at: Option<DateTimeUtc>,
        pub operator_reference: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod threat_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "threat_events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub device_id: Uuid,
        pub occurred_at: DateTimeUtc,
        pub utc_offset_seconds: Option<i32>,
        pub vendor: String,
        pub category: String,
        pub action: String,
        pub severity: Option<String>,
        pub signature: Option<String>,
        pub src_ip: Option<String>,
        pub src_port: Option<i32>,
        pub dst_ip: Option<String>,
        pub dst_port: Option<i32>,
        pub url: Option<String>,
        pub user_name: Option<String>,
        pub source: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod threat_rollup {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "threat_rollups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub device_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        #[sea_orm(primary_key, auto_increment = false)]
        pub category: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub action: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub signature: String,
        pub count: i64,
        pub first_seen: Option<DateTimeUtc>,
        pub last_seen: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod traffic_rollup {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "traffic_rollups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub device_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        #[sea_orm(primary_key, auto_increment = false)]
        pub action: String,
        pub count: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod unparsed_line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "unparsed_lines")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub device_id: Option<Uuid>,
        pub sender: Option<String>,
        pub received_at: DateTimeUtc,
        pub reason: String,
        pub line: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod unknown_sender {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "unknown_senders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sender: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub serial: String,
        pub reason: String,
        pub first_seen: DateTimeUtc,
        pub last_seen: DateTimeUtc,
        pub messages: i64,
        pub sample: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod intake_count {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "intake_counts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub device_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub vendor: String,
        pub events: i64,
        pub unknown_identifiers: i64,
        pub unparsed: i64,
        pub first_at: DateTimeUtc,
        pub last_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod unknown_identifier {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "unknown_identifiers")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub device_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub vendor: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub identifier: String,
        pub lines: i64,
        pub first_at: DateTimeUtc,
        pub last_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod listener_status {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "listener_status")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub started_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub running: bool,
        pub received: i64,
        pub stored: i64,
        pub unparsed: i64,
        pub unknown: i64,
        pub removed_device: i64,
        pub dropped: i64,
        pub failed: i64,
        pub refused_sender: i64,
        pub connections_refused: i64,
        pub connections_timed_out: i64,
        pub connections_over_budget: i64,
        /// JSON: `logs::VendorCounts`.
        pub vendors: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod monthly_report {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "monthly_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub device_id: Uuid,
        pub application_id: Uuid,
        pub month: String,
        pub data: String,
        pub pdf: Vec<u8>,
        pub pdf_sha256: String,
        pub status: String,
        pub comment: Option<String>,
        pub generated_at: DateTimeUtc,
        pub released_at: Option<DateTimeUtc>,
        pub released_by: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod seminar {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "seminars")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub programme_id: Uuid,
        pub code: String,
        pub title_ja: String,
        pub title_en: String,
        pub description_ja: String,
        pub description_en: String,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub venue_name: String,
        pub venue_address: String,
        pub venue_map_url: Option<String>,
        pub online_url: Option<String>,
        pub venue_capacity: i32,
        pub online_capacity: i32,
        pub venue_taken: i32,
        pub online_taken: i32,
        pub venue_waitlist_seq: i32,
        pub online_waitlist_seq: i32,
        pub deadline: DateTimeUtc,
        pub max_attendees: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod seminar_registration {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "seminar_registrations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub seminar_id: Uuid,
        pub reference: String,
        pub mode: String,
        pub status: String,
        pub waitlist_position: Option<i32>,
        pub company_name: String,
        pub company_name_kana: String,
        pub corporate_number: Option<String>,
        pub person_name: String,
        pub email: String,
        pub phone: String,
        pub attendees: i32,
        pub questions: Option<String>,
        pub heard_from: Option<String>,
        pub language: String,
        pub manage_token_hash: String,
        pub sequence: i32,
        pub attended_at: Option<DateTimeUtc>,
        pub attendance_source: Option<String>,
        pub attended_minutes: Option<i32>,
        /// When the day-before reminder was queued.
        pub reminded_at: Option<DateTimeUtc>,
        /// When the hour-before reminder (online) was queued.
        pub soon_reminded_at: Option<DateTimeUtc>,
        pub source_ip: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub cancelled_at: Option<DateTimeUtc>,
        pub privacy_version: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod incident_ticket {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incident_tickets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub programme_id: Uuid,
        pub application_id: Uuid,
        pub device_id: Option<Uuid>,
        pub reference: String,
        pub channel: String,
        pub category: String,
        pub severity: String,
        pub status: String,
        pub subject: String,
        pub description: String,
        pub assignee_id: Option<Uuid>,
        pub opened_by_label: String,
        pub opened_at: DateTimeUtc,
        pub response_target_minutes: i32,
        pub resolution_target_minutes: i32,
        pub first_response_at: Option<DateTimeUtc>,
        pub resolved_at: Option<DateTimeUtc>,
        pub closed_at: Option<DateTimeUtc>,
        pub response_breached_at: Option<DateTimeUtc>,
        pub resolution_breached_at: Option<DateTimeUtc>,
        pub auto_signature: Option<String>,
        pub auto_source: Option<String>,
        pub detection_count: i64,
        pub last_detection_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod incident_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incident_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub ticket_id: Uuid,
        pub at: DateTimeUtc,
        pub kind: String,
        pub status_to: Option<String>,
        pub for_company: bool,
        pub author_label: String,
        pub author_is_company: bool,
        pub action_kind: Option<String>,
        pub body: String,
        pub attachment_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod incident_detection {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incident_detections")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ticket_id: Uuid,
        pub occurred_at: DateTimeUtc,
        pub category: String,
        pub action: String,
        pub severity: Option<String>,
        pub signature: Option<String>,
        pub src_ip: Option<String>,
        pub dst_ip: Option<String>,
        pub dst_port: Option<i32>,
        pub url: Option<String>,
        pub source: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod incident_attachment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incident_attachments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub ticket_id: Uuid,
        pub filename: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub bytes: Vec<u8>,
        pub uploaded_by_label: String,
        pub from_company: bool,
        pub uploaded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod incident_dispatch {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incident_dispatches")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub ticket_id: Option<Uuid>,
        pub application_id: Uuid,
        pub device_id: Option<Uuid>,
        pub engineer_id: Uuid,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub status: String,
        pub sequence: i32,
        pub arrived_at: Option<DateTimeUtc>,
        pub departed_at: Option<DateTimeUtc>,
        pub work_done: Option<String>,
        pub outcome: Option<String>,
        pub signed_off_at: Option<DateTimeUtc>,
        pub signed_off_by: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod expert_assignment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "expert_assignments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub application_id: Uuid,
        pub expert_user_id: Uuid,
        pub assigned_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod guidance_visit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "guidance_visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub number: i32,
        pub status: String,
        pub mode: String,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        pub expert_user_id: Uuid,
        pub attendees: Option<String>,
        pub topics: Option<String>,
        pub findings: Option<String>,
        pub next_steps: Option<String>,
        pub recorded_at: Option<DateTimeUtc>,
        pub acknowledged_at: Option<DateTimeUtc>,
        pub reminded_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub sequence: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod guidance_visit_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "guidance_visit_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub visit_id: Uuid,
        pub application_id: Uuid,
        pub filename: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub bytes: Vec<u8>,
        pub uploaded_by_label: String,
        pub from_company: bool,
        pub uploaded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod diagnosis_round {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "diagnosis_rounds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub item_set: String,
        pub answers: String,
        pub total: i32,
        pub complete: bool,
        pub entered_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod security_policy {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "security_policies")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub version: i32,
        pub slug: String,
        pub sections: String,
        pub enacted_on: Option<Date>,
        pub representative: Option<String>,
        pub status: String,
        pub published_at: Option<DateTimeUtc>,
        pub withdrawn_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod plan_measure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_measures")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub item_number: Option<i32>,
        pub title: String,
        pub owner: Option<String>,
        pub due: Option<Date>,
        pub status: String,
        pub updated_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod two_star_declaration {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "two_star_declarations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub application_id: Uuid,
        pub declaration_id: String,
        pub declared_on: Option<Date>,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod risk_asset {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_assets")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub position: i32,
        pub cells: String,
        pub updated_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod risk_check {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_checks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub application_id: Uuid,
        pub check_set: String,
        pub answers: String,
        pub updated_by: String,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod risk_report {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub application_id: Uuid,
        pub version: i32,
        pub status: String,
        pub data: String,
        pub pdf: Vec<u8>,
        pub pdf_sha256: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub released_by: Option<String>,
        pub released_at: Option<DateTimeUtc>,
        pub acknowledged_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
