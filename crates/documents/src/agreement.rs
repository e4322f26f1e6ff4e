//! 参加同意書 (participation agreement): the data its template takes and the 令和5年度 wording.
//!
//! The wording changes from one programme year to the next, so it travels as data
//! ([`AgreementWording`], serialisable for storage per 年度); `SEED_*_R5` hold the 令和5年度 text
//! from the published agreement. The 和暦 date and the signature time arrive already formatted.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::pdf::{self, Fonts, PdfError, Template};

/// Everything `templates/agreement.typ` reads. Empty strings leave the field blank on the
/// form, for a copy to fill in by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementData {
    pub wording: AgreementWording,
    /// The secretariat's reference, printed top right (受付番号), if any.
    pub reference: Option<String>,
    /// The agreement date in 和暦, e.g. 「令和5年9月1日」.
    pub date: String,
    pub company_name: String,
    pub company_address: String,
    /// 代表者の役職, e.g. 「代表取締役」.
    pub representative_title: String,
    pub representative_name: String,
    /// 参加者（担当者）氏名.
    pub participant_name: String,
    /// Present on the electronically signed re-issue.
    pub signature: Option<ElectronicSignature>,
}

/// The programme year's text of the agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementWording {
    /// 「令和5年度」: the title reads 「{fiscal_year} 中小企業サイバーセキュリティ向上支援事業 参加同意書」.
    pub fiscal_year: Cow<'static, str>,
    /// Lines of the addressee block, top left.
    pub addressees: Vec<Cow<'static, str>>,
    /// The opening paragraph (私／当社は…同意します。).
    pub preamble: Cow<'static, str>,
    pub clauses: Vec<Clause>,
    /// ＜個人情報の取扱いについて＞, one bullet each.
    pub privacy_notes: Vec<Cow<'static, str>>,
}

/// One numbered section (第１ …).
///
/// `body` holds one paragraph per line. A line opening with a bracketed marker such as
/// 「（ア）」 is an item set with a hanging indent; a plain line after an item continues that item
/// (「ただし、…」); plain lines before any item are ordinary paragraphs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    pub heading: Cow<'static, str>,
    pub body: Cow<'static, str>,
}

/// The electronic signature record printed on the signed re-issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElectronicSignature {
    /// Who signed, as typed by them.
    pub signers: Vec<Signer>,
    /// 電子署名日時, formatted, e.g. 「令和5年9月1日 10時23分45秒（日本時間）」.
    pub signed_at: String,
    pub ip_address: String,
    /// Headings of the clauses the signers confirmed, one by one, before signing.
    pub agreed_clauses: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signer {
    /// 「代表者」 or 「参加者」.
    pub role: String,
    pub name: String,
}

/// Renders the participation agreement.
pub fn render_agreement(fonts: &Fonts, data: &AgreementData) -> Result<Vec<u8>, PdfError> {
    pdf::render(fonts, Template::Agreement, &serde_json::to_value(data)?, &[])
}

impl AgreementWording {
    /// The 令和5年度 wording, from the published 参加同意書.
    pub fn seed_r5() -> AgreementWording {
        AgreementWording {
            fiscal_year: Cow::Borrowed("令和5年度"),
            addressees: SEED_ADDRESSEES_R5.iter().map(|line| Cow::Borrowed(*line)).collect(),
            preamble: Cow::Borrowed(SEED_PREAMBLE_R5),
            clauses: SEED_CLAUSES_R5.to_vec(),
            privacy_notes: SEED_PRIVACY_NOTES_R5.iter().map(|line| Cow::Borrowed(*line)).collect(),
        }
    }
}

/// The agreement is handed to the secretariat, which runs the programme for Tokyo.
pub const SEED_ADDRESSEES_R5: &[&str] = &["東京都 御中", "中小企業サイバーセキュリティ向上支援事業運営事務局 御中"];

pub const SEED_PREAMBLE_R5: &str = "私／当社は東京都が主催し、アデコ株式会社（以下、「運営事務局」という。）が受託し運営する「令和５年度中小企業サイバーセキュリティ向上支援事業」（以下、「本事業」という。）に参加するに当たり、本事業の参加者及び参加者の所属する企業として、以下の事項について同意します。";

