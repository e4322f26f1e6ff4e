//! SVG charts of the monthly report, shared by the web page and the PDF: threats per day
//! (stacked bars, blocked under detected) and threats per category (horizontal bars).
//!
//! Hand-written SVG 1.1: the same counts give the same bytes, and the markup stays small.
//! Labels are SVG text in the generic `sans-serif` family: a browser uses its own Japanese
//! face, and typst, which ignores generic families, sets them in the document's face
//! (`sys.inputs.font`), so Japanese labels come out in the PDF as selectable text.
//!
//! Must not: lay out anything but the chart (titles and explanations belong to the page).

use std::fmt::Write;

use crate::report::{CategoryCount, DailyCount};

/// Colour of blocked threats: a calm blue (Okabe–Ito palette, distinguishable with colour blindness).
pub const BLOCKED_COLOR: &str = "#0072B2";
/// Colour of detected (let through) threats: orange, for attention.
pub const DETECTED_COLOR: &str = "#E69F00";
/// The legend's words for the two colours.
pub const BLOCKED_LABEL: &str = "遮断";
pub const DETECTED_LABEL: &str = "検知（通過）";
/// The same in English (the English page of the report).
pub const BLOCKED_LABEL_EN: &str = "Blocked";
pub const DETECTED_LABEL_EN: &str = "Detected (let through)";

const WIDTH: f64 = 680.0;
const FONT: &str = "sans-serif";
const TEXT_COLOR: &str = "#333333";
const GRID_COLOR: &str = "#d9d9d9";
const AXIS_COLOR: &str = "#666666";

/// Stacked bars per day: blocked at the bottom, detected on top, y axis in 件, x axis in days.
pub fn daily_chart(days: &[DailyCount]) -> String {
    daily_chart_in(days, false)
}

/// [`daily_chart`] with its words in English when `en`.
pub fn daily_chart_in(days: &[DailyCount], en: bool) -> String {
    const HEIGHT: f64 = 185.0;
    const LEFT: f64 = 52.0;
    const RIGHT: f64 = 10.0;
    const TOP: f64 = 34.0;
    const BOTTOM: f64 = 36.0;
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let baseline = TOP + plot_height;

    let max = days.iter().map(|day| day.blocked + day.detected).max().unwrap_or(0);
    let (step, top) = nice_scale(max);
    let scale = |value: u64| value as f64 / top as f64 * plot_height;

    let mut svg = open(HEIGHT, if en { "Threats per day" } else { "日ごとの脅威の件数" });
    legend(&mut svg, WIDTH - RIGHT, 16.0, en);
    text(&mut svg, 8.0, 16.0, 12.0, "start", if en { "(count)" } else { "（件）" });

    // Grid lines and y labels.
    let mut value = 0;
    while value <= top {
        let y = baseline - scale(value);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="1"/>"#,
            WIDTH - RIGHT,
            if value == 0 { AXIS_COLOR } else { GRID_COLOR },
        );
        text(&mut svg, LEFT - 6.0, y + 4.0, 11.0, "end", &crate::report::number(value));
        value += step;
    }

    // Bars and day labels.
    let slot = plot_width / days.len().max(1) as f64;
    let bar = (slot * 0.7).min(28.0);
    for (index, day) in days.iter().enumerate() {
        let x = LEFT + slot * index as f64 + (slot - bar) / 2.0;
        let blocked = scale(day.blocked);
        let detected = scale(day.detected);
        if day.blocked > 0 {
            rect(&mut svg, x, baseline - blocked, bar, blocked, BLOCKED_COLOR);
        }
        if day.detected > 0 {
            rect(&mut svg, x, baseline - blocked - detected, bar, detected, DETECTED_COLOR);
        }
        text(&mut svg, x + bar / 2.0, baseline + 15.0, 10.0, "middle", &day.day.to_string());
    }
    text(&mut svg, WIDTH - RIGHT, HEIGHT - 4.0, 11.0, "end", if en { "(day)" } else { "（日）" });
    svg.push_str("</svg>\n");
    svg
}

/// One horizontal bar per category (blocked, then detected), the count at the bar's end; in
/// the order given.
pub fn category_chart(categories: &[CategoryCount]) -> String {
    category_chart_in(categories, false)
}

