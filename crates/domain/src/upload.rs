//! Files people hand to Kojo (a stamped agreement, a ticket's screenshot, a reply's PDF, an
//! e-mail's attachment): what kinds are taken, judged by their first bytes, and how large.
//!
//! A file's name and declared type can lie (an executable renamed `.pdf`), so the kind is read
//! from the content and the stored name is cleaned of control characters and cut to a length.

/// The largest file taken anywhere (10 MB).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// The longest file name kept, in characters.
pub const FILENAME_MAX: usize = 200;

/// What an upload is, judged by its first bytes: PDF, JPEG or PNG, else `None`.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// A file of a kind Kojo takes, within the size limit, under a clean name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    filename: String,
    content_type: &'static str,
    bytes: Vec<u8>,
}

/// Why a file was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadProblem {
    Empty,
    TooLarge,
    /// Not a PDF, JPEG or PNG (by its content).
    Kind,
}

impl UploadProblem {
    pub fn message_ja(self) -> &'static str {
        match self {
            UploadProblem::Empty => "ファイルが空です。",
            UploadProblem::TooLarge => "ファイルが大きすぎます（10MBまで）。",
            UploadProblem::Kind => "PDF・JPEG・PNGのファイルのみ添付できます（ファイルの中身で判定しています）。",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            UploadProblem::Empty => "The file is empty.",
            UploadProblem::TooLarge => "The file is too large (10 MB at most).",
            UploadProblem::Kind => "Only PDF, JPEG and PNG files can be attached (judged by their content).",
        }
    }
}

/// Characters that change how a name is shown without being seen (bidirectional overrides
/// and isolates, zero-width characters): `invoice\u{202E}fdp.hta` would read "invoiceath.pdf".
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The extension a file of `content_type` is saved under.
fn extension_of(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        _ => "png",
    }
}

/// A file's name as kept: path separators, control characters and invisible format characters
/// dropped, cut to [`FILENAME_MAX`] characters; `file` when nothing is left.
pub fn clean_filename(raw: &str) -> String {
    let name: String = raw
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control() && !is_invisible_format(*c))
        .take(FILENAME_MAX)
        .collect();
    let name = name.trim().to_string();
    if name.is_empty() || name == "." || name == ".." { "file".to_string() } else { name }
}

/// `name` ending in the extension of what the file is (a PDF named `請求書.hta` is kept as
/// `請求書.hta.pdf`, so that no program opens it as something else once saved).
fn with_true_extension(name: &str, content_type: &str) -> String {
    let extension = extension_of(content_type);
    let lower = name.to_lowercase();
    let fits = match extension {
        "jpg" => lower.ends_with(".jpg") || lower.ends_with(".jpeg"),
        other => lower.ends_with(&format!(".{other}")),
    };
    if fits {
        return name.to_string();
    }
    let stem: String = name.chars().take(FILENAME_MAX - extension.len() - 1).collect();
    format!("{stem}.{extension}")
}

impl Upload {
    /// Checks a file: not empty, at most [`MAX_FILE_BYTES`], a PDF, JPEG or PNG by content.
    pub fn checked(filename: &str, bytes: Vec<u8>) -> Result<Upload, UploadProblem> {
        if bytes.is_empty() {
            return Err(UploadProblem::Empty);
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(UploadProblem::TooLarge);
        }
        let content_type = sniff(&bytes).ok_or(UploadProblem::Kind)?;
        Ok(Upload { filename: with_true_extension(&clean_filename(filename), content_type), content_type, bytes })
    }

    pub fn filename(&self) -> &str {
        &self.filename
    }

    pub fn content_type(&self) -> &'static str {
        self.content_type
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl UploadProblem {
    /// The HTTP status a page or the API answers with.
    pub fn http_status(self) -> u16 {
        match self {
            UploadProblem::Empty => 422,
            UploadProblem::TooLarge => 413,
            UploadProblem::Kind => 415,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_judged_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(b"MZ\x90\0 renamed.pdf"), None, "a Windows executable named .pdf");
        assert_eq!(sniff(b"PK\x03\x04 a .docx"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn uploads_are_checked_and_named_cleanly() {
        let ok = Upload::checked("..\\..\\見積書\u{7}.pdf", b"%PDF-1.4 x".to_vec()).unwrap();
        assert_eq!(ok.filename(), "見積書.pdf");
        assert_eq!(ok.content_type(), "application/pdf");
        assert_eq!(Upload::checked("a/b/", b"%PDF-".to_vec()).unwrap().filename(), "file.pdf");
        assert_eq!(Upload::checked("x.pdf", Vec::new()), Err(UploadProblem::Empty));
        assert_eq!(Upload::checked("x.exe", b"MZ".to_vec()), Err(UploadProblem::Kind));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_FILE_BYTES + 1, b' ');
        assert_eq!(Upload::checked("big.pdf", big), Err(UploadProblem::TooLarge));
        // The name ends in what the file is; invisible reordering characters are dropped.
        assert_eq!(Upload::checked("請求書.hta", b"%PDF-1.4".to_vec()).unwrap().filename(), "請求書.hta.pdf");
        assert_eq!(
            Upload::checked("invoice\u{202E}fdp.hta", b"%PDF-".to_vec()).unwrap().filename(),
            "invoicefdp.hta.pdf"
        );
        assert_eq!(Upload::checked("photo.JPEG", vec![0xFF, 0xD8, 0xFF, 0]).unwrap().filename(), "photo.JPEG");
        assert_eq!(Upload::checked("scan", b"\x89PNG\r\n\x1a\n".to_vec()).unwrap().filename(), "scan.png");
        let long = "あ".repeat(300) + ".pdf";
        assert_eq!(Upload::checked(&long, b"%PDF-".to_vec()).unwrap().filename().chars().count(), FILENAME_MAX);
    }
}
