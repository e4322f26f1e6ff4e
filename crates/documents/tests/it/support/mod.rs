//! Helpers shared by the PDF tests: the machine's fonts and poppler's view of a PDF.
//!
//! Without a Japanese font or poppler a test prints "skipped" and passes, except on CI
//! (`CI=true`) where it fails.

#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;

use documents::pdf::Fonts;

/// The machine's fonts, discovered once for all tests of the binary.
pub fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| match Fonts::discover(&[]) {
            Ok(fonts) => Some(fonts),
            Err(error) => {
                skip_or_fail(&error.to_string());
                None
            }
        })
        .as_ref()
}

/// Text of the PDF in layout mode, or `None` when `pdftotext` is missing (skipped).
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let file = write_temp(pdf);
    run("pdftotext", &["-layout", "-enc", "UTF-8", file.path().to_str().unwrap(), "-"])
}

/// Whether `needle` appears in `text`, ignoring the spaces `pdftotext -layout` inserts
/// between glyphs set apart (letter-spaced titles, proportional punctuation).
pub fn contains(text: &str, needle: &str) -> bool {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    squash(text).contains(&squash(needle))
}

pub fn write_temp(pdf: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::io::Write::write_all(&mut file, pdf).unwrap();
    file
}

pub fn run(program: &str, args: &[&str]) -> Option<String> {
    match Command::new(program).args(args).output() {
        Ok(output) if output.status.success() => Some(String::from_utf8(output.stdout).unwrap()),
        Ok(output) => panic!("{program} failed: {}", String::from_utf8_lossy(&output.stderr)),
        Err(error) => {
            skip_or_fail(&format!("{program} not available ({error}); install poppler-utils"));
            None
        }
    }
}

pub fn skip_or_fail(reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{reason}");
    }
    eprintln!("skipped: {reason}");
}
