//! Management guidance documents: a self-diagnosis round (自社診断の結果) and the company's
//! basic security policy (情報セキュリティ基本方針). Dates arrive as 和暦 text; the change chart
//! arrives as SVG from [`crate::chart::diagnosis_chart`].

use serde::Serialize;

use crate::pdf::{self, Asset, Fonts, PdfError, Template};

/// Everything `templates/diagnosis.typ` reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnosisData {
    pub company_name: String,
    /// The secretariat's reference (受付番号).
    pub reference: String,
    /// The round's day in 和暦, e.g. 「令和8年12月3日」.
    pub answered_on: String,
    pub entered_by: String,
    pub total: i32,
    /// False when some items are unanswered (the total is then out of the answered ones).
    pub complete: bool,
    /// The change since the round before, as a sentence, when there is one.
    pub change: Option<String>,
    pub parts: Vec<PartLine>,
    pub items: Vec<ItemLine>,
    /// The weakest items with what to do, in order.
    pub advice: Vec<AdviceLine>,
    /// The item set's version, printed small.
    pub item_set: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartLine {
    pub label: String,
    pub points: i32,
    pub max: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemLine {
    pub number: u8,
    pub question: String,
    /// The answer's words, empty when unanswered.
    pub answer: String,
    pub points: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdviceLine {
    pub number: u8,
    pub question: String,
    pub answer: String,
    pub advice: String,
}

/// Renders a self-diagnosis round; `chart` (SVG) shows the rounds so far, when there are two
/// or more.
pub fn render_diagnosis(fonts: &Fonts, data: &DiagnosisData, chart: Option<&str>) -> Result<Vec<u8>, PdfError> {
    let assets: Vec<Asset<'_>> =
        chart.map(|svg| Asset { name: "chart-rounds.svg", bytes: svg.as_bytes() }).into_iter().collect();
    let mut value = serde_json::to_value(data)?;
    value["has_chart"] = serde_json::Value::Bool(chart.is_some());
    pdf::render(fonts, Template::Diagnosis, &value, &assets)
}

/// Everything `templates/policy.typ` reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyData {
    pub company_name: String,
    pub sections: Vec<PolicySection>,
    /// The enactment day in 和暦, empty while not set.
    pub enacted_on: String,
    pub representative: String,
    pub version: u32,
    /// Printed on a version that is not the published one (e.g. 「下書き」), so a draft is never
    /// mistaken for the policy in force.
    pub draft_mark: Option<String>,
    /// The public page's address, when published.
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicySection {
    pub title: String,
    pub body: String,
}

/// Renders a version of the basic security policy.
pub fn render_policy(fonts: &Fonts, data: &PolicyData) -> Result<Vec<u8>, PdfError> {
    pdf::render(fonts, Template::Policy, &serde_json::to_value(data)?, &[])
}