/// 第１–第５ of the 令和5年度 agreement, verbatim. The published 第１ goes from （カ） to （ク);
/// the gap is in the original and kept.
pub const SEED_CLAUSES_R5: &[Clause] = &[
    Clause {
        heading: Cow::Borrowed("第１ 事業参加について"),
        body: Cow::Borrowed(
            "（ア）参加者及び参加者の所属企業が、暴力団等の反社会的勢力でないこと、反社会的勢力との関係を有しないこと及び反社会的勢力から出資等の資金提供を受けていないこと。
（イ）参加者及び参加者の所属企業が、訴訟や法令遵守上の問題を抱えていないこと。
（ウ）公的な資金に基づく本事業への参加について、社会通念上、不適切であると判断されるものではないこと。
（エ）運営事務局等スタッフの案内に従わない、他の参加者の迷惑になる行為を行う等、運営事務局が本事業への参加を不適切と判断した際には、支援期間途中であっても事業参加の辞退を求める場合があること。
（オ）参加者は、特別な事情がある場合を除き、原則として、支援期間中に積極的に本事業へ参加し、達成目標の実現を目指すこと。具体的には、専門家派遣の受け入れを行うこと、意識調査（アンケート）へ協力すること。
ただし、この点についてやむを得ない事情が生じた場合には、事前に運営事務局へ相談すること。
（カ）参加者は、本事業の内容について、ＳＮＳ等メディアに投稿するなど、第三者に公開しないこと。
（ク）参加者は、本事業の内容について、録音、撮影及び録画を行わないこと。",
        ),
    },
    Clause {
        heading: Cow::Borrowed("第２ 広報施策、支援内容の公開について"),
        body: Cow::Borrowed(
            "本事業では、参加企業約５社を対象として、本事業で得られた成果事例を支援期間終了後に事業ホームページ等で公開する。その趣旨及び目的としては、取組の過程や得られた成果、参加者及び所属企業のコメントなどを取りまとめ、中小企業のセキュリティ対策の意識向上にも役立てることにある。
参加者及びその所属企業は、本事業への参加に当たり、成果事例を作成すること及びその作成に必要な参加企業への取材やアンケート等への受け入れに関し、その趣旨目的を理解の上、これに同意することを要する。
ただし、事例作成については、得られた成果のレベルや、セキュリティ体制等の企業の機密情報に係る事項を含むことから、その記載内容については、運営事務局から参加者及び参加者の所属企業に対し、事前の確認や綿密な相談を実施することを前提とし、企業の許可を得てから公表するものとする。",
        ),
    },
    Clause {
        heading: Cow::Borrowed("第３ 免責事項について"),
        body: Cow::Borrowed(
            "（ア）事業説明会場内でのけが等の傷害又は事故等について、東京都及び運営事務局は、あらゆる損害賠償責任から免責されるものとする。
ただし、東京都及び運営事務局に故意または重過失が認められる場合には、この限りでない。
（イ）事業説明会場内での盗難・紛失について、東京都及び運営事務局は、あらゆる損害賠償責任から免責されるものとする。
ただし、東京都及び運営事務局に故意または重過失が認められる場合には、この限りでない。
（ウ）荒天等の予期せぬ災害・地震その他天変地異や社会情勢等により、事業説明会及び支援が中止となった場合について、東京都及び運営事務局は、あらゆる損害賠償責任から免責されるものとする。
ただし、東京都及び運営事務局に故意または重過失が認められる場合には、この限りでない。",
        ),
    },
    Clause {
        heading: Cow::Borrowed("第４ 感染症の拡大抑制対策について"),
        body: Cow::Borrowed(
            "（ア）事業説明会において、マスク着用等の感染症対策は自主的な判断によるものの、事業運営にあたっては感染症の感染拡大防止に協力すること。
（イ）事業説明会において、発熱等の症状がある、または体調が悪い場合には参加を控えること。その際、運営事務局に必ず連絡すること。
（ウ）感染症の感染拡大の状況によっては、事業の延期若しくは中止又は開催方法の変更の可能性がある。その際は、運営事務局の指示に従うこと。",
        ),
    },
    Clause {
        heading: Cow::Borrowed(
            "第５ 支援期間中に、本同意書のいずれかの内容に関する変更が発生しうる事象が生じた場合は、下記の取り扱いに従うこと。",
        ),
        body: Cow::Borrowed(
            "（ア）東京都及び運営事務局に関する事象が発生した場合
東京都及び運営事務局側からの案内に従うこと。
（イ）参加者及び参加者の所属企業に関する事象が発生した場合
東京都及び運営事務局に状況を申告し、対応を協議すること。",
        ),
    },
];

pub const SEED_PRIVACY_NOTES_R5: &[&str] = &[
    "ご記入いただきました事項は万が一、事故等が起きた場合の対応等に使用させて頂く場合がございます。",
    "その他において第三者に対し、これらの情報を提供する事はありません。",
];
