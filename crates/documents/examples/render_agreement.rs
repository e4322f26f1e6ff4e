//! Renders a sample participation agreement and reports how long rendering takes.
//!
//! `cargo run --release -p documents --example render_agreement -- OUT.pdf [COUNT] [--signed]`
//! Fonts come from the system folders and `KOJO_FONT_DIR`, if set.

use std::path::PathBuf;
use std::time::Instant;

use documents::agreement::{AgreementData, AgreementWording, ElectronicSignature, Signer, render_agreement};
use documents::pdf::Fonts;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "agreement.pdf".into()));
    let rest: Vec<String> = args.collect();
    let count: u32 = rest.iter().find_map(|arg| arg.parse().ok()).unwrap_or(20);
    let signed = rest.iter().any(|arg| arg == "--signed");

    let started = Instant::now();
    let extra: Vec<PathBuf> = std::env::var_os("KOJO_FONT_DIR").map(PathBuf::from).into_iter().collect();
    let fonts = Fonts::discover(&extra)?;
    println!("fonts: {} faces, Japanese family {} ({:.0?})", fonts.len(), fonts.japanese_family(), started.elapsed());

    let data = sample(signed);
    let first = Instant::now();
    let pdf = render_agreement(&fonts, &data)?;
    println!("first render: {:.0?} ({} bytes)", first.elapsed(), pdf.len());

    let mut timings = Vec::new();
    for index in 0..count {
        let mut data = data.clone();
        data.company_name = format!("サンプル精機株式会社 {index}");
        let started = Instant::now();
        render_agreement(&fonts, &data)?;
        timings.push(started.elapsed());
    }
    timings.sort();
    if let (Some(min), Some(max)) = (timings.first(), timings.last()) {
        let median = timings[timings.len() / 2];
        println!("{count} further renders: min {min:.1?}, median {median:.1?}, max {max:.1?}");
    }
    std::fs::write(&out, pdf)?;
    println!("wrote {}", out.display());
    Ok(())
}

fn sample(signed: bool) -> AgreementData {
    let wording = AgreementWording::seed_r5();
    let signature = signed.then(|| ElectronicSignature {
        signers: vec![
            Signer { role: "代表者".into(), name: "山田 太郎".into() },
            Signer { role: "参加者".into(), name: "佐藤 花子".into() },
        ],
        signed_at: "令和5年9月1日 10時23分45秒（日本時間）".into(),
        ip_address: "203.0.113.45".into(),
        agreed_clauses: wording.clauses.iter().map(|clause| clause.heading.to_string()).collect(),
    });
    AgreementData {
        wording,
        reference: Some("R5-0042".into()),
        date: "令和5年9月1日".into(),
        company_name: "サンプル精機株式会社".into(),
        company_address: "東京都新宿区西新宿二丁目8番1号".into(),
        representative_title: "代表取締役".into(),
        representative_name: "山田 太郎".into(),
        participant_name: "佐藤 花子".into(),
        signature,
    }
}