/// [`category_chart`] with its words in English when `en`.
pub fn category_chart_in(categories: &[CategoryCount], en: bool) -> String {
    const ROW: f64 = 22.0;
    const BAR: f64 = 14.0;
    const TOP: f64 = 26.0;
    const LABELS: f64 = 210.0;
    const VALUES: f64 = 70.0;
    let height = TOP + ROW * categories.len().max(1) as f64 + 6.0;
    let plot_width = WIDTH - LABELS - VALUES;
    let max = categories.iter().map(CategoryCount::threats).max().unwrap_or(0).max(1);
    let scale = |value: u64| value as f64 / max as f64 * plot_width;

    let mut svg = open(height, if en { "Threats by kind" } else { "種類ごとの脅威の件数" });
    legend(&mut svg, WIDTH - 4.0, 16.0, en);
    for (index, count) in categories.iter().enumerate() {
        let y = TOP + ROW * index as f64 + (ROW - BAR) / 2.0;
        text(&mut svg, LABELS - 8.0, y + BAR / 2.0 + 4.5, 12.5, "end", count.category.label_in(en));
        let blocked = scale(count.blocked);
        let detected = scale(count.detected);
        if count.blocked > 0 {
            rect(&mut svg, LABELS, y, blocked, BAR, BLOCKED_COLOR);
        }
        if count.detected > 0 {
            rect(&mut svg, LABELS + blocked, y, detected, BAR, DETECTED_COLOR);
        }
        let number = crate::report::number(count.threats());
        let label = if en { number } else { format!("{number}件") };
        text(&mut svg, LABELS + blocked + detected + 6.0, y + BAR / 2.0 + 4.5, 12.5, "start", &label);
    }
    let _ = write!(
        svg,
        r#"<line x1="{LABELS:.1}" y1="{:.1}" x2="{LABELS:.1}" y2="{:.1}" stroke="{AXIS_COLOR}" stroke-width="1"/>"#,
        TOP - 2.0,
        height - 4.0,
    );
    svg.push_str("</svg>\n");
    svg
}

/// Colours of the self-diagnosis parts (Okabe–Ito, distinguishable with colour blindness).
pub const PART_COLORS: [&str; 3] = ["#0072B2", "#009E73", "#CC79A7"];

/// One self-diagnosis round as the change chart draws it: a label (its date) and the points of
/// its three parts, in order; a part below zero (わからない counts −1) is drawn as zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundBar {
    pub label: String,
    pub parts: [i32; 3],
}

/// The self-diagnosis over rounds: one horizontal bar per round on a 0–100 scale, stacked by
/// part, the total at the bar's end, the oldest round on top. `part_labels` name the parts in
/// the legend.
pub fn diagnosis_chart(rounds: &[RoundBar], part_labels: [&str; 3], en: bool) -> String {
    const ROW: f64 = 24.0;
    const BAR: f64 = 15.0;
    const TOP: f64 = 44.0;
    const LABELS: f64 = 150.0;
    const VALUES: f64 = 70.0;
    let height = TOP + ROW * rounds.len().max(1) as f64 + 22.0;
    let plot_width = WIDTH - LABELS - VALUES;
    let scale = |points: i32| f64::from(points.clamp(0, 100)) / 100.0 * plot_width;

    let mut svg = open(height, if en { "Self-diagnosis score by round" } else { "自社診断の点数の推移" });
    // Legend, left to right from the plot's start.
    let mut x = LABELS;
    for (label, color) in part_labels.iter().zip(PART_COLORS) {
        rect(&mut svg, x, 8.0, 12.0, 12.0, color);
        text(&mut svg, x + 16.0, 18.0, 12.0, "start", label);
        x += 16.0 + label.chars().map(|c| if c.is_ascii() { 6.5 } else { 12.0 }).sum::<f64>() + 18.0;
    }
    // Grid every 20 points.
    let baseline = TOP + ROW * rounds.len().max(1) as f64;
    for points in (0..=100).step_by(20) {
        let gx = LABELS + scale(points);
        let _ = write!(
            svg,
            r#"<line x1="{gx:.1}" y1="{:.1}" x2="{gx:.1}" y2="{baseline:.1}" stroke="{}" stroke-width="1"/>"#,
            TOP - 4.0,
            if points == 0 { AXIS_COLOR } else { GRID_COLOR },
        );
        text(&mut svg, gx, baseline + 14.0, 11.0, "middle", &points.to_string());
    }
    for (index, round) in rounds.iter().enumerate() {
        let y = TOP + ROW * index as f64 + (ROW - BAR) / 2.0;
        text(&mut svg, LABELS - 8.0, y + BAR / 2.0 + 4.5, 12.0, "end", &round.label);
        let mut x = LABELS;
        for (points, color) in round.parts.iter().zip(PART_COLORS) {
            let width = scale(*points);
            if width > 0.0 {
                rect(&mut svg, x, y, width, BAR, color);
            }
            x += width;
        }
        let total: i32 = round.parts.iter().sum();
        let label = if en { format!("{total} pts") } else { format!("{total}点") };
        text(&mut svg, x + 6.0, y + BAR / 2.0 + 4.5, 12.0, "start", &label);
    }
    text(&mut svg, 8.0, 18.0, 11.0, "start", if en { "(points of 100)" } else { "（点／100点）" });
    svg.push_str("</svg>\n");
    svg
}

