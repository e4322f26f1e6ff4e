//! Who may apply: the requirements of 募集要項 2. 当事業の募集対象, judged from a company profile.
//!
//! Owns the SME limits by industry (中小企業基本法 第2条第1項, quoted in 募集要項 2.(1)), the seven
//! declarations ア–キ (募集要項 2.(4)) and [`evaluate`], which lists every requirement a profile
//! fails, with a reason in Japanese and English. It judges only what the applicant states: it does
//! not verify tax records or registries, and it never rejects a previous participant, whom the
//! secretariat judges (募集要項 2.(2) ただし書き).

use serde::{Deserialize, Serialize};

use crate::text::normalize;

/// The only prefecture whose companies may apply (募集要項 2.(1) 東京都内に主たる事業所).
pub const TOKYO: &str = "東京都";

/// Industry groups of the SME definition (募集要項 2.(1) table ①–④).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Industry {
    Manufacturing,
    Construction,
    Transport,
    Wholesale,
    Services,
    Retail,
    /// その他の業種 (②～④を除く): the same limits as manufacturing.
    Other,
}

/// The inclusive (以下) upper limits under which a company is an SME; either one suffices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SmeLimits {
    pub capital_yen: u64,
    pub employees: u32,
}

/// The declarations ア–キ of 募集要項 2.(4), `a` for ア through `g` for キ. All must be true.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Declarations {
    /// ア 都税、消費税及び地方消費税の滞納がない
    pub a: bool,
    /// イ 法令等・公序良俗に反しない
    pub b: bool,
    /// ウ 東京都への賃料・使用料等の支払いが滞っていない
    pub c: bool,
    /// エ 民事再生・会社更生・破産・私的整理の手続中でない
    pub d: bool,
    /// オ 暴力団関係者・風俗関連業・ギャンブル業等でない
    pub e: bool,
    /// カ 連鎖販売取引・ネガティブ・オプション・催眠商法・霊感商法等でない
    pub f: bool,
    /// キ 宗教活動や政治活動を主たる目的とする団体等でない
    pub g: bool,
}

/// What the applicant states about the company; the input of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyProfile {
    /// 個人事業主: judged by employees alone.
    pub sole_proprietor: bool,
    /// Prefecture of the main office (主たる事業所).
    pub prefecture: String,
    pub industry: Industry,
    /// 資本金 (or 出資の総額); `None` when not stated.
    pub capital_yen: Option<u64>,
    /// 常時使用する従業員の数.
    pub employees: u32,
    /// Supported by this programme in an earlier year (募集要項 2.(2)).
    pub previous_participant: bool,
    /// Uses a Tokyo subsidy supporting the same measures (募集要項 2.(3)).
    pub uses_equivalent_tokyo_subsidy: bool,
    pub declarations: Declarations,
}

/// The outcome of [`evaluate`]: eligible when no reason was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Eligibility {
    pub eligible: bool,
    /// Points for the secretariat's judgement; they do not make a profile ineligible.
    pub flags: Vec<Flag>,
    /// Every failed requirement, in the order of 募集要項 2.
    pub reasons: Vec<Reason>,
}

/// One failed requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable code: `main_office_outside_tokyo`, `not_sme`, `equivalent_tokyo_subsidy`,
    /// `declaration_a` … `declaration_g`.
    pub rule: &'static str,
    pub ja: String,
    pub en: String,
}

/// Something the secretariat must look at without it deciding eligibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Supported before: allowed only if the present security environment warrants it (募集要項 2.(2)).
    PreviousParticipant,
}

