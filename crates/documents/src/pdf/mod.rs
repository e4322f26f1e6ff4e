//! PDF documents: typst templates (`templates/*.typ`, compiled into the binary) filled with JSON.
//!
//! A render sees a small virtual file system and nothing else: the template at `/<name>.typ`,
//! the shared `/common.typ`, the data at `/data.json` and any images the caller passes (charts
//! as `/chart-daily.svg` …). It reads no clock (a template that asks for today's date fails), no
//! network and no disk beyond the font files, so the same data gives the same bytes.
//!
//! A PDF must never show tofu: rendering needs a font that covers Japanese
//! ([`PdfError::NoJapaneseFont`]) and fails if any character was set without a glyph
//! ([`PdfError::MissingGlyphs`]).
//!
//! Must not: know about HTTP or the database, or format dates (和暦 arrives as text).

mod fonts;
mod world;

use std::fmt;
use std::path::PathBuf;

pub use fonts::Fonts;

use typst::layout::{Frame, FrameItem};
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

use world::DocumentWorld;

/// A document template compiled into the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// 参加同意書: see [`crate::agreement::AgreementData`] for its data.
    Agreement,
    /// UTM月次レポート: see [`crate::report::MonthlyReportData`] for its data.
    MonthlyReport,
    /// 自社診断の結果: see [`crate::guidance::DiagnosisData`].
    Diagnosis,
    /// 情報セキュリティ基本方針: see [`crate::guidance::PolicyData`].
    Policy,
    /// リスクアセスメント報告書: see [`crate::risk_report::RiskReportData`].
    RiskReport,
    /// 実績報告: a title, a period and tables of text cells (`app::results::ResultsReport`).
    ResultsReport,
}

impl Template {
    /// The template's file name, as it appears in error messages.
    pub fn file_name(self) -> &'static str {
        match self {
            Template::Agreement => "agreement.typ",
            Template::MonthlyReport => "monthly_report.typ",
            Template::Diagnosis => "diagnosis.typ",
            Template::Policy => "policy.typ",
            Template::RiskReport => "risk_report.typ",
            Template::ResultsReport => "results_report.typ",
        }
    }

    fn source(self) -> &'static str {
        match self {
            Template::Agreement => include_str!("../../templates/agreement.typ"),
            Template::MonthlyReport => include_str!("../../templates/monthly_report.typ"),
            Template::Diagnosis => include_str!("../../templates/diagnosis.typ"),
            Template::Policy => include_str!("../../templates/policy.typ"),
            Template::RiskReport => include_str!("../../templates/risk_report.typ"),
            Template::ResultsReport => include_str!("../../templates/results_report.typ"),
        }
    }
}

/// Definitions shared by all templates, served as `/common.typ`.
const COMMON_SOURCE: &str = include_str!("../../templates/common.typ");

/// A file handed to the template beside its data, e.g. an SVG chart: `name` is the path the
/// template uses without the leading slash (`chart-daily.svg` → `#image("/chart-daily.svg")`).
#[derive(Debug, Clone, Copy)]
pub struct Asset<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "日本語フォントが見つからないためPDFを作成できません。\
         Debian/Ubuntuでは `apt-get install fonts-morisawa-bizud-gothic`（または fonts-noto-cjk）でフォントを入れるか、\
         日本語フォント（.ttf/.otf/.ttc）を置いたフォルダを環境変数 KOJO_FONT_DIR に指定してください"
    )]
    NoJapaneseFont,
    #[error("フォントフォルダ「{}」を読めません: {source}", path.display())]
    FontDir { path: PathBuf, source: std::io::Error },
    #[error("次の文字を表示できるフォントがないためPDFを作成できません: 「{characters}」")]
    MissingGlyphs { characters: String },
    #[error("PDFテンプレート「{template}」を処理できませんでした:{}", DiagnosticList(diagnostics))]
    Template { template: &'static str, diagnostics: Vec<Diagnostic> },
    #[error("PDFへの書き出しに失敗しました:{}", DiagnosticList(diagnostics))]
    Export { diagnostics: Vec<Diagnostic> },
    #[error("添付ファイル名「{0}」は使えません（英数字・ハイフン・ドットのみ、例: chart-daily.svg）")]
    InvalidAssetName(String),
    #[error("PDFに渡すデータをJSONにできません: {0}")]
    Data(#[from] serde_json::Error),
}

/// One typst error or warning, located in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    /// `file:line`, when the problem has a place in a template.
    pub location: Option<String>,
    /// The template text the problem points at.
    pub snippet: Option<String>,
    pub hints: Vec<String>,
}