/// Colour of a chapter scored under half: attention.
const WEAK_COLOR: &str = "#D55E00";

/// The measure check by chapter: one horizontal bar per chapter on a 0–100 % scale, the weak
/// ones (under 50 %) in orange, the percentage at the bar's end; a chapter with nothing
/// applicable or answered has no bar and says so.
pub fn chapter_chart(chapters: &[(String, Option<u32>)], en: bool) -> String {
    const ROW: f64 = 22.0;
    const BAR: f64 = 13.0;
    const TOP: f64 = 14.0;
    const LABELS: f64 = 330.0;
    const VALUES: f64 = 60.0;
    let height = TOP + ROW * chapters.len().max(1) as f64 + 24.0;
    let plot_width = WIDTH - LABELS - VALUES;
    let scale = |percent: u32| f64::from(percent.min(100)) / 100.0 * plot_width;
    let mut svg = open(height, if en { "Measures in place, by chapter" } else { "分野別の対策の実施率" });
    let baseline = TOP + ROW * chapters.len().max(1) as f64;
    for percent in (0..=100).step_by(25) {
        let x = LABELS + scale(percent);
        let _ = write!(
            svg,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{baseline:.1}" stroke="{}" stroke-width="1"/>"#,
            TOP - 4.0,
            if percent == 0 { AXIS_COLOR } else { GRID_COLOR },
        );
        text(&mut svg, x, baseline + 14.0, 11.0, "middle", &format!("{percent}%"));
    }
    for (index, (label, percent)) in chapters.iter().enumerate() {
        let y = TOP + ROW * index as f64 + (ROW - BAR) / 2.0;
        text(&mut svg, LABELS - 8.0, y + BAR / 2.0 + 4.5, 11.5, "end", label);
        match percent {
            Some(percent) => {
                let width = scale(*percent);
                if width > 0.0 {
                    rect(&mut svg, LABELS, y, width, BAR, if *percent < 50 { WEAK_COLOR } else { BLOCKED_COLOR });
                }
                text(&mut svg, LABELS + width + 6.0, y + BAR / 2.0 + 4.5, 11.5, "start", &format!("{percent}%"));
            }
            None => text(
                &mut svg,
                LABELS + 6.0,
                y + BAR / 2.0 + 4.5,
                11.0,
                "start",
                if en { "not applicable / not answered" } else { "該当なし・未回答" },
            ),
        }
    }
    svg.push_str("</svg>\n");
    svg
}

/// One horizontal bar per row with its figure at the bar's end; a row whose figure is withheld
/// (`None`: fewer than 5 companies, or hidden so that such a figure cannot be worked out) has no
/// bar and says so. For the public statistics.
pub fn count_chart(title: &str, rows: &[(String, Option<u64>)], unit: &str, en: bool) -> String {
    const ROW: f64 = 22.0;
    const BAR: f64 = 13.0;
    const TOP: f64 = 10.0;
    const LABELS: f64 = 120.0;
    const VALUES: f64 = 110.0;
    let height = TOP + ROW * rows.len().max(1) as f64 + 8.0;
    let plot_width = WIDTH - LABELS - VALUES;
    let max = rows.iter().filter_map(|(_, value)| *value).max().unwrap_or(0).max(1);
    let scale = |value: u64| value as f64 / max as f64 * plot_width;
    let mut svg = open(height, title);
    for (index, (label, value)) in rows.iter().enumerate() {
        let y = TOP + ROW * index as f64 + (ROW - BAR) / 2.0;
        text(&mut svg, LABELS - 8.0, y + BAR / 2.0 + 4.5, 11.5, "end", label);
        match value {
            Some(value) => {
                let width = scale(*value);
                if width > 0.0 {
                    rect(&mut svg, LABELS, y, width, BAR, BLOCKED_COLOR);
                }
                let number = crate::report::number(*value);
                text(&mut svg, LABELS + width + 6.0, y + BAR / 2.0 + 4.5, 11.5, "start", &format!("{number}{unit}"));
            }
            None => text(
                &mut svg,
                LABELS + 6.0,
                y + BAR / 2.0 + 4.5,
                11.0,
                "start",
                if en { "not shown (small-cell rule)" } else { "非表示（小さな数値の秘匿）" },
            ),
        }
    }
    let _ = write!(
        svg,
        r#"<line x1="{LABELS:.1}" y1="{:.1}" x2="{LABELS:.1}" y2="{:.1}" stroke="{AXIS_COLOR}" stroke-width="1"/>"#,
        TOP - 2.0,
        height - 6.0,
    );
    svg.push_str("</svg>\n");
    svg
}

