//! The self-diagnosis round and the basic security policy as a reader sees them: text extracted
//! with poppler's `pdftotext`.

use crate::support;

use documents::chart::{RoundBar, diagnosis_chart};
use documents::guidance::{
    AdviceLine, DiagnosisData, ItemLine, PartLine, PolicyData, PolicySection, render_diagnosis, render_policy,
};
use support::{contains, fonts, pdf_text};

fn round() -> DiagnosisData {
    DiagnosisData {
        company_name: "サンプル精機株式会社".into(),
        reference: "R8-0042".into(),
        answered_on: "令和8年12月3日".into(),
        entered_by: "専門家 花子".into(),
        total: 61,
        complete: true,
        change: Some("前回（令和8年10月1日）から 14点 上がりました。".into()),
        parts: vec![
            PartLine { label: "Part 1 基本的対策".into(), points: 16, max: 20 },
            PartLine { label: "Part 2 従業員としての対策".into(), points: 31, max: 52 },
            PartLine { label: "Part 3 組織としての対策".into(), points: 14, max: 28 },
        ],
        items: (1..=25)
            .map(|number| ItemLine {
                number,
                question: format!("項目{number}の問い"),
                answer: if number == 11 { "わからない".into() } else { "実施している".into() },
                points: Some(if number == 11 { -1 } else { 4 }),
            })
            .collect(),
        advice: vec![AdviceLine {
            number: 11,
            question: "大切な情報のバックアップを取っていますか。".into(),
            answer: "わからない".into(),
            advice: "自動でバックアップを取る仕組みを作り、戻せることを確かめましょう。".into(),
        }],
        item_set: "kojo-2026".into(),
    }
}

#[test]
fn a_diagnosis_round_shows_the_company_scores_advice_and_change() {
    let Some(fonts) = fonts() else { return };
    let chart = diagnosis_chart(
        &[
            RoundBar { label: "令和8年10月1日".into(), parts: [10, 25, 12] },
            RoundBar { label: "令和8年12月3日".into(), parts: [16, 31, 14] },
        ],
        ["基本的対策", "従業員としての対策", "組織としての対策"],
        false,
    );
    let pdf = render_diagnosis(fonts, &round(), Some(&chart)).unwrap();
    let Some(text) = pdf_text(&pdf) else { return };
    for expected in [
        "情報セキュリティ自社診断結果",
        "サンプル精機株式会社",
        "R8-0042",
        "令和8年12月3日",
        "61/100点",
        "前回（令和8年10月1日）から14点上がりました。",
        "Part2従業員としての対策",
        "31/52",
        "これまでの推移",
        "61点",
        "優先して取り組みたい項目",
        "自動でバックアップを取る仕組みを作り",
        "項目25の問い",
        "わからない",
    ] {
        assert!(contains(&text, expected), "{expected:?} not in\n{text}");
    }
    // Without a chart (the first round) the section is left out.
    let first = DiagnosisData { change: None, ..round() };
    let text = pdf_text(&render_diagnosis(fonts, &first, None).unwrap()).unwrap();
    assert!(!contains(&text, "これまでの推移") && !contains(&text, "前回"), "{text}");
}

#[test]
fn a_policy_shows_its_sections_signature_and_draft_mark() {
    let Some(fonts) = fonts() else { return };
    let policy = PolicyData {
        company_name: "サンプル精機株式会社".into(),
        sections: vec![
            PolicySection {
                title: "1. 経営者の責任".into(),
                body: "当社は、経営者の主導で情報セキュリティに取り組みます。".into(),
            },
            PolicySection {
                title: "2. 社内体制の整備".into(),
                body: "責任者を置きます。\n定期的に見直します。".into(),
            },
        ],
        enacted_on: "令和8年12月1日".into(),
        representative: "代表取締役 見本太郎".into(),
        version: 2,
        draft_mark: None,
        public_url: Some("https://kojo.example.jp/policy/abc123".into()),
    };
    let Some(text) = pdf_text(&render_policy(fonts, &policy).unwrap()) else { return };
    for expected in [
        "情報セキュリティ基本方針",
        "1.経営者の責任",
        "当社は、経営者の主導で情報セキュリティに取り組みます。",
        "定期的に見直します。",
        "制定日：令和8年12月1日",
        "代表者代表取締役見本太郎",
        "https://kojo.example.jp/policy/abc123",
        "第2版",
    ] {
        assert!(contains(&text, expected), "{expected:?} not in\n{text}");
    }
    assert!(!contains(&text, "下書き"), "{text}");
    let draft = PolicyData { draft_mark: Some("下書き（未公開）".into()), public_url: None, ..policy };
    let text = pdf_text(&render_policy(fonts, &draft).unwrap()).unwrap();
    assert!(contains(&text, "下書き（未公開）"), "{text}");
}
