//! Renders 150 different monthly UTM reports, one per course ① company, and reports how long
//! it takes, using every core.
//!
//! `cargo run --release -p documents --example monthly_reports -- [OUT_DIR] [COUNT]`
//! With `OUT_DIR`, the PDFs are written there. Fonts come from the system folders and
//! `KOJO_FONT_DIR`, if set.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use documents::pdf::Fonts;
use documents::report::{
    Action, Category, CategoryCount, DailyCount, Device, MonthlyReportData, ProgrammeComparison, TargetedPort,
    TopThreat, TrafficTotals, render_monthly_report,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out_dir = args.next().filter(|arg| !arg.is_empty()).map(PathBuf::from);
    let count: usize = args.next().and_then(|arg| arg.parse().ok()).unwrap_or(150);

    let started = Instant::now();
    let extra: Vec<PathBuf> = std::env::var_os("KOJO_FONT_DIR").map(PathBuf::from).into_iter().collect();
    let fonts = Fonts::discover(&extra)?;
    println!("fonts: {} faces, Japanese family {} ({:.0?})", fonts.len(), fonts.japanese_family(), started.elapsed());

    let reports: Vec<MonthlyReportData> = (0..count).map(sample).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let results: Vec<Result<Vec<Rendered>, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(report) = reports.get(index) else { return Ok(done) };
                        let one = Instant::now();
                        let pdf = render_monthly_report(&fonts, report)
                            .map_err(|error| format!("report {index}: {error}"))?;
                        done.push(Rendered { elapsed: one.elapsed(), bytes: pdf.len() });
                        if let Some(dir) = &out_dir {
                            std::fs::write(dir.join(format!("report-{index:03}.pdf")), &pdf)
                                .map_err(|e| e.to_string())?;
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().map(|worker| worker.join().expect("a render thread panicked")).collect()
    });
    let total = started.elapsed();

    let mut timings = Vec::new();
    let mut bytes = 0;
    for result in results {
        for rendered in result? {
            timings.push(rendered.elapsed);
            bytes += rendered.bytes;
        }
    }
    timings.sort();
    let median = timings[timings.len() / 2];
    let max = timings[timings.len() - 1];
    println!(
        "{count} reports on {threads} threads: {total:.2?} total, {:.0?} per report (wall), \
         each render median {median:.0?}, max {max:.0?}; {} KiB average",
        total / count as u32,
        bytes / count / 1024,
    );
    Ok(())
}

/// One render's time and size.
struct Rendered {
    elapsed: Duration,
    bytes: usize,
}

