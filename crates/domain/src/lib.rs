//! Kojo's domain: the rules of the Tokyo Metropolitan Government's SME cybersecurity support
//! programme (中小企業サイバーセキュリティ向上支援事業) as types and pure functions.
//!
//! This crate owns the programme's vocabulary and rules: business days and Japanese public
//! holidays ([`calendar`]), Japanese era dates ([`wareki`]), the 法人番号 ([`corporate_number`]),
//! normalised and validated form input ([`text`]) and the application requirements of
//! 募集要項 2. ([`eligibility`]).
//!
//! It must stay pure: no I/O except parsing bytes handed to it, no async, no HTTP or SQL
//! dependency, no clock reads (callers pass the time in). Every validated value type can only be
//! built by parsing, so a value of that type is valid by construction.

pub mod access;
pub mod application;
pub mod calendar;
pub mod case;
pub mod case_study;
pub mod corporate_number;
pub mod device;
pub mod disclosure;
pub mod eligibility;
pub mod guidance;
pub mod incident;
pub mod inquiry;
pub mod password;
pub mod policy;
pub mod portal;
pub mod programme;
pub mod refusal;
pub mod region;
pub mod retention;
pub mod risk;
pub mod secretariat;
pub mod seminar;
pub mod sign_in;
pub mod survey;
pub mod text;
pub mod upload;
pub mod wareki;
