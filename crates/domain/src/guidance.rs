//! Course ① management guidance (募集要項 §8 ① 2.): up to four expert visits, the 25-item
//! self-diagnosis after the topics of IPA's 「5分でできる！情報セキュリティ自社診断」 (the item texts
//! and advice here are Kojo's own plain Japanese), the basic security policy's template, the
//! implementation plan seeded from the diagnosis, and readiness for SECURITY ACTION 二つ星 (★★):
//! the self-diagnosis done and a basic policy written and published outside the company.
//!
//! Pure rules: no I/O, no clock.

use serde::{Deserialize, Serialize};

/// A company has at most this many guidance visits (募集要項: 最大4回).
pub const MAX_VISITS: u32 = 4;

/// Why a visit cannot be planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitRefusal {
    /// The company has had (or has planned) all four visits.
    LimitReached,
}

/// The number the next visit takes, given the visits already planned or done (cancelled ones do
/// not count); the fifth is refused.
pub fn next_visit_number(planned_or_done: u32) -> Result<u32, VisitRefusal> {
    if planned_or_done >= MAX_VISITS { Err(VisitRefusal::LimitReached) } else { Ok(planned_or_done + 1) }
}

/// The three parts of the self-diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// 基本的対策 (items 1–5).
    Basics,
    /// 従業員としての対策 (items 6–18).
    Staff,
    /// 組織としての対策 (items 19–25).
    Organisation,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Basics, Part::Staff, Part::Organisation];

    pub fn label_ja(self) -> &'static str {
        match self {
            Part::Basics => "Part 1 基本的対策",
            Part::Staff => "Part 2 従業員としての対策",
            Part::Organisation => "Part 3 組織としての対策",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Part::Basics => "Part 1: Basic measures",
            Part::Staff => "Part 2: What every employee does",
            Part::Organisation => "Part 3: What the organisation does",
        }
    }

    /// The part of item `number` (1–25).
    pub fn of(number: u8) -> Option<Part> {
        match number {
            1..=5 => Some(Part::Basics),
            6..=18 => Some(Part::Staff),
            19..=25 => Some(Part::Organisation),
            _ => None,
        }
    }

    /// The most points the part can give (4 per item).
    pub fn max_points(self) -> i32 {
        4 * ITEMS.iter().filter(|item| Part::of(item.number) == Some(self)).count() as i32
    }
}

/// An answer to one item, with its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// 実施している: 4.
    Done,
    /// 一部実施している: 2.
    Partly,
    /// 実施していない: 0.
    NotDone,
    /// わからない: −1 (not knowing is itself a gap).
    DontKnow,
}

impl Answer {
    pub const ALL: [Answer; 4] = [Answer::Done, Answer::Partly, Answer::NotDone, Answer::DontKnow];

    pub fn points(self) -> i32 {
        match self {
            Answer::Done => 4,
            Answer::Partly => 2,
            Answer::NotDone => 0,
            Answer::DontKnow => -1,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Answer::Done => "done",
            Answer::Partly => "partly",
            Answer::NotDone => "not_done",
            Answer::DontKnow => "dont_know",
        }
    }

    pub fn from_code(code: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Answer::Done => "実施している",
            Answer::Partly => "一部実施している",
            Answer::NotDone => "実施していない",
            Answer::DontKnow => "わからない",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Answer::Done => "Yes",
            Answer::Partly => "Partly",
            Answer::NotDone => "No",
            Answer::DontKnow => "Don't know",
        }
    }

    /// Whether the item needs a measure in the implementation plan.
    pub fn is_gap(self) -> bool {
        matches!(self, Answer::NotDone | Answer::DontKnow)
    }
}

/// One item of the self-diagnosis: the question and what to do when it is not done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    pub number: u8,
    pub question_ja: &'static str,
    pub advice_ja: &'static str,
}

/// The item set's version: answers are stored with it, so a later wording never changes what a
/// company answered. A programme year names the version it uses.
pub const ITEM_SET_VERSION: &str = "kojo-2026";