impl Industry {
    pub const ALL: [Industry; 7] = [
        Industry::Manufacturing,
        Industry::Construction,
        Industry::Transport,
        Industry::Wholesale,
        Industry::Services,
        Industry::Retail,
        Industry::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Industry::Manufacturing => "manufacturing",
            Industry::Construction => "construction",
            Industry::Transport => "transport",
            Industry::Wholesale => "wholesale",
            Industry::Services => "services",
            Industry::Retail => "retail",
            Industry::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|industry| industry.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Industry::Manufacturing => "製造業",
            Industry::Construction => "建設業",
            Industry::Transport => "運輸業",
            Industry::Wholesale => "卸売業",
            Industry::Services => "サービス業",
            Industry::Retail => "小売業",
            Industry::Other => "その他の業種",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Industry::Manufacturing => "Manufacturing",
            Industry::Construction => "Construction",
            Industry::Transport => "Transport",
            Industry::Wholesale => "Wholesale",
            Industry::Services => "Services",
            Industry::Retail => "Retail",
            Industry::Other => "Other industries",
        }
    }

    /// 募集要項 2.(1): ① 3億円/300人, ② 卸売業 1億円/100人, ③ サービス業 5,000万円/100人,
    /// ④ 小売業 5,000万円/50人.
    pub fn limits(self) -> SmeLimits {
        let (capital_yen, employees) = match self {
            Industry::Manufacturing | Industry::Construction | Industry::Transport | Industry::Other => {
                (300_000_000, 300)
            }
            Industry::Wholesale => (100_000_000, 100),
            Industry::Services => (50_000_000, 100),
            Industry::Retail => (50_000_000, 50),
        };
        SmeLimits { capital_yen, employees }
    }
}

impl Declarations {
    /// The official texts of 募集要項 2.(4): (field letter, kana label, text).
    pub const LABELS_JA: [(char, &'static str, &'static str); 7] = [
        ('a', "ア", "都税、消費税及び地方消費税の額に滞納がないこと"),
        ('b', "イ", "法令等もしくは公序良俗に反し、またはその恐れがないこと"),
        ('c', "ウ", "東京都に対する賃料・使用料等の債務が存する場合、その支払いが滞っていないこと"),
        (
            'd',
            "エ",
            "民事再生法、会社更生法、破産法に基づく申立手続中（再生計画等認可後は除く）、又は私的整理手続中など、事業の継続性について不確実な状況が存在していないこと",
        ),
        (
            'e',
            "オ",
            "「東京都暴力団排除条例」に規定する暴力団関係者又は「風俗営業等の規制及び業務の適正化等に関する法律」第２条に規定する風俗関連業、ギャンブル業、賭博等、支援の対象として社会通念上適切でないと判断される業態を営むものではないこと",
        ),
        (
            'f',
            "カ",
            "その他、連鎖販売取引、ネガティブ・オプション（送り付け商法）、催眠商法、霊感商法など公的資金の助成先として適切でないと判断する業態を営むものではないこと",
        ),
        ('g', "キ", "宗教活動や政治活動を主たる目的とする団体等でないこと"),
    ];

    /// English summaries of ア–キ, for the API and English screens (the Japanese text governs).
    pub const LABELS_EN: [(char, &'static str); 7] = [
        ('a', "No arrears of Tokyo metropolitan taxes, consumption tax or local consumption tax."),
        ('b', "Nothing contrary, or liable to be contrary, to laws and regulations or public order and morals."),
        ('c', "Where rent, fees or similar are owed to the Tokyo Metropolitan Government, payment is not overdue."),
        (
            'd',
            "No uncertainty about business continuity, such as pending civil rehabilitation, corporate reorganisation or bankruptcy proceedings (except after approval of a rehabilitation plan) or private liquidation.",
        ),
        (
            'e',
            "Not an organised-crime associate under the Tokyo ordinance, nor an adult-entertainment, gambling or similar business deemed unsuitable for support.",
        ),
        (
            'f',
            "Not engaged in pyramid selling, negative-option (unsolicited goods) selling, hypnotic or spiritual sales, or any other business unsuitable for public funds.",
        ),
        ('g', "Not an organisation whose main purpose is religious or political activity."),
    ];

    /// Every declaration made.
    pub fn all() -> Self {
        Declarations { a: true, b: true, c: true, d: true, e: true, f: true, g: true }
    }

    /// The declaration for letter `'a'`…`'g'`; `None` for any other letter.
    pub fn get(&self, letter: char) -> Option<bool> {
        Some(match letter {
            'a' => self.a,
            'b' => self.b,
            'c' => self.c,
            'd' => self.d,
            'e' => self.e,
            'f' => self.f,
            'g' => self.g,
            _ => return None,
        })
    }

    /// Sets the declaration for letter `'a'`…`'g'`; other letters are ignored.
    pub fn set(&mut self, letter: char, value: bool) {
        match letter {
            'a' => self.a = value,
            'b' => self.b = value,
            'c' => self.c = value,
            'd' => self.d = value,
            'e' => self.e = value,
            'f' => self.f = value,
            'g' => self.g = value,
            _ => {}
        }
    }

    pub fn all_made(&self) -> bool {
        Self::LABELS_JA.iter().all(|(letter, _, _)| self.get(*letter) == Some(true))
    }

    /// Letters of the declarations not made, in order.
    pub fn missing(&self) -> impl Iterator<Item = char> + '_ {
        Self::LABELS_JA.iter().map(|(letter, _, _)| *letter).filter(|letter| self.get(*letter) != Some(true))
    }
}

