//! The participation agreement as a reader sees it: text extracted with poppler's `pdftotext`,
//! fonts listed with `pdffonts` (Debian `poppler-utils`).
//!
//! Needs a Japanese font (Debian `fonts-morisawa-bizud-gothic`). Without the font or poppler a
//! test prints "skipped", except on CI (`CI=true`) where it fails.

use crate::support;

use std::path::PathBuf;

use documents::agreement::{
    AgreementData, AgreementWording, ElectronicSignature, SEED_CLAUSES_R5, Signer, render_agreement,
};
use documents::pdf::{Fonts, PdfError};
use support::{contains, fonts, pdf_text, run, skip_or_fail, write_temp};

#[test]
fn agreement_shows_company_date_clauses_and_seal_boxes() {
    let Some(fonts) = fonts() else { return };
    let pdf = render_agreement(fonts, &sample()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = pdf_text(&pdf) else { return };

    for expected in [
        "令和5年度",
        "中小企業サイバーセキュリティ向上支援事業",
        "参加同意書",
        "運営事務局 御中",
        "東京都 御中",
        "サンプル精機株式会社",
        "東京都新宿区西新宿二丁目8番1号",
        "代表取締役",
        "山田 太郎",
        "佐藤 花子",
        "令和5年9月1日",
        "R5-0042",
        "＜企業同意部分＞",
        "＜参加者同意部分＞",
        "社印",
        "本人印",
        "＜個人情報の取扱いについて＞",
    ] {
        assert!(contains(&text, expected), "{expected:?} not in:\n{text}");
    }
    for heading in
        ["第１ 事業参加について", "第２ 広報施策", "第３ 免責事項について", "第４ 感染症", "第５ 支援期間中に"]
    {
        assert!(contains(&text, heading), "{heading:?} not in:\n{text}");
    }
    for fragment in [
        "反社会的勢力から出資等の資金提供を受けていないこと",
        "参加企業約５社を対象として",
        "故意または重過失が認められる場合には、この限りでない",
        "発熱等の症状がある",
        "状況を申告し、対応を協議すること",
    ] {
        assert!(contains(&text, fragment), "{fragment:?} not in:\n{text}");
    }
    assert!(!contains(&text, "電子署名日時"), "an unsigned agreement has no signature block");
}

#[test]
fn signed_agreement_records_signers_time_address_and_each_agreed_clause() {
    let Some(fonts) = fonts() else { return };
    let mut data = sample();
    data.signature = Some(ElectronicSignature {
        signers: vec![
            Signer { role: "代表者".into(), name: "山田 太郎".into() },
            Signer { role: "参加者".into(), name: "佐藤 花子".into() },
        ],
        signed_at: "令和5年9月1日 10時23分45秒（日本時間）".into(),
        ip_address: "203.0.113.45".into(),
        agreed_clauses: SEED_CLAUSES_R5.iter().map(|clause| clause.heading.to_string()).collect(),
    });
    let pdf = render_agreement(fonts, &data).unwrap();
    let Some(text) = pdf_text(&pdf) else { return };

    for expected in [
        "電子署名の記録",
        "電子署名日時",
        "令和5年9月1日10時23分45秒",
        "IPアドレス",
        "203.0.113.45",
        "署名者（代表者）",
        "署名者（参加者）",
        "それぞれに同意しました",
    ] {
        assert!(contains(&text, expected), "{expected:?} not in:\n{text}");
    }
    let agreed = text.lines().filter(|line| line.trim_end().ends_with("同意")).count();
    assert!(agreed >= SEED_CLAUSES_R5.len(), "one 同意 per clause:\n{text}");
}

#[test]
fn fonts_are_embedded_japanese_and_not_type3() {
    let Some(fonts) = fonts() else { return };
    let pdf = render_agreement(fonts, &sample()).unwrap();
    let file = write_temp(&pdf);
    let Some(listing) = run("pdffonts", &[file.path().to_str().unwrap()]) else { return };

    let rows: Vec<&str> = listing.lines().skip(2).filter(|line| !line.trim().is_empty()).collect();
    assert!(!rows.is_empty(), "no fonts:\n{listing}");
    let family = fonts.japanese_family().replace(' ', "");
    assert!(rows.iter().any(|row| row.contains(&family)), "{family} not used:\n{listing}");
    for row in rows {
        assert!(!row.contains("Type 3"), "Type 3 font:\n{listing}");
        // Columns: name, type, encoding, emb, sub, uni, object ID.
        let columns: Vec<&str> = row.split_whitespace().collect();
        let embedded = columns[columns.len() - 5];
        assert_eq!(embedded, "yes", "font not embedded:\n{listing}");
    }
}

#[test]
fn the_same_data_gives_the_same_bytes() {
    let Some(fonts) = fonts() else { return };
    let first = render_agreement(fonts, &sample()).unwrap();
    let second = render_agreement(fonts, &sample()).unwrap();
    assert!(first == second, "two renders of the same data differ");
}

#[test]
fn a_blank_form_renders() {
    let Some(fonts) = fonts() else { return };
    let data = AgreementData {
        reference: None,
        company_name: String::new(),
        company_address: String::new(),
        representative_title: String::new(),
        representative_name: String::new(),
        participant_name: String::new(),
        date: "令和　　年　　月　　日".into(),
        ..sample()
    };
    let pdf = render_agreement(fonts, &data).unwrap();
    let Some(text) = pdf_text(&pdf) else { return };
    assert!(contains(&text, "企業名") && contains(&text, "本人印"), "{text}");
}

#[test]
fn a_character_no_font_has_fails_instead_of_printing_tofu() {
    let Some(fonts) = fonts() else { return };
    let data = AgreementData { company_name: "サンプル\u{10FFFD}株式会社".into(), ..sample() };
    let error = render_agreement(fonts, &data).unwrap_err();
    assert!(matches!(error, PdfError::MissingGlyphs { .. }), "{error}");
}

#[test]
fn no_japanese_font_names_the_fix() {
    let empty = tempfile::tempdir().unwrap();
    let error = Fonts::from_dirs_only(&[empty.path().to_path_buf()]).unwrap_err();
    assert!(matches!(error, PdfError::NoJapaneseFont), "{error}");
    let message = error.to_string();
    for fix in ["fonts-morisawa-bizud-gothic", "fonts-noto-cjk", "KOJO_FONT_DIR"] {
        assert!(message.contains(fix), "{fix} not in {message}");
    }
}

#[test]
fn a_configured_font_folder_that_does_not_exist_is_an_error() {
    let empty = tempfile::tempdir().unwrap();
    let missing = empty.path().join("no-such-folder");
    let error = Fonts::from_dirs_only(&[missing]).unwrap_err();
    assert!(matches!(error, PdfError::FontDir { .. }), "{error}");
}

#[test]
fn a_font_folder_alone_is_enough() {
    let Some(fonts) = fonts() else { return };
    let Some(dir) = japanese_font_dir() else {
        skip_or_fail("no Japanese font file found under /usr/share/fonts");
        return;
    };
    let only = Fonts::from_dirs_only(&[dir]).unwrap();
    assert!(only.has_japanese());
    assert!(only.len() < fonts.len());
    assert!(render_agreement(&only, &sample()).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn template_errors_list_the_diagnostics() {
    let Some(fonts) = fonts() else { return };
    let error =
        documents::pdf::render(fonts, documents::pdf::Template::Agreement, &serde_json::json!({}), &[]).unwrap_err();
    let PdfError::Template { template, diagnostics } = &error else { panic!("{error}") };
    assert_eq!(*template, "agreement.typ");
    assert!(diagnostics[0].message.contains("wording"), "{error}");
    assert!(diagnostics[0].location.as_deref().is_some_and(|at| at.starts_with("agreement.typ:")), "{error}");
    assert!(error.to_string().contains("`wording`"), "the snippet is shown: {error}");
}

fn sample() -> AgreementData {
    AgreementData {
        wording: AgreementWording::seed_r5(),
        reference: Some("R5-0042".into()),
        date: "令和5年9月1日".into(),
        company_name: "サンプル精機株式会社".into(),
        company_address: "東京都新宿区西新宿二丁目8番1号".into(),
        representative_title: "代表取締役".into(),
        representative_name: "山田 太郎".into(),
        participant_name: "佐藤 花子".into(),
        signature: None,
    }
}

/// The folder holding the chosen Japanese face, for testing a configured font folder.
fn japanese_font_dir() -> Option<PathBuf> {
    ["/usr/share/fonts/truetype/bizud-gothic", "/usr/share/fonts/opentype/noto"]
        .into_iter()
        .map(PathBuf::from)
        .find(|dir| dir.is_dir())
}

#[test]
fn fonts_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Fonts>();
}