/// The 25 items, in Kojo's own words after the topics of IPA's 自社診断.
pub const ITEMS: [Item; 25] = [
    Item {
        number: 1,
        question_ja: "パソコンやスマートフォンのOS・ソフトは、更新のお知らせが来たら早めに更新していますか。",
        advice_ja: "更新は弱点をふさぐためのものです。自動更新を有効にし、古くて更新が出ない機器は買い替えを計画しましょう。",
    },
    Item {
        number: 2,
        question_ja: "ウイルス対策ソフトを入れ、ウイルスの情報（定義ファイル）が自動で新しくなるようにしていますか。",
        advice_ja: "すべてのパソコンにウイルス対策ソフトを入れ、自動更新と定期的な検査を設定しましょう。",
    },
    Item {
        number: 3,
        question_ja: "パスワードは長く推測されにくいものにし、ほかのサービスと使い回していませんか。",
        advice_ja: "英数字と記号を混ぜた長いパスワードを使い、サービスごとに変えましょう。可能なら二段階認証も使いましょう。",
    },
    Item {
        number: 4,
        question_ja: "大切な情報は、必要な人だけが見たり変えたりできるように設定していますか。",
        advice_ja: "共有フォルダやクラウドの権限を見直し、退職者や異動者のアカウントはすぐに止めましょう。",
    },
    Item {
        number: 5,
        question_ja: "新しい手口の攻撃や詐欺について情報を集め、社内で知らせていますか。",
        advice_ja: "IPAや警察の注意喚起を定期的に確認し、朝礼やメールで社内に伝えましょう。",
    },
    Item {
        number: 6,
        question_ja: "心当たりのないメールの添付ファイルやリンクを、開かないようにしていますか。",
        advice_ja: "取引先を名乗るメールでも、不自然なら開く前に電話などで送り主に確かめましょう。",
    },
    Item {
        number: 7,
        question_ja: "メールを送る前に、宛先が正しいかを確かめていますか。",
        advice_ja: "送信前に宛先を読み上げて確認する、外部あての一斉送信はBCCを使う、などを決めましょう。",
    },
    Item {
        number: 8,
        question_ja: "大切な情報をメールで送るときは、ファイルを暗号化するなどして守っていますか。",
        advice_ja: "ファイルは暗号化するか安全な共有サービスで渡し、パスワードは別の方法で伝えましょう。",
    },
    Item {
        number: 9,
        question_ja: "社内の無線LAN（Wi-Fi）は、安全な方式で暗号化していますか。",
        advice_ja: "WPA2かWPA3の暗号化を使い、初期のパスワードを変え、来客用と業務用を分けましょう。",
    },
    Item {
        number: 10,
        question_ja: "仕事でのWebの利用やSNSへの書き込みについて、会社の決まりを守っていますか。",
        advice_ja: "業務で見てよいサイトやSNSで書いてはいけないことを決め、従業員に伝えましょう。",
    },
    Item {
        number: 11,
        question_ja: "大切な情報は、定期的にバックアップを取っていますか。",
        advice_ja: "自動でバックアップを取り、ネットワークから切り離した場所にも保管して、戻せるか時々試しましょう。",
    },
    Item {
        number: 12,
        question_ja: "大切な書類やUSBメモリなどは、机の上に出したままにせず、鍵のかかる場所にしまっていますか。",
        advice_ja: "使い終わったら鍵付きの棚や引き出しにしまう習慣をつけましょう。",
    },
    Item {
        number: 13,
        question_ja: "大切な情報を社外に持ち出すときは、なくしたときの備えをしていますか。",
        advice_ja: "持ち出しは許可制にし、ノートパソコンやUSBメモリは暗号化しておきましょう。",
    },
    Item {
        number: 14,
        question_ja: "席を離れるときは、パソコンの画面をロックしていますか。",
        advice_ja: "離席時はWindowsキー＋Lなどでロックし、短い時間で自動的にロックされるように設定しましょう。",
    },
    Item {
        number: 15,
        question_ja: "事務所に入る人を確かめ、関係のない人が自由に入れないようにしていますか。",
        advice_ja: "来客は受付で記帳してもらい、執務室には案内なしで入れないようにしましょう。",
    },
    Item {
        number: 16,
        question_ja: "ノートパソコンなどの機器は、盗まれないように固定したり、しまったりしていますか。",
        advice_ja: "ワイヤーロックで固定するか、帰るときは鍵のかかる場所にしまいましょう。",
    },
    Item {
        number: 17,
        question_ja: "最後に帰る人が、事務所の戸締まりを確かめていますか。",
        advice_ja: "最終退出者が施錠を確認し、記録するなどの決まりを作りましょう。",
    },
    Item {
        number: 18,
        question_ja: "パソコンや書類を捨てるときは、データを消したり、シュレッダーにかけたりしていますか。",
        advice_ja: "機器は専用ソフトでデータを消すか業者に破壊を依頼し、書類はシュレッダーにかけましょう。",
    },
    Item {
        number: 19,
        question_ja: "従業員に、仕事で知った秘密を守る約束（守秘義務）をしてもらっていますか。",
        advice_ja: "入社時に秘密保持の誓約書を出してもらい、就業規則にも書いておきましょう。",
    },
    Item {
        number: 20,
        question_ja: "従業員に、情報セキュリティについて教えていますか。",
        advice_ja: "年に一度は研修を行い、新しく入った人には入社時に説明しましょう。",
    },
    Item {
        number: 21,
        question_ja: "私物のパソコンやスマートフォンを仕事に使うときの決まりがありますか。",
        advice_ja: "私物を仕事に使ってよいか、使うならどんな対策が必要かを決めて伝えましょう。",
    },
    Item {
        number: 22,
        question_ja: "取引先や委託先と、秘密を守ることを契約で決めていますか。",
        advice_ja: "情報を渡す相手とは秘密保持の契約を結び、扱い方を取り決めましょう。",
    },
    Item {
        number: 23,
        question_ja: "クラウドサービスを使うときは、安全で信頼できるかを確かめて選んでいますか。",
        advice_ja: "提供会社のセキュリティ対策やデータの保管場所、障害時の対応を確かめてから契約しましょう。",
    },
    Item {
        number: 24,
        question_ja: "ウイルス感染や情報漏えいが起きたときの連絡先や対応の手順を決めていますか。",
        advice_ja: "誰に連絡し何をするか（ネットワークから外す、報告する等）を紙にまとめ、見える場所に置きましょう。",
    },
    Item {
        number: 25,
        question_ja: "情報セキュリティの決まりを文書にし、従業員に知らせていますか。",
        advice_ja: "基本方針と社内の決まりを文書にし、全員に配って説明しましょう。",
    },
];