impl Flag {
    pub fn code(self) -> &'static str {
        match self {
            Flag::PreviousParticipant => "previous_participant",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Flag::PreviousParticipant => {
                "過去に本事業の支援を受けています（現状のセキュリティ環境に応じて事務局が判断します）"
            }
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Flag::PreviousParticipant => {
                "Supported by this programme before (the secretariat decides from the present security environment)"
            }
        }
    }
}

impl SmeLimits {
    /// 中小企業基本法 第2条第1項: capital at or below the limit, or employees at or below it.
    /// Without a stated capital (and always for a sole proprietor) only employees count.
    pub fn admits(self, capital_yen: Option<u64>, employees: u32) -> bool {
        employees <= self.employees || capital_yen.is_some_and(|capital| capital <= self.capital_yen)
    }
}

/// Checks a profile against every requirement of 募集要項 2. and lists all that fail.
pub fn evaluate(profile: &CompanyProfile) -> Eligibility {
    let mut reasons = Vec::new();
    let mut flags = Vec::new();

    // 2.(1) 東京都内に主たる事業所を有する
    if normalize(&profile.prefecture) != TOKYO {
        reasons.push(Reason {
            rule: "main_office_outside_tokyo",
            ja: "主たる事業所が東京都内にある中小企業者が対象です".to_owned(),
            en: "Only SMEs whose main office is in Tokyo are eligible.".to_owned(),
        });
    }

    // 2.(1) 中小企業基本法第２条第１項に規定する中小企業者
    let limits = profile.industry.limits();
    let capital = if profile.sole_proprietor { None } else { profile.capital_yen };
    if !limits.admits(capital, profile.employees) {
        reasons.push(not_sme_reason(profile.industry, profile.sole_proprietor));
    }

    // 2.(2) ただし、現状のセキュリティ環境に応じては、この限りではない
    if profile.previous_participant {
        flags.push(Flag::PreviousParticipant);
    }

    // 2.(3) 同等の東京都の補助事業を活用していない
    if profile.uses_equivalent_tokyo_subsidy {
        reasons.push(Reason {
            rule: "equivalent_tokyo_subsidy",
            ja: "本事業と同等のサイバーセキュリティ対策の内容を支援する東京都の補助事業を活用している場合は対象外です"
                .to_owned(),
            en: "Companies using a Tokyo subsidy that supports the same cybersecurity measures are not eligible."
                .to_owned(),
        });
    }

    // 2.(4) 次のア～キの全てに該当すること
    for (index, (letter, kana, text)) in Declarations::LABELS_JA.iter().enumerate() {
        if profile.declarations.get(*letter) != Some(true) {
            let (_, english) = Declarations::LABELS_EN[index];
            reasons.push(Reason {
                rule: declaration_rule(*letter),
                ja: format!("要件{kana}「{text}」に該当することの確認が必要です"),
                en: format!("Declaration {letter} ({kana}) is required: {english}"),
            });
        }
    }

    Eligibility { eligible: reasons.is_empty(), flags, reasons }
}

fn not_sme_reason(industry: Industry, sole_proprietor: bool) -> Reason {
    let limits = industry.limits();
    let mut ja = format!(
        "{}の中小企業者は資本金{}以下又は従業員{}人以下です",
        industry.label_ja(),
        format_yen_ja(limits.capital_yen),
        limits.employees
    );
    let mut en = format!(
        "An SME in {} has capital of at most ¥{} or at most {} employees.",
        industry.label_en().to_lowercase(),
        group_thousands(limits.capital_yen),
        limits.employees
    );
    if sole_proprietor {
        ja.push_str("（個人事業主は従業員数で判定します）");
        en.push_str(" A sole proprietor is judged by employees alone.");
    }
    Reason { rule: "not_sme", ja, en }
}

