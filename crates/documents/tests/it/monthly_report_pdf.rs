//! The monthly UTM report as a reader sees it: text extracted with poppler's `pdftotext`.
//!
//! Needs a Japanese font (Debian `fonts-morisawa-bizud-gothic`) and `poppler-utils`. Without
//! them a test prints "skipped", except on CI (`CI=true`) where it fails.

use crate::support;

use documents::report::{
    Action, Category, CategoryCount, DailyCount, Device, MonthlyReportData, ProgrammeComparison, TargetedPort,
    TopThreat, TrafficTotals, render_monthly_report,
};
use support::{contains, fonts, pdf_text, run, write_temp};

#[test]
fn a_busy_month_shows_company_month_totals_summary_and_threats() {
    let Some(fonts) = fonts() else { return };
    let data = busy();
    let pdf = render_monthly_report(fonts, &data).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = pdf_text(&pdf) else { return };

    for expected in [
        "UTM月次レポート",
        "令和8年11月",
        "サンプル精機株式会社",
        "R8-0042",
        "令和8年11月1日～11月30日",
        "FortiGate 40F",
        "FGT40F0000123456",
        "令和8年12月4日",
        "令和9年1月31日",
        // Totals: 1,234 + 3 + 5 + 7 blocked, 2 detected.
        "1,249",
        "今月は ウイルス 1,234件、不正な通信先への接続 7件、不正侵入 3件 を遮断しました。",
        "危険なWebサイトへのアクセスを 5件 ブロックしました。",
        "また、不正侵入 2件 を検知しました。",
        // Charts: their Japanese labels come through as text.
        "日ごとの件数",
        "（日）",
        "検知（通過）",
        "脅威の種類ごとの件数",
        "ウイルス・マルウェア",
        // Top threats, explained.
        "W32/Emotet.ABC!tr",
        // A long name wraps after a dot; pdftotext then shows its two halves apart.
        "Apache.Log4j",
        "Execution",
        "HTML/Phishing.A!tr",
        Category::Malware.explanation(),
        Category::Malware.advice(),
        // Services, comparison, comment, what to do.
        "リモートデスクトップ（RDP）",
        "3389",
        "参加企業の中央値：85件",
        "142社",
        "社外から社内のパソコンへ接続する必要がなければ",
        "今月やること",
        "24時間365日",
    ] {
        assert!(contains(&text, expected), "{expected:?} not in:\n{text}");
    }
    for sentence in data.summary() {
        assert!(contains(&text, &sentence), "{sentence:?} not in:\n{text}");
    }
    assert!(!contains(&text, "脅威の検知はありませんでした"), "{text}");
}

#[test]
fn a_month_without_threats_says_so_without_empty_charts() {
    let Some(fonts) = fonts() else { return };
    let data = quiet();
    let pdf = render_monthly_report(fonts, &data).unwrap();
    let Some(text) = pdf_text(&pdf) else { return };
    for expected in [
        "UTM月次レポート",
        "令和8年11月",
        "今月、UTMが遮断・検知した脅威はありませんでした。",
        "1日あたり平均 4,000件の通信を確認し、安全な通信のみを通しています。",
        "今月は、脅威の検知はありませんでした",
        "今月は、特定のサービスを狙った通信の集計はありません。",
        "今月やること",
    ] {
        assert!(contains(&text, expected), "{expected:?} not in:\n{text}");
    }
    for absent in ["日ごとの件数", "脅威の種類ごとの件数", "よく見つかった脅威", "担当者からのコメント", "中央値"]
    {
        assert!(!contains(&text, absent), "{absent:?} in:\n{text}");
    }
    assert_eq!(pages(&text), 1, "{text}");
}

#[test]
fn the_fullest_month_fits_on_three_pages() {
    let Some(fonts) = fonts() else { return };
    let mut data = busy();
    data.categories = Category::ALL
        .into_iter()
        .map(|category| CategoryCount { category, blocked: 30, detected: 4, allowed: 12 })
        .collect();
    data.top_threats = Category::ALL
        .into_iter()
        .enumerate()
        .map(|(index, category)| TopThreat {
            signature: format!("Vendor.Signature.With.A.Long.Name.Number{index}"),
            category,
            action: if index % 2 == 0 { Action::Blocked } else { Action::Detected },
            count: 30 - index as u64,
            last_seen: "11月30日 23:59".into(),
            last_seen_at: None,
        })
        .collect();
    data.targeted_ports = (0..5).map(|index| TargetedPort { port: 3389 + index, service: None, count: 10 }).collect();
    let pdf = render_monthly_report(fonts, &data).unwrap();
    let Some(text) = pdf_text(&pdf) else { return };
    assert!(contains(&text, "問題なしとして通した通信の記録が 120 件"), "allowed events are mentioned:\n{text}");
    assert!(contains(&text, "Number9"), "{text}");
    assert!(pages(&text) <= 3, "{} pages:\n{text}", pages(&text));
}

