//! リスクアセスメント報告書 (course ②): the data its template takes. Dates arrive as 和暦 text.

use serde::Serialize;

use crate::pdf::{self, Fonts, PdfError, Template};

/// Everything `templates/risk_report.typ` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskReportData {
    pub company_name: String,
    pub reference: String,
    pub industry: String,
    pub employees: u32,
    pub expert: String,
    /// The issue day in 和暦.
    pub issued_on: String,
    /// Assets in the register, and those rated.
    pub assets: u32,
    pub rated: u32,
    /// Rated assets per band: 大, 中, 小.
    pub high: u32,
    pub medium: u32,
    pub low: u32,
    /// `[importance − 1][likelihood − 1]`.
    pub heat_map: [[u32; 3]; 3],
    /// The highest risks, in priority order.
    pub top: Vec<RiskLine>,
    /// The measure check by chapter (percent; `None` when nothing applies).
    pub chapters: Vec<ChapterLine>,
    /// What to do when: now, within 3 months, within a year.
    pub roadmap: Vec<RoadmapLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskLine {
    pub asset: String,
    pub business: String,
    pub media: String,
    pub importance: u8,
    pub likelihood: u8,
    pub value: u8,
    pub band: String,
    pub threat: String,
    pub treatment: String,
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChapterLine {
    pub chapter: String,
    pub percent: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoadmapLine {
    pub horizon: String,
    pub items: Vec<String>,
}

/// Renders the report; `chapter_chart` (SVG, `crate::chart::chapter_chart`) shows the check by
/// chapter when it was answered.
pub fn render(fonts: &Fonts, data: &RiskReportData, chapter_chart: Option<&str>) -> Result<Vec<u8>, PdfError> {
    let assets: Vec<pdf::Asset<'_>> =
        chapter_chart.map(|svg| pdf::Asset { name: "chart-chapters.svg", bytes: svg.as_bytes() }).into_iter().collect();
    let mut value = serde_json::to_value(data)?;
    value["has_chart"] = serde_json::Value::Bool(chapter_chart.is_some());
    pdf::render(fonts, Template::RiskReport, &value, &assets)
}