/// A round's scores: the total out of 100 (it can be below 0 when many answers are わからない)
/// and each part's subtotal, or the items still unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Score {
    pub total: i32,
    /// In part order: (part, points, most points).
    pub parts: Vec<(Part, i32, i32)>,
    /// Items with no answer (a round is complete when none is left).
    pub unanswered: Vec<u8>,
}

impl Score {
    pub fn complete(&self) -> bool {
        self.unanswered.is_empty()
    }
}

/// Why a round's answers were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerProblem {
    /// An item number outside 1–25.
    UnknownItem(u8),
    /// The same item answered twice.
    Duplicate(u8),
}

/// Scores a round's answers (item number, answer); unanswered items count 0 and are listed.
pub fn score(answers: &[(u8, Answer)]) -> Result<Score, AnswerProblem> {
    let mut seen = [false; 26];
    for &(number, _) in answers {
        if !(1..=25).contains(&number) {
            return Err(AnswerProblem::UnknownItem(number));
        }
        if std::mem::replace(&mut seen[number as usize], true) {
            return Err(AnswerProblem::Duplicate(number));
        }
    }
    let points_of = |part: Part| {
        answers.iter().filter(|(number, _)| Part::of(*number) == Some(part)).map(|(_, a)| a.points()).sum::<i32>()
    };
    let parts: Vec<(Part, i32, i32)> = Part::ALL.into_iter().map(|p| (p, points_of(p), p.max_points())).collect();
    Ok(Score {
        total: parts.iter().map(|(_, points, _)| points).sum(),
        parts,
        unanswered: (1..=25u8).filter(|n| !seen[*n as usize]).collect(),
    })
}