/// Renders `template` with `data` (served as `/data.json`) and `assets` into a PDF.
pub fn render(
    fonts: &Fonts,
    template: Template,
    data: &serde_json::Value,
    assets: &[Asset<'_>],
) -> Result<Vec<u8>, PdfError> {
    render_source(fonts, template.file_name(), template.source(), data, assets)
}

fn render_source(
    fonts: &Fonts,
    file_name: &'static str,
    source: &'static str,
    data: &serde_json::Value,
    assets: &[Asset<'_>],
) -> Result<Vec<u8>, PdfError> {
    if !fonts.has_japanese() {
        return Err(PdfError::NoJapaneseFont);
    }
    let world = DocumentWorld::new(fonts, file_name, source, COMMON_SOURCE, data, assets)?;
    let result = typst::compile::<PagedDocument>(&world).output;
    // Compilation caches are global; keep only what recent renders used so a long-running
    // server does not grow without bound.
    typst::comemo::evict(10);
    let document = result.map_err(|errors| PdfError::Template {
        template: file_name,
        diagnostics: errors.iter().map(|diag| world.diagnostic(diag)).collect(),
    })?;
    check_glyphs(&document)?;
    let options =
        PdfOptions { creator: typst::foundations::Smart::Custom(Some("Kojo".into())), ..PdfOptions::default() };
    typst_pdf::pdf(&document, &options)
        .map_err(|errors| PdfError::Export { diagnostics: errors.iter().map(|diag| world.diagnostic(diag)).collect() })
}

/// Fails when any character was laid out with the font's "missing glyph" (glyph 0), which a
/// PDF viewer shows as an empty box.
fn check_glyphs(document: &PagedDocument) -> Result<(), PdfError> {
    let mut missing = String::new();
    for page in document.pages() {
        collect_missing(&page.frame, &mut missing);
    }
    if missing.is_empty() { Ok(()) } else { Err(PdfError::MissingGlyphs { characters: missing }) }
}

fn collect_missing(frame: &Frame, missing: &mut String) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => collect_missing(&group.frame, missing),
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|glyph| glyph.id == 0) {
                    let characters = text.text.get(glyph.range()).unwrap_or_default();
                    for c in characters.chars().filter(|c| !c.is_whitespace()) {
                        if !missing.contains(c) {
                            missing.push(c);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

struct DiagnosticList<'a>(&'a [Diagnostic]);

impl fmt::Display for DiagnosticList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in self.0 {
            write!(f, "\n- {}", diagnostic.message)?;
            match (&diagnostic.location, &diagnostic.snippet) {
                (Some(location), Some(snippet)) => write!(f, "（{location}: `{snippet}`）")?,
                (Some(location), None) => write!(f, "（{location}）")?,
                _ => {}
            }
            for hint in &diagnostic.hints {
                write!(f, "\n  ヒント: {hint}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The machine's fonts, or `None` (test skipped) when it has no Japanese font; on CI a
    /// missing font fails the test instead.
    fn fonts() -> Option<&'static Fonts> {
        static FONTS: std::sync::OnceLock<Option<Fonts>> = std::sync::OnceLock::new();
        FONTS
            .get_or_init(|| match Fonts::discover(&[]) {
                Ok(fonts) => Some(fonts),
                Err(error) if std::env::var("CI").as_deref() != Ok("true") => {
                    eprintln!("skipped: {error}");
                    None
                }
                Err(error) => panic!("{error}"),
            })
            .as_ref()
    }

    const CHART: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><rect width="60" height="50" fill="#336"/></svg>"##;

    #[test]
    fn serves_data_and_assets_as_virtual_files() {
        let Some(fonts) = fonts() else { return };
        let source = "#let data = json(\"/data.json\")\n#data.title\n#image(\"/chart-daily.svg\", width: 4cm)";
        let data = serde_json::json!({ "title": "月次報告" });
        let assets = [Asset { name: "chart-daily.svg", bytes: CHART.as_bytes() }];
        let pdf = render_source(fonts, "probe.typ", source, &data, &assets).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }

    #[test]
    fn an_unknown_asset_is_a_template_error_naming_the_path() {
        let Some(fonts) = fonts() else { return };
        let source = "#image(\"/chart-missing.svg\")";
        let error = render_source(fonts, "probe.typ", source, &serde_json::json!({}), &[]).unwrap_err();
        let PdfError::Template { diagnostics, .. } = &error else { panic!("{error}") };
        assert_eq!(diagnostics[0].location.as_deref(), Some("probe.typ:1"));
        assert!(error.to_string().contains("chart-missing.svg"), "{error}");
    }

    #[test]
    fn asset_names_are_plain_file_names() {
        let Some(fonts) = fonts() else { return };
        for name in ["", "../etc/passwd", "dir/chart.svg", ".hidden", "data.json", "グラフ.svg"] {
            let assets = [Asset { name, bytes: b"x" }];
            let result = render_source(fonts, "probe.typ", "x", &serde_json::json!({}), &assets);
            assert!(matches!(result, Err(PdfError::InvalidAssetName(_))), "{name:?}");
        }
    }

    #[test]
    fn templates_cannot_read_the_clock() {
        let Some(fonts) = fonts() else { return };
        let source = "#datetime.today().display()";
        let result = render_source(fonts, "probe.typ", source, &serde_json::json!({}), &[]);
        assert!(matches!(result, Err(PdfError::Template { .. })), "{result:?}");
    }

    #[test]
    fn a_character_without_a_glyph_is_an_error_not_tofu() {
        let Some(fonts) = fonts() else { return };
        let source = "#json(\"/data.json\").text";
        let data = serde_json::json!({ "text": "株式会社\u{10FFFD}" });
        let error = render_source(fonts, "probe.typ", source, &data, &[]).unwrap_err();
        let PdfError::MissingGlyphs { characters } = &error else { panic!("{error}") };
        assert_eq!(characters, "\u{10FFFD}");
    }
}