/// A report whose counts vary with `index`: some quiet months, some busy, some with a staff
/// comment or without targeted ports.
fn sample(index: usize) -> MonthlyReportData {
    let seed = index as u64;
    let quiet = index % 10 == 9;
    // Every section at its fullest: all categories, ten threats, five ports, a comment.
    let busiest = index % 10 == 3;
    let scale = 1 + seed % 7;
    let daily: Vec<DailyCount> = (1..=30u8)
        .map(|day| {
            let wave = (u64::from(day) * 7 + seed * 3) % 11;
            let blocked = if quiet { 0 } else { wave * scale / 2 };
            let detected = if quiet || !(u64::from(day) + seed).is_multiple_of(4) { 0 } else { 1 + seed % 3 };
            DailyCount { day, blocked, detected }
        })
        .collect();
    let blocked: u64 = daily.iter().map(|day| day.blocked).sum();
    let detected: u64 = daily.iter().map(|day| day.detected).sum();
    // Spread the month's totals over the categories, each index favouring different ones.
    let mut categories = Vec::new();
    let mut blocked_left = blocked;
    let mut detected_left = detected;
    for (position, category) in Category::ALL.into_iter().enumerate() {
        let share = (position as u64 + seed) % 4;
        let take_blocked = if position == Category::ALL.len() - 1 { blocked_left } else { blocked_left * share / 8 };
        let take_detected = if position == 1 { detected_left } else { 0 };
        blocked_left -= take_blocked;
        detected_left -= take_detected;
        categories.push(CategoryCount {
            category,
            blocked: take_blocked + u64::from(busiest),
            detected: take_detected,
            allowed: if category == Category::Application && index.is_multiple_of(3) { 40 + seed } else { 0 },
        });
    }
    let top_threats = if quiet {
        Vec::new()
    } else {
        SIGNATURES
            .iter()
            .take(if busiest { 10 } else { 4 + index % 7 })
            .enumerate()
            .map(|(rank, (signature, category))| TopThreat {
                signature: (*signature).to_owned(),
                category: *category,
                action: if *category == Category::Intrusion && rank % 2 == 1 {
                    Action::Detected
                } else {
                    Action::Blocked
                },
                count: (blocked / (rank as u64 + 2)).max(1),
                last_seen: format!("11月{}日 {:02}:{:02}", 30 - rank, (seed + rank as u64) % 24, (seed * 7) % 60),
                last_seen_at: None,
            })
            .collect()
    };
    let targeted_ports = if quiet || (index % 5 == 4 && !busiest) {
        Vec::new()
    } else {
        [(3389, Some("RDP")), (22, Some("SSH")), (445, None), (8291, Some("winbox")), (23, None)]
            .into_iter()
            .take(if busiest { 5 } else { 1 + index % 5 })
            .enumerate()
            .map(|(rank, (port, service))| TargetedPort {
                port,
                service: service.map(str::to_owned),
                count: 200 / (rank as u64 + 1) + seed,
            })
            .collect()
    };
    MonthlyReportData {
        company_name: format!("{}株式会社", COMPANY_NAMES[index % COMPANY_NAMES.len()]),
        reference: Some(format!("R8-{:04}", index + 1)),
        device: Device {
            vendor: "Fortinet".into(),
            model: "FortiGate 40F".into(),
            serial: format!("FGT40F{:010}", seed * 7919),
        },
        month: "2026-11".into(),
        month_label: "令和8年11月".into(),
        period: "令和8年11月1日～11月30日".into(),
        issued_on: "令和8年12月4日".into(),
        trial_last_day: (index.is_multiple_of(2) || busiest).then(|| "令和9年1月31日".into()),
        trial_last_date: None,
        categories,
        daily,
        top_threats,
        targeted_ports,
        traffic: TrafficTotals { sessions_allowed: 120_000 + seed * 1_733, sessions_blocked: 300 + blocked },
        comparison: Some(ProgrammeComparison { median_threats: 85, companies: 142 }),
        staff_comment: (index.is_multiple_of(4) || busiest).then(|| {
            "今月は海外からのリモートデスクトップ（RDP）への接続の試みが目立ちましたが、すべてUTMで遮断しています。\
             社外から社内のパソコンへ接続する必要がなければ、その設定を無効にしておくとより安全です。"
                .into()
        }),
    }
}

const COMPANY_NAMES: &[&str] =
    &["サンプル精機", "東京ミライ商事", "多摩川工業", "やまびこ印刷", "青葉設計事務所", "みどり食品"];

const SIGNATURES: &[(&str, Category)] = &[
    ("HTML/Phishing.A!tr", Category::Web),
    ("MS.RDP.Connection.Brute.Force", Category::Intrusion),
    ("W32/Emotet.ABC!tr", Category::Malware),
    ("Apache.Log4j.Error.Log.Remote.Code.Execution", Category::Intrusion),
    ("Spam.Mail.Generic", Category::Spam),
    ("Mirai.Botnet.CnC", Category::Botnet),
    ("BitTorrent", Category::Application),
    ("TCP.Port.Scan", Category::Anomaly),
    ("Malicious.Domain.Lookup", Category::Dns),
    ("Credit.Card.Number.Transfer", Category::DataLeak),
];