/// The weakest items of a round, worst first (わからない before 実施していない before 一部), then
/// by number: what the result page advises on.
pub fn weakest(answers: &[(u8, Answer)], limit: usize) -> Vec<(Item, Answer)> {
    let mut gaps: Vec<(Item, Answer)> = answers
        .iter()
        .filter(|(_, answer)| *answer != Answer::Done)
        .filter_map(|&(number, answer)| ITEMS.iter().find(|item| item.number == number).map(|item| (*item, answer)))
        .collect();
    gaps.sort_by_key(|(item, answer)| (answer.points(), item.number));
    gaps.truncate(limit);
    gaps
}

/// The implementation plan's first measures: every item answered 実施していない or わからない, in
/// item order, with its advice as the measure.
pub fn plan_seed(answers: &[(u8, Answer)]) -> Vec<Item> {
    let mut items: Vec<Item> = answers
        .iter()
        .filter(|(_, answer)| answer.is_gap())
        .filter_map(|&(number, _)| ITEMS.iter().find(|item| item.number == number).copied())
        .collect();
    items.sort_by_key(|item| item.number);
    items
}

/// The 自己宣言ID IPA gives a company that declares SECURITY ACTION: recorded as given, checked
/// only for its shape (digits; full-width digits and spaces as people type them are accepted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct DeclarationId(String);

impl DeclarationId {
    /// Longest ID accepted (IPA's are far shorter; this only stops nonsense).
    pub const MAX_DIGITS: usize = 20;