#[test]
fn fonts_are_embedded_and_not_type3() {
    let Some(fonts) = fonts() else { return };
    let pdf = render_monthly_report(fonts, &busy()).unwrap();
    let file = write_temp(&pdf);
    let Some(listing) = run("pdffonts", &[file.path().to_str().unwrap()]) else { return };
    let rows: Vec<&str> = listing.lines().skip(2).filter(|line| !line.trim().is_empty()).collect();
    assert!(!rows.is_empty(), "{listing}");
    for row in rows {
        assert!(!row.contains("Type 3"), "Type 3 font (chart text should be real text):\n{listing}");
    }
}

#[test]
fn the_same_data_gives_the_same_bytes() {
    let Some(fonts) = fonts() else { return };
    assert!(render_monthly_report(fonts, &busy()).unwrap() == render_monthly_report(fonts, &busy()).unwrap());
}

#[test]
fn optional_parts_may_all_be_missing() {
    let Some(fonts) = fonts() else { return };
    let data = MonthlyReportData {
        reference: None,
        trial_last_day: None,
        trial_last_date: None,
        targeted_ports: Vec::new(),
        comparison: None,
        staff_comment: None,
        daily: Vec::new(),
        ..busy()
    };
    let pdf = render_monthly_report(fonts, &data).unwrap();
    let Some(text) = pdf_text(&pdf) else { return };
    assert!(contains(&text, "今月は、特定のサービスを狙った通信の集計はありません。"), "{text}");
    assert!(!contains(&text, "受付番号") && !contains(&text, "無料お試し期間"), "{text}");
}

/// Pages in `pdftotext` output, which ends each page with a form feed.
fn pages(text: &str) -> usize {
    text.matches('\u{c}').count()
}

fn busy() -> MonthlyReportData {
    let daily: Vec<DailyCount> = (1..=30)
        .map(|day| DailyCount { day, blocked: u64::from(day) * 2, detected: u64::from(day % 15 == 0) })
        .collect();
    let threat = |signature: &str, category, action, count| TopThreat {
        signature: signature.into(),
        category,
        action,
        count,
        last_seen: "11月28日 14:05".into(),
        last_seen_at: None,
    };
    MonthlyReportData {
        company_name: "サンプル精機株式会社".into(),
        reference: Some("R8-0042".into()),
        device: Device { vendor: "Fortinet".into(), model: "FortiGate 40F".into(), serial: "FGT40F0000123456".into() },
        month: "2026-11".into(),
        month_label: "令和8年11月".into(),
        period: "令和8年11月1日～11月30日".into(),
        issued_on: "令和8年12月4日".into(),
        trial_last_day: Some("令和9年1月31日".into()),
        trial_last_date: None,
        categories: vec![
            CategoryCount { category: Category::Malware, blocked: 1_234, detected: 0, allowed: 0 },
            CategoryCount { category: Category::Intrusion, blocked: 3, detected: 2, allowed: 0 },
            CategoryCount { category: Category::Web, blocked: 5, detected: 0, allowed: 0 },
            CategoryCount { category: Category::Botnet, blocked: 7, detected: 0, allowed: 0 },
        ],
        daily,
        top_threats: vec![
            threat("W32/Emotet.ABC!tr", Category::Malware, Action::Blocked, 1_200),
            threat("Mirai.Botnet.CnC", Category::Botnet, Action::Blocked, 7),
            threat("HTML/Phishing.A!tr", Category::Web, Action::Blocked, 5),
            threat("Apache.Log4j.Error.Log.Remote.Code.Execution", Category::Intrusion, Action::Detected, 2),
        ],
        targeted_ports: vec![
            TargetedPort { port: 3389, service: Some("RDP".into()), count: 120 },
            TargetedPort { port: 8291, service: Some("winbox".into()), count: 7 },
        ],
        traffic: TrafficTotals { sessions_allowed: 119_000, sessions_blocked: 1_000 },
        comparison: Some(ProgrammeComparison { median_threats: 85, companies: 142 }),
        staff_comment: Some(
            "今月は海外からのリモートデスクトップ（RDP）への接続の試みが目立ちましたが、すべてUTMで遮断しています。\
             社外から社内のパソコンへ接続する必要がなければ、その設定を無効にしておくとより安全です。"
                .into(),
        ),
    }
}

fn quiet() -> MonthlyReportData {
    MonthlyReportData {
        categories: vec![CategoryCount { category: Category::Application, blocked: 0, detected: 0, allowed: 3 }],
        daily: (1..=30).map(|day| DailyCount { day, blocked: 0, detected: 0 }).collect(),
        top_threats: Vec::new(),
        targeted_ports: Vec::new(),
        traffic: TrafficTotals { sessions_allowed: 120_000, sessions_blocked: 0 },
        comparison: None,
        staff_comment: None,
        ..busy()
    }
}