/// A step of 1, 2 or 5 × 10ⁿ giving at most five grid intervals, and the axis top (a multiple
/// of the step, at least `max`, at least one step).
fn nice_scale(max: u64) -> (u64, u64) {
    const MAX_INTERVALS: u64 = 5;
    let mut magnitude = 1;
    loop {
        for factor in [1, 2, 5] {
            let step = factor * magnitude;
            let intervals = max.div_ceil(step).max(1);
            if intervals <= MAX_INTERVALS {
                return (step, step * intervals);
            }
        }
        magnitude *= 10;
    }
}

fn open(height: f64, title: &str) -> String {
    let mut svg = String::with_capacity(8 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" font-family="{FONT}"><title>{}</title>"#,
        escape(title),
    );
    svg
}

/// The two-colour legend, right-aligned at `right`.
fn legend(svg: &mut String, right: f64, baseline: f64, en: bool) {
    const SWATCH: f64 = 12.0;
    let (blocked_label, detected_label) =
        if en { (BLOCKED_LABEL_EN, DETECTED_LABEL_EN) } else { (BLOCKED_LABEL, DETECTED_LABEL) };
    // Widths of the labels at 12 units: full-width characters are about one em each, Latin
    // letters about half.
    let width = |label: &str| label.chars().map(|c| if c.is_ascii() { 6.5 } else { 12.0 }).sum::<f64>();
    let detected_width = width(detected_label);
    let blocked_width = width(blocked_label);
    let detected_x = right - detected_width - SWATCH - 4.0;
    let blocked_x = detected_x - 16.0 - blocked_width - SWATCH - 4.0;
    for (x, color, label) in [(blocked_x, BLOCKED_COLOR, blocked_label), (detected_x, DETECTED_COLOR, detected_label)] {
        rect(svg, x, baseline - SWATCH + 2.0, SWATCH, SWATCH, color);
        text(svg, x + SWATCH + 4.0, baseline, 12.0, "start", label);
    }
}