    pub fn parse(input: &str) -> Option<DeclarationId> {
        let digits: String = crate::text::normalize(input).chars().filter(|c| !c.is_whitespace()).collect();
        let ok = !digits.is_empty() && digits.len() <= Self::MAX_DIGITS && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(DeclarationId(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a company stands on the way to ★★.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TwoStar {
    /// What is still missing.
    NotReady { diagnosis: bool, policy: bool },
    /// Both requirements are met: the company can declare on IPA's site.
    Ready,
    /// The company declared and recorded its ID.
    Declared(DeclarationId),
}

/// ★★ needs a completed self-diagnosis and a basic policy published outside the company.
pub fn two_star(diagnosis_complete: bool, policy_published: bool, declared: Option<DeclarationId>) -> TwoStar {
    match declared {
        Some(id) => TwoStar::Declared(id),
        None if diagnosis_complete && policy_published => TwoStar::Ready,
        None => TwoStar::NotReady { diagnosis: !diagnosis_complete, policy: !policy_published },
    }
}

/// One section of the basic security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySection {
    pub title: String,
    pub body: String,
}

/// The template of a 情報セキュリティ基本方針 in the usual five parts, in Kojo's own words, with the
/// company's name filled in; the company edits each section.
pub fn policy_template(company: &str) -> Vec<PolicySection> {
    let section = |title: &str, body: String| PolicySection { title: title.to_string(), body };
    vec![
        section(
            "1. 経営者の責任",
            format!("{company}は、経営者が主導して情報セキュリティに取り組み、お客様や取引先からお預かりした情報と当社の情報を守ります。"),
        ),
        section(
            "2. 社内体制の整備",
            "情報セキュリティの責任者を置き、社内の決まりを定めて、守られているかを定期的に確かめ、見直します。".to_string(),
        ),
        section(
            "3. 従業員の取組み",
            "従業員は、情報セキュリティのために必要な知識と技術を身につけ、日々の業務で決まりを守ります。".to_string(),
        ),
        section(
            "4. 法令及び契約上の要求事項の遵守",
            "情報セキュリティに関わる法令、国が定める指針、お客様や取引先との契約で求められることを守ります。".to_string(),
        ),
        section(
            "5. 違反及び事故への対応",
            "決まりに反する行いや情報セキュリティの事故が起きたときは、速やかに対応して被害を最小にし、再び起きないよう努めます。".to_string(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn all(answer: Answer) -> Vec<(u8, Answer)> {
        (1..=25).map(|n| (n, answer)).collect()
    }

    #[test]
    fn the_items_are_numbered_one_to_twenty_five_in_three_parts() {
        for (i, item) in ITEMS.iter().enumerate() {
            assert_eq!(item.number as usize, i + 1);
            assert!(!item.question_ja.is_empty() && !item.advice_ja.is_empty());
        }
        assert_eq!(Part::Basics.max_points(), 20);
        assert_eq!(Part::Staff.max_points(), 52);
        assert_eq!(Part::Organisation.max_points(), 28);
    }

    #[rstest]
    #[case(Answer::Done, 100, [20, 52, 28])]
    #[case(Answer::Partly, 50, [10, 26, 14])]
    #[case(Answer::NotDone, 0, [0, 0, 0])]
    #[case(Answer::DontKnow, -25, [-5, -13, -7])]
    fn every_answer_kind_scores_per_part(#[case] answer: Answer, #[case] total: i32, #[case] parts: [i32; 3]) {
        let score = score(&all(answer)).unwrap();
        assert_eq!(score.total, total);
        assert_eq!(score.parts.iter().map(|(_, points, _)| *points).collect::<Vec<_>>(), parts);
        assert!(score.complete());
    }

    #[test]
    fn a_mixed_round_adds_up_and_lists_what_is_missing() {
        let answers = [(1, Answer::Done), (6, Answer::Partly), (19, Answer::DontKnow), (25, Answer::NotDone)];
        let score = score(&answers).unwrap();
        assert_eq!(score.total, 4 + 2 - 1);
        assert_eq!(score.parts[0], (Part::Basics, 4, 20));
        assert_eq!(score.parts[1], (Part::Staff, 2, 52));
        assert_eq!(score.parts[2], (Part::Organisation, -1, 28));
        assert_eq!(score.unanswered.len(), 21);
        assert!(!score.complete());
        assert_eq!(super::score(&[(26, Answer::Done)]), Err(AnswerProblem::UnknownItem(26)));
        assert_eq!(super::score(&[(0, Answer::Done)]), Err(AnswerProblem::UnknownItem(0)));
        assert_eq!(super::score(&[(3, Answer::Done), (3, Answer::NotDone)]), Err(AnswerProblem::Duplicate(3)));
    }

    #[test]
    fn the_weakest_items_come_first_and_gaps_seed_the_plan() {
        let mut answers = all(Answer::Done);
        answers[4].1 = Answer::Partly; // 5
        answers[10].1 = Answer::NotDone; // 11
        answers[2].1 = Answer::DontKnow; // 3
        answers[23].1 = Answer::NotDone; // 24
        let weak: Vec<(u8, Answer)> = weakest(&answers, 3).into_iter().map(|(i, a)| (i.number, a)).collect();
        assert_eq!(weak, [(3, Answer::DontKnow), (11, Answer::NotDone), (24, Answer::NotDone)]);
        let plan: Vec<u8> = plan_seed(&answers).into_iter().map(|i| i.number).collect();
        assert_eq!(plan, [3, 11, 24], "partly done is not a gap; don't know is");
    }

    #[test]
    fn four_visits_and_no_fifth() {
        assert_eq!(next_visit_number(0), Ok(1));
        assert_eq!(next_visit_number(3), Ok(4));
        assert_eq!(next_visit_number(4), Err(VisitRefusal::LimitReached));
        assert_eq!(next_visit_number(9), Err(VisitRefusal::LimitReached));
    }

    #[test]
    fn two_stars_need_the_diagnosis_and_a_published_policy() {
        assert_eq!(two_star(false, false, None), TwoStar::NotReady { diagnosis: true, policy: true });
        assert_eq!(two_star(true, false, None), TwoStar::NotReady { diagnosis: false, policy: true });
        assert_eq!(two_star(false, true, None), TwoStar::NotReady { diagnosis: true, policy: false });
        assert_eq!(two_star(true, true, None), TwoStar::Ready);
        let id = DeclarationId::parse(" １２３４５６７８９ ").unwrap();
        assert_eq!(id.as_str(), "123456789");
        assert_eq!(two_star(true, true, Some(id.clone())), TwoStar::Declared(id));
        for bad in ["", "12-34", "ABC123", "１２３a", &"1".repeat(21)] {
            assert_eq!(DeclarationId::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_policy_template_has_five_parts_with_the_company_named() {
        let template = policy_template("株式会社見本");
        assert_eq!(template.len(), 5);
        assert!(template[0].body.starts_with("株式会社見本は"));
        assert!(template[4].title.contains("違反及び事故への対応"));
    }
}