fn declaration_rule(letter: char) -> &'static str {
    match letter {
        'a' => "declaration_a",
        'b' => "declaration_b",
        'c' => "declaration_c",
        'd' => "declaration_d",
        'e' => "declaration_e",
        'f' => "declaration_f",
        _ => "declaration_g",
    }
}

/// Yen in the 募集要項's style: `3億円`, `1億円`, `5,000万円`, `1億5,000万円`.
fn format_yen_ja(yen: u64) -> String {
    let oku = yen / 100_000_000;
    let man = yen % 100_000_000 / 10_000;
    let rest = yen % 10_000;
    let mut out = String::new();
    if oku > 0 {
        out.push_str(&format!("{}億", group_thousands(oku)));
    }
    if man > 0 {
        out.push_str(&format!("{}万", group_thousands(man)));
    }
    if rest > 0 || out.is_empty() {
        out.push_str(&group_thousands(rest));
    }
    out.push('円');
    out
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn profile() -> CompanyProfile {
        CompanyProfile {
            sole_proprietor: false,
            prefecture: "東京都".to_owned(),
            industry: Industry::Manufacturing,
            capital_yen: Some(10_000_000),
            employees: 20,
            previous_participant: false,
            uses_equivalent_tokyo_subsidy: false,
            declarations: Declarations::all(),
        }
    }

    fn rules(eligibility: &Eligibility) -> Vec<&'static str> {
        eligibility.reasons.iter().map(|reason| reason.rule).collect()
    }

    #[test]
    fn a_typical_company_is_eligible() {
        let result = evaluate(&profile());
        assert!(result.eligible);
        assert!(result.reasons.is_empty());
        assert!(result.flags.is_empty());
    }

    #[rstest]
    // ① manufacturing, construction, transport, other: 3億円 / 300人
    #[case(Industry::Manufacturing, Some(300_000_000), 301, true)]
    #[case(Industry::Manufacturing, Some(300_000_001), 301, false)]
    #[case(Industry::Manufacturing, Some(300_000_001), 300, true)]
    #[case(Industry::Construction, Some(300_000_000), 1_000, true)]
    #[case(Industry::Construction, Some(300_000_001), 301, false)]
    #[case(Industry::Transport, Some(400_000_000), 300, true)]
    #[case(Industry::Transport, Some(400_000_000), 301, false)]
    #[case(Industry::Other, Some(300_000_000), 301, true)]
    #[case(Industry::Other, Some(300_000_001), 301, false)]
    #[case(Industry::Other, Some(300_000_001), 300, true)]
    // ② wholesale: 1億円 / 100人
    #[case(Industry::Wholesale, Some(100_000_000), 101, true)]
    #[case(Industry::Wholesale, Some(100_000_001), 101, false)]
    #[case(Industry::Wholesale, Some(100_000_001), 100, true)]
    #[case(Industry::Wholesale, Some(100_000_001), 300, false)]
    // ③ services: 5,000万円 / 100人
    #[case(Industry::Services, Some(50_000_000), 101, true)]
    #[case(Industry::Services, Some(50_000_001), 101, false)]
    #[case(Industry::Services, Some(50_000_001), 100, true)]
    #[case(Industry::Services, Some(100_000_000), 101, false)]
    // ④ retail: 5,000万円 / 50人
    #[case(Industry::Retail, Some(50_000_000), 51, true)]
    #[case(Industry::Retail, Some(50_000_001), 51, false)]
    #[case(Industry::Retail, Some(50_000_001), 50, true)]
    #[case(Industry::Retail, Some(50_000_001), 100, false)]
    // Both within: obviously an SME; capital unknown: employees alone decide.
    #[case(Industry::Retail, Some(1), 1, true)]
    #[case(Industry::Manufacturing, None, 300, true)]
    #[case(Industry::Manufacturing, None, 301, false)]
    #[case(Industry::Retail, None, 50, true)]
    #[case(Industry::Retail, None, 51, false)]
    #[case(Industry::Services, Some(0), 10_000, true)]
    fn sme_limits_are_inclusive_and_either_suffices(
        #[case] industry: Industry,
        #[case] capital_yen: Option<u64>,
        #[case] employees: u32,
        #[case] sme: bool,
    ) {
        let result = evaluate(&CompanyProfile { industry, capital_yen, employees, ..profile() });
        assert_eq!(result.eligible, sme);
        assert_eq!(rules(&result), if sme { vec![] } else { vec!["not_sme"] });
    }

    #[rstest]
    #[case(Industry::Manufacturing, None, 300, true)]
    #[case(Industry::Manufacturing, None, 301, false)]
    #[case(Industry::Manufacturing, Some(1), 301, false)] // capital ignored
    #[case(Industry::Retail, Some(1_000_000_000), 50, true)] // capital ignored
    #[case(Industry::Retail, Some(1), 51, false)]
    #[case(Industry::Services, None, 100, true)]
    #[case(Industry::Wholesale, Some(0), 101, false)]
    fn sole_proprietors_are_judged_by_employees(
        #[case] industry: Industry,
        #[case] capital_yen: Option<u64>,
        #[case] employees: u32,
        #[case] sme: bool,
    ) {
        let result = evaluate(&CompanyProfile { sole_proprietor: true, industry, capital_yen, employees, ..profile() });
        assert_eq!(result.eligible, sme);
        if !sme {
            assert!(result.reasons[0].ja.ends_with("（個人事業主は従業員数で判定します）"));
        }
    }

    #[rstest]
    #[case(Industry::Manufacturing, "製造業の中小企業者は資本金3億円以下又は従業員300人以下です")]
    #[case(Industry::Construction, "建設業の中小企業者は資本金3億円以下又は従業員300人以下です")]
    #[case(Industry::Transport, "運輸業の中小企業者は資本金3億円以下又は従業員300人以下です")]
    #[case(Industry::Other, "その他の業種の中小企業者は資本金3億円以下又は従業員300人以下です")]
    #[case(Industry::Wholesale, "卸売業の中小企業者は資本金1億円以下又は従業員100人以下です")]
    #[case(Industry::Services, "サービス業の中小企業者は資本金5,000万円以下又は従業員100人以下です")]
    #[case(Industry::Retail, "小売業の中小企業者は資本金5,000万円以下又は従業員50人以下です")]
    fn not_sme_message_states_the_limits(#[case] industry: Industry, #[case] expected: &str) {
        let result =
            evaluate(&CompanyProfile { industry, capital_yen: Some(u64::MAX), employees: u32::MAX, ..profile() });
        assert_eq!(result.reasons.len(), 1);
        assert_eq!(result.reasons[0].ja, expected);
    }

    #[test]
    fn not_sme_message_in_english() {
        let result = evaluate(&CompanyProfile { capital_yen: None, employees: 301, ..profile() });
        assert_eq!(
            result.reasons[0].en,
            "An SME in manufacturing has capital of at most ¥300,000,000 or at most 300 employees."
        );
    }

    #[rstest]
    #[case("東京都", true)]
    #[case(" 東京都 ", true)]
    #[case("神奈川県", false)]
    #[case("東京", false)]
    #[case("", false)]
    fn main_office_must_be_in_tokyo(#[case] prefecture: &str, #[case] eligible: bool) {
        let result = evaluate(&CompanyProfile { prefecture: prefecture.to_owned(), ..profile() });
        assert_eq!(result.eligible, eligible);
        if !eligible {
            assert_eq!(rules(&result), vec!["main_office_outside_tokyo"]);
        }
    }

    #[test]
    fn equivalent_tokyo_subsidy_excludes() {
        let result = evaluate(&CompanyProfile { uses_equivalent_tokyo_subsidy: true, ..profile() });
        assert!(!result.eligible);
        assert_eq!(rules(&result), vec!["equivalent_tokyo_subsidy"]);
    }

    #[rstest]
    #[case('a', "declaration_a", "ア", "都税、消費税及び地方消費税の額に滞納がないこと")]
    #[case('b', "declaration_b", "イ", "法令等もしくは公序良俗に反し、またはその恐れがないこと")]
    #[case('c', "declaration_c", "ウ", "東京都に対する賃料・使用料等の債務が存する場合、その支払いが滞っていないこと")]
    #[case('d', "declaration_d", "エ", "事業の継続性について不確実な状況が存在していないこと")]
    #[case('e', "declaration_e", "オ", "東京都暴力団排除条例")]
    #[case('f', "declaration_f", "カ", "ネガティブ・オプション（送り付け商法）")]
    #[case('g', "declaration_g", "キ", "宗教活動や政治活動を主たる目的とする団体等でないこと")]
    fn each_missing_declaration_is_a_reason(
        #[case] letter: char,
        #[case] rule: &str,
        #[case] kana: &str,
        #[case] text_part: &str,
    ) {
        let mut declarations = Declarations::all();
        declarations.set(letter, false);
        assert_eq!(declarations.missing().collect::<Vec<_>>(), vec![letter]);
        let result = evaluate(&CompanyProfile { declarations, ..profile() });
        assert!(!result.eligible);
        assert_eq!(rules(&result), vec![rule]);
        let reason = &result.reasons[0];
        assert!(reason.ja.starts_with(&format!("要件{kana}「")), "{}", reason.ja);
        assert!(reason.ja.contains(text_part), "{}", reason.ja);
        assert!(reason.en.starts_with(&format!("Declaration {letter} ({kana}) is required: ")));
    }

    #[test]
    fn previous_participant_is_flagged_but_eligible() {
        let result = evaluate(&CompanyProfile { previous_participant: true, ..profile() });
        assert!(result.eligible);
        assert_eq!(result.flags, vec![Flag::PreviousParticipant]);
        assert_eq!(serde_json::to_value(result.flags[0]).unwrap(), "previous_participant");
    }

    #[test]
    fn all_failures_are_listed_in_order() {
        let result = evaluate(&CompanyProfile {
            prefecture: "大阪府".to_owned(),
            industry: Industry::Retail,
            capital_yen: Some(60_000_000),
            employees: 51,
            previous_participant: true,
            uses_equivalent_tokyo_subsidy: true,
            declarations: Declarations { a: false, d: false, g: false, ..Declarations::all() },
            ..profile()
        });
        assert!(!result.eligible);
        assert_eq!(result.flags, vec![Flag::PreviousParticipant]);
        assert_eq!(
            rules(&result),
            vec![
                "main_office_outside_tokyo",
                "not_sme",
                "equivalent_tokyo_subsidy",
                "declaration_a",
                "declaration_d",
                "declaration_g"
            ]
        );
    }

    #[test]
    fn no_declarations_lists_all_seven() {
        let result = evaluate(&CompanyProfile { declarations: Declarations::default(), ..profile() });
        assert_eq!(result.reasons.len(), 7);
        assert!(!Declarations::default().all_made());
        assert!(Declarations::all().all_made());
    }

    #[rstest]
    #[case(Industry::Manufacturing, "manufacturing", "製造業")]
    #[case(Industry::Construction, "construction", "建設業")]
    #[case(Industry::Transport, "transport", "運輸業")]
    #[case(Industry::Wholesale, "wholesale", "卸売業")]
    #[case(Industry::Services, "services", "サービス業")]
    #[case(Industry::Retail, "retail", "小売業")]
    #[case(Industry::Other, "other", "その他の業種")]
    fn industry_codes_round_trip(#[case] industry: Industry, #[case] code: &str, #[case] label: &str) {
        assert_eq!(industry.code(), code);
        assert_eq!(Industry::from_code(code), Some(industry));
        assert_eq!(industry.label_ja(), label);
        assert_eq!(serde_json::to_value(industry).unwrap(), code);
        assert_eq!(serde_json::from_value::<Industry>(code.into()).unwrap(), industry);
    }

    #[test]
    fn unknown_industry_code() {
        assert_eq!(Industry::from_code("Manufacturing"), None);
        assert_eq!(Industry::from_code(""), None);
    }

    #[rstest]
    #[case(300_000_000, "3億円")]
    #[case(100_000_000, "1億円")]
    #[case(50_000_000, "5,000万円")]
    #[case(150_000_000, "1億5,000万円")]
    #[case(12_345, "1万2,345円")]
    #[case(0, "0円")]
    fn yen_in_japanese(#[case] yen: u64, #[case] expected: &str) {
        assert_eq!(format_yen_ja(yen), expected);
    }

    #[test]
    fn reasons_serialize() {
        let result = evaluate(&CompanyProfile { uses_equivalent_tokyo_subsidy: true, ..profile() });
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["eligible"], false);
        assert_eq!(json["reasons"][0]["rule"], "equivalent_tokyo_subsidy");
        assert!(json["reasons"][0]["ja"].as_str().unwrap().contains("東京都の補助事業"));
    }
}