fn rect(svg: &mut String, x: f64, y: f64, width: f64, height: f64, fill: &str) {
    let _ = write!(svg, r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{height:.1}" fill="{fill}"/>"#);
}

fn text(svg: &mut String, x: f64, y: f64, size: f64, anchor: &str, content: &str) {
    let _ = write!(
        svg,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" fill="{TEXT_COLOR}">{}</text>"#,
        escape(content),
    );
}

/// Escapes text for SVG content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Category;

    fn month(days: u8) -> Vec<DailyCount> {
        (1..=days)
            .map(|day| DailyCount { day, blocked: u64::from(day % 7) * 3, detected: u64::from(day % 3) })
            .collect()
    }

    fn categories() -> Vec<CategoryCount> {
        vec![
            CategoryCount { category: Category::Malware, blocked: 12, detected: 0, allowed: 0 },
            CategoryCount { category: Category::Botnet, blocked: 2, detected: 1, allowed: 0 },
            CategoryCount { category: Category::Intrusion, blocked: 0, detected: 4, allowed: 0 },
        ]
    }

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        let document = roxmltree::Document::parse(svg).unwrap_or_else(|error| panic!("{error}\n{svg}"));
        assert_eq!(document.root_element().tag_name().name(), "svg");
        document
    }

    fn texts(document: &roxmltree::Document<'_>) -> Vec<String> {
        document
            .descendants()
            .filter(|node| node.has_tag_name("text"))
            .filter_map(|node| node.text().map(str::to_owned))
            .collect()
    }

    #[test]
    fn daily_chart_is_valid_svg_with_a_bar_per_day_and_japanese_labels() {
        let svg = daily_chart(&month(30));
        let document = parse(&svg);
        let labels = texts(&document);
        for expected in ["遮断", "検知（通過）", "（件）", "（日）", "1", "30"] {
            assert!(labels.iter().any(|label| label == expected), "{expected:?} not in {labels:?}");
        }
        let bars = document.descendants().filter(|node| node.has_tag_name("rect")).count();
        let nonzero: usize =
            month(30).iter().map(|day| usize::from(day.blocked > 0) + usize::from(day.detected > 0)).sum();
        assert_eq!(bars, nonzero + 2, "one rect per non-zero part, plus two legend swatches");
    }

    #[test]
    fn category_chart_is_valid_svg_and_escapes_the_ampersand() {
        let svg = category_chart(&categories());
        assert!(svg.contains("（C&amp;C）"));
        let document = parse(&svg);
        let labels = texts(&document);
        for expected in ["ウイルス・マルウェア", "ボット・不正な通信先（C&C）", "不正侵入の試み", "12件", "3件", "4件"]
        {
            assert!(labels.iter().any(|label| label == expected), "{expected:?} not in {labels:?}");
        }
    }

    #[test]
    fn charts_of_nothing_are_still_valid() {
        parse(&daily_chart(&[]));
        parse(&daily_chart(
            &month(28).iter().map(|day| DailyCount { blocked: 0, detected: 0, ..*day }).collect::<Vec<_>>(),
        ));
        parse(&category_chart(&[]));
    }

    #[test]
    fn the_same_counts_give_the_same_bytes() {
        assert_eq!(daily_chart(&month(31)), daily_chart(&month(31)));
        assert_eq!(category_chart(&categories()), category_chart(&categories()));
    }

    #[test]
    fn bars_stay_inside_the_chart() {
        let days = vec![DailyCount { day: 1, blocked: 1_000_000, detected: 999_999 }];
        let svg = daily_chart(&days);
        let document = parse(&svg);
        for rect in document.descendants().filter(|node| node.has_tag_name("rect")) {
            let y: f64 = rect.attribute("y").unwrap().parse().unwrap();
            assert!(y >= 0.0, "{y}");
        }
    }

    #[test]
    fn diagnosis_chart_stacks_the_parts_and_writes_each_total() {
        let rounds = vec![
            RoundBar { label: "令和8年10月1日".into(), parts: [12, 30, 8] },
            RoundBar { label: "令和8年12月1日".into(), parts: [20, -1, 28] },
        ];
        let svg = diagnosis_chart(&rounds, ["基本的対策", "従業員", "組織"], false);
        let document = parse(&svg);
        let labels = texts(&document);
        for expected in ["令和8年10月1日", "50点", "47点", "基本的対策", "100"] {
            assert!(labels.iter().any(|label| label == expected), "{expected:?} not in {labels:?}");
        }
        // Three legend swatches, three parts in the first round, two in the second (the part
        // below zero has no bar).
        assert_eq!(document.descendants().filter(|node| node.has_tag_name("rect")).count(), 3 + 3 + 2);
        parse(&diagnosis_chart(&[], ["a", "b", "c"], true));
    }

    #[test]
    fn the_chapter_chart_marks_the_weak_chapters() {
        let chapters = vec![
            ("組織的対策".to_string(), Some(50)),
            ("人的対策".to_string(), Some(17)),
            ("委託管理".to_string(), None),
        ];
        let svg = chapter_chart(&chapters, false);
        let document = parse(&svg);
        let labels = texts(&document);
        for expected in ["組織的対策", "50%", "17%", "該当なし・未回答", "100%"] {
            assert!(labels.iter().any(|label| label == expected), "{expected:?} not in {labels:?}");
        }
        let fills: Vec<&str> =
            document.descendants().filter(|n| n.has_tag_name("rect")).filter_map(|n| n.attribute("fill")).collect();
        assert_eq!(fills, [BLOCKED_COLOR, WEAK_COLOR], "one bar per answered chapter, the weak one in orange");
    }

    #[test]
    fn scale_steps_are_round_and_cover_the_maximum() {
        for (max, expected) in [
            (0, (1, 1)),
            (1, (1, 1)),
            (4, (1, 4)),
            (5, (1, 5)),
            (6, (2, 6)),
            (11, (5, 15)),
            (23, (5, 25)),
            (26, (10, 30)),
            (99, (20, 100)),
            (101, (50, 150)),
            (1234, (500, 1500)),
        ] {
            assert_eq!(nice_scale(max), expected, "max {max}");
        }
    }
}
