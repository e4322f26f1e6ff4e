//! Kojo's application layer: one function per use case (submit, record a contact, approve,
//! send the agreement, register a device, release a report …), each taking the actor, a parsed
//! command and `now`. It checks permission once, then writes the change, its audit rows and its
//! e-mails in one transaction. Pages, the JSON API, the worker and the command line call these
//! and hold no business rules.
//!
//! Must not: know HTTP, render HTML, or read the system clock outside [`clock`].

pub mod clock;

pub use clock::Clock;
