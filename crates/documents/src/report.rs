//! UTM月次レポート (monthly UTM report) of course ①: the data its template takes, and the plain
//! Japanese it is written in.
//!
//! Readers are owners of small companies, not security staff, so every category carries a
//! reader's name, a one-line explanation and one piece of advice ([`Category`]), and the report
//! opens with sentences built from the counts ([`MonthlyReportData::summary`]). A month with
//! nothing detected still says what the UTM did.
//!
//! Pure: counts arrive computed and dates arrive as 和暦 text; nothing here reads the clock or
//! the database. The web page uses the same texts and charts ([`crate::chart`]) as the PDF.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::chart;
use crate::pdf::{self, Asset, Fonts, PdfError, Template};

/// Everything the monthly report shows. Counts are for one company's UTM over one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReportData {
    pub company_name: String,
    /// The secretariat's reference (受付番号), printed in the heading box, if any.
    pub reference: Option<String>,
    pub device: Device,
    /// The month reported, `YYYY-MM`, e.g. `2026-11`.
    pub month: String,
    /// The same month in 和暦, e.g. 「令和8年11月」: the title reads 「UTM月次レポート 令和8年11月」.
    pub month_label: String,
    /// The period the counts cover, e.g. 「令和8年11月1日～11月30日」 (shorter in the month the
    /// UTM was installed or removed).
    pub period: String,
    /// 発行日 in 和暦, e.g. 「令和8年12月5日」.
    pub issued_on: String,
    /// The last day of the free trial in 和暦, when the company should be reminded of it.
    pub trial_last_day: Option<String>,
    /// The same day as a date, for the English page (absent in reports made before it was kept).
    #[serde(default)]
    pub trial_last_date: Option<NaiveDate>,
    /// Totals per category. Categories may be missing or repeated (repeats are added up); order
    /// does not matter.
    pub categories: Vec<CategoryCount>,
    /// One entry per day the report covers, in order (`day` 1 = the 1st of the month).
    pub daily: Vec<DailyCount>,
    /// The most frequent threats, most frequent first; at most [`MAX_TOP_THREATS`] are shown.
    pub top_threats: Vec<TopThreat>,
    /// The most targeted destination ports, most targeted first; at most [`MAX_TARGETED_PORTS`]
    /// are shown. Empty when unknown: the section then says so.
    pub targeted_ports: Vec<TargetedPort>,
    pub traffic: TrafficTotals,
    /// How other participants fared this month, when enough of them reported for the median to
    /// reveal no single company.
    pub comparison: Option<ProgrammeComparison>,
    /// A note from the staff who reviewed the report (担当者コメント).
    pub staff_comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Maker as printed, e.g. 「Fortinet」.
    pub vendor: String,
    pub model: String,
    pub serial: String,
}

/// One category's threats, split by what the UTM did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub category: Category,
    pub blocked: u64,
    pub detected: u64,
    /// Logged and let through as harmless (e.g. an application in use); not counted as threats.
    pub allowed: u64,
}

/// Threats on one day of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyCount {
    /// Day of the month, 1–31.
    pub day: u8,
    pub blocked: u64,
    pub detected: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopThreat {
    /// The vendor's name for the threat, e.g. 「HTML/Phishing.A!tr」.
    pub signature: String,
    pub category: Category,
    pub action: Action,
    pub count: u64,
    /// When it was last seen, formatted, e.g. 「11月28日 14:05」.
    pub last_seen: String,
    /// The same instant in Tokyo time, for the English page (absent in older reports).
    #[serde(default)]
    pub last_seen_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetedPort {
    pub port: u16,
    /// The service name the UTM logged (e.g. `RDP`), if any.
    pub service: Option<String>,
    pub count: u64,
}

/// Sessions (通信) the UTM handled in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficTotals {
    pub sessions_allowed: u64,
    pub sessions_blocked: u64,
}

/// The programme-wide figure this company is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgrammeComparison {
    /// Median over participating companies of threats (blocked + detected, as in
    /// [`Totals::threats`]) this month.
    pub median_threats: u64,
    /// How many companies the median is taken over.
    pub companies: u32,
}

/// What a threat is about. Codes (`malware`, `data_leak`, …) are those of the UTM log parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Malware,
    Intrusion,
    Web,
    Application,
    Spam,
    Botnet,
    Anomaly,
    Dns,
    DataLeak,
    Other,
}

/// What the UTM did with a threat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Blocked,
    Detected,
    Allowed,
}

/// Threat counts over all categories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub blocked: u64,
    pub detected: u64,
    pub allowed: u64,
}

/// Rows shown in the top-threats table.
pub const MAX_TOP_THREATS: usize = 10;
/// Rows shown in the targeted-services table.
pub const MAX_TARGETED_PORTS: usize = 5;

/// Renders the monthly report, charts included.
pub fn render_monthly_report(fonts: &Fonts, data: &MonthlyReportData) -> Result<Vec<u8>, PdfError> {
    let view = TemplateData::new(data);
    let json = serde_json::to_value(&view)?;
    if !view.has_threats {
        return pdf::render(fonts, Template::MonthlyReport, &json, &[]);
    }
    let categories = data.category_counts();
    let daily = chart::daily_chart(&data.daily);
    let by_category = chart::category_chart(&categories);
    let assets = [
        Asset { name: "chart-daily.svg", bytes: daily.as_bytes() },
        Asset { name: "chart-categories.svg", bytes: by_category.as_bytes() },
    ];
    pdf::render(fonts, Template::MonthlyReport, &json, &assets)
}

impl MonthlyReportData {
    /// Threat totals over all categories.
    pub fn totals(&self) -> Totals {
        self.categories.iter().fold(Totals::default(), |sum, count| Totals {
            blocked: sum.blocked + count.blocked,
            detected: sum.detected + count.detected,
            allowed: sum.allowed + count.allowed,
        })
    }

    /// Categories with at least one threat (blocked or detected), repeats merged, the most
    /// frequent first (ties in [`Category::ALL`] order).
    pub fn category_counts(&self) -> Vec<CategoryCount> {
        let mut merged: Vec<CategoryCount> = Category::ALL
            .into_iter()
            .map(|category| {
                let mut sum = CategoryCount { category, blocked: 0, detected: 0, allowed: 0 };
                for count in self.categories.iter().filter(|count| count.category == category) {
                    sum.blocked += count.blocked;
                    sum.detected += count.detected;
                    sum.allowed += count.allowed;
                }
                sum
            })
            .filter(|count| count.threats() > 0)
            .collect();
        merged.sort_by_key(|count| std::cmp::Reverse(count.threats()));
        merged
    }

    /// Sessions the UTM handled per day, on average over the days reported (the whole month
    /// when no days are listed), rounded.
    pub fn daily_average_sessions(&self) -> u64 {
        let days = if self.daily.is_empty() { days_in_month(&self.month) } else { self.daily.len() as u64 };
        let sessions = self.traffic.sessions_allowed + self.traffic.sessions_blocked;
        (sessions + days / 2) / days.max(1)
    }

    /// The opening sentences in plain Japanese, e.g. 「今月は ウイルス 12件、不正侵入 3件 を遮断しました。」.
    pub fn summary(&self) -> Vec<String> {
        self.summary_in(false)
    }

    /// [`Self::summary`] in English when `en` (same rules, other words).
    pub fn summary_in(&self, en: bool) -> Vec<String> {
        let counts = self.category_counts();
        let average = number(self.daily_average_sessions());
        let busy = self.daily_average_sessions() > 0;
        if counts.is_empty() {
            let sentence = match (en, busy) {
                (false, true) => format!(
                    "今月、UTMが遮断・検知した脅威はありませんでした。UTMは 1日あたり平均 {average}件の通信を確認し、安全な通信のみを通しています。"
                ),
                (false, false) => "今月、UTMが遮断・検知した脅威はありませんでした。UTMは引き続き、インターネットとの出入口で通信を見守っています。".to_owned(),
                (true, true) => format!(
                    "This month the UTM blocked or detected no threats. It checked {average} connections a day on average and let only safe traffic through."
                ),
                (true, false) => "This month the UTM blocked or detected no threats. It keeps watching the traffic at your connection to the Internet.".to_owned(),
            };
            return vec![sentence];
        }

        let mut sentences = Vec::new();
        let blocked: Vec<(Category, u64)> = by_count(&counts, |count| count.blocked);
        let blocked_not_web: Vec<(Category, u64)> =
            blocked.iter().copied().filter(|(category, _)| *category != Category::Web).collect();
        if !blocked_not_web.is_empty() {
            let listed = listing(&blocked_not_web, en);
            sentences.push(if en {
                format!("This month the UTM blocked {listed}.")
            } else {
                format!("今月は {listed} を遮断しました。")
            });
        }
        if let Some((_, web)) = blocked.iter().find(|(category, _)| *category == Category::Web) {
            let web = number(*web);
            sentences.push(if en {
                format!("It blocked visits to dangerous websites ({web}).")
            } else {
                format!("危険なWebサイトへのアクセスを {web}件 ブロックしました。")
            });
        }
        let detected = by_count(&counts, |count| count.detected);
        if !detected.is_empty() {
            let listed = listing(&detected, en);
            sentences.push(match (en, blocked.is_empty()) {
                (false, first) => {
                    let also = if first { "今月は " } else { "また、" };
                    format!("{also}{listed} を検知しました。これらは止めずに記録した通信です。")
                }
                (true, first) => {
                    let also = if first { "This month the UTM" } else { "It also" };
                    format!("{also} detected {listed}: these were let through and recorded.")
                }
            });
        }
        if busy {
            sentences.push(if en {
                format!("The UTM checks {average} connections a day on average.")
            } else {
                format!("UTMは 1日あたり平均 {average}件の通信を確認しています。")
            });
        }
        sentences
    }

    /// How this company compares with the programme, phrased so that a high count does not
    /// alarm: counts depend on traffic and trade as much as on danger.
    pub fn comparison_sentence(&self) -> Option<String> {
        self.comparison_sentence_in(false)
    }

    /// [`Self::comparison_sentence`] in English when `en`.
    pub fn comparison_sentence_in(&self, en: bool) -> Option<String> {
        let comparison = self.comparison?;
        let company = self.totals().threats();
        let median = comparison.median_threats;
        // Within −20 % … +25 % of the median counts as "about the same".
        let (ja, english) = if company * 5 < median * 4 {
            ("御社の件数は、参加企業の中央値より少なめでした。", "Your count was lower than the participants' median.")
        } else if company * 4 > median * 5 {
            (
                "御社の件数は、参加企業の中央値より多めでした。件数は通信の量や業種によっても変わるため、多いこと自体を心配する必要はありません。UTMが止めているかどうかが大切です。",
                "Your count was higher than the participants' median. Counts also depend on how much traffic you have and on your trade, so a high count in itself is no cause for worry: what matters is that the UTM stops them.",
            )
        } else {
            (
                "御社の件数は、参加企業の中央値と同じくらいでした。",
                "Your count was about the same as the participants' median.",
            )
        };
        Some(if en { english } else { ja }.to_owned())
    }

    /// 「今月やること」: advice for the categories seen (most frequent first), then what every
    /// participant should keep doing, and the end of the trial when it is near.
    pub fn what_to_do(&self) -> Vec<String> {
        self.what_to_do_in(false)
    }

    /// [`Self::what_to_do`] in English when `en`.
    pub fn what_to_do_in(&self, en: bool) -> Vec<String> {
        const MAX_CATEGORY_ADVICE: usize = 2;
        let mut items: Vec<String> = Vec::new();
        for count in self.category_counts() {
            let advice = count.category.advice_in(en);
            if items.len() < MAX_CATEGORY_ADVICE && !items.iter().any(|item| item == advice) {
                items.push(advice.to_owned());
            }
        }
        for general in if en { GENERAL_ADVICE_EN } else { GENERAL_ADVICE } {
            if !items.iter().any(|item| item == general) {
                items.push((*general).to_owned());
            }
        }
        if en {
            let day = self.trial_last_date.map(|d| d.format("%-d %B %Y").to_string()).or(self.trial_last_day.clone());
            if let Some(day) = day {
                items.push(format!(
                    "The free UTM trial runs until {day}. Please consider whether to keep using it or have it removed."
                ));
            }
        } else if let Some(day) = &self.trial_last_day {
            items.push(format!("UTMの無料お試しは {day} までです。その後も使い続けるか、撤去するかをご検討ください。"));
        }
        items
    }
}

/// The report's dates for the page of a reader who chose English (the PDF is issued in Japanese).
impl MonthlyReportData {
    /// The month as a title says it: 「令和8年11月」 or `November 2026`.
    pub fn month_label_in(&self, en: bool) -> String {
        match (en, NaiveDate::parse_from_str(&format!("{}-01", self.month), "%Y-%m-%d")) {
            (true, Ok(first)) => first.format("%B %Y").to_string(),
            _ => self.month_label.clone(),
        }
    }

    /// The days the counts cover: 「令和8年11月1日～11月30日」 or `1–30 November 2026`.
    pub fn period_in(&self, en: bool) -> String {
        let first = NaiveDate::parse_from_str(&format!("{}-01", self.month), "%Y-%m-%d");
        match (en, first, self.daily.first(), self.daily.last()) {
            (true, Ok(first), Some(from), Some(to)) => {
                format!("{}–{} {}", from.day, to.day, first.format("%B %Y"))
            }
            (true, Ok(first), _, _) => first.format("%B %Y").to_string(),
            _ => self.period.clone(),
        }
    }

    /// When a top threat was last seen: 「11月28日 14:05」 or `28 Nov 14:05`.
    pub fn last_seen_in(threat: &TopThreat, en: bool) -> String {
        match (en, threat.last_seen_at) {
            (true, Some(at)) => at.format("%-d %b %H:%M").to_string(),
            _ => threat.last_seen.clone(),
        }
    }
}

/// Advice given every month, whatever was detected (listed once if a category gave it too).
const GENERAL_ADVICE: &[&str] = &[
    MALWARE_ADVICE,
    "パソコンやスマートフォンの更新（アップデート）は後回しにせず、早めに行いましょう。",
    "UTMの電源を切ったり、ケーブルを抜いたりしないでください。",
];
const GENERAL_ADVICE_EN: &[&str] = &[
    MALWARE_ADVICE_EN,
    "Install updates on computers and smartphones promptly rather than putting them off.",
    "Do not switch the UTM off or unplug its cables.",
];

impl CategoryCount {
    /// Blocked and detected: what the report calls threats.
    pub fn threats(&self) -> u64 {
        self.blocked + self.detected
    }
}

impl Totals {
    /// Blocked and detected: what the report calls threats. Allowed events are not threats.
    pub fn threats(&self) -> u64 {
        self.blocked + self.detected
    }
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Malware,
        Category::Intrusion,
        Category::Web,
        Category::Application,
        Category::Spam,
        Category::Botnet,
        Category::Anomaly,
        Category::Dns,
        Category::DataLeak,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        self.text().code
    }

    /// Inverse of [`Category::code`].
    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|category| category.code() == code)
    }

    /// The name readers see, e.g. 「ウイルス・マルウェア」.
    pub fn label(self) -> &'static str {
        self.text().label
    }

    /// The name used inside a sentence, e.g. 「ウイルス」.
    pub fn short_label(self) -> &'static str {
        self.text().short_label
    }

    /// What it is, in one plain line.
    pub fn explanation(self) -> &'static str {
        self.text().explanation
    }

    /// What the company should do about it, in one line.
    pub fn advice(self) -> &'static str {
        self.text().advice
    }

    /// [`Category::label`] in English when `en`.
    pub fn label_in(self, en: bool) -> &'static str {
        if en { self.text().label_en } else { self.text().label }
    }

    pub fn short_label_in(self, en: bool) -> &'static str {
        if en { self.text().short_label_en } else { self.text().short_label }
    }

    pub fn explanation_in(self, en: bool) -> &'static str {
        if en { self.text().explanation_en } else { self.text().explanation }
    }

    pub fn advice_in(self, en: bool) -> &'static str {
        if en { self.text().advice_en } else { self.text().advice }
    }

    fn text(self) -> &'static CategoryText {
        &CATEGORY_TEXTS[self as usize]
    }
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Blocked => "blocked",
            Action::Detected => "detected",
            Action::Allowed => "allowed",
        }
    }

    /// The word readers see.
    pub fn label(self) -> &'static str {
        match self {
            Action::Blocked => "遮断",
            Action::Detected => "検知（通過）",
            Action::Allowed => "記録のみ",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Action::Blocked => "Blocked",
            Action::Detected => "Detected (let through)",
            Action::Allowed => "Logged only",
        }
    }
}

impl TargetedPort {
    /// What the port is for, in plain words, e.g. 「リモートデスクトップ（RDP）」: the well-known
    /// ports readers may have heard of, else the service the UTM logged.
    pub fn description(&self) -> String {
        if let Some((_, description)) = WELL_KNOWN_PORTS.iter().find(|(port, _)| *port == self.port) {
            return (*description).to_owned();
        }
        match self.service.as_deref().map(str::trim) {
            Some(service) if !service.is_empty() => service.to_owned(),
            _ => "不明（一般的でないポート）".to_owned(),
        }
    }
}

/// Texts for one category; rows of [`CATEGORY_TEXTS`] are in [`Category::ALL`] order.
struct CategoryText {
    code: &'static str,
    label: &'static str,
    short_label: &'static str,
    explanation: &'static str,
    advice: &'static str,
    label_en: &'static str,
    short_label_en: &'static str,
    explanation_en: &'static str,
    advice_en: &'static str,
}

const MALWARE_ADVICE: &str = "怪しいメールの添付ファイルやリンクは開かないよう、社内で声をかけましょう。";
const MALWARE_ADVICE_EN: &str = "Remind everyone not to open suspicious attachments or links in e-mail.";

const CATEGORY_TEXTS: [CategoryText; 10] = [
    CategoryText {
        code: "malware",
        label: "ウイルス・マルウェア",
        short_label: "ウイルス",
        explanation: "情報を盗んだり壊したりする、悪意のあるプログラムです。",
        advice: MALWARE_ADVICE,
        label_en: "Viruses and malware",
        short_label_en: "viruses",
        explanation_en: "Malicious programs that steal or destroy information.",
        advice_en: MALWARE_ADVICE_EN,
    },
    CategoryText {
        code: "intrusion",
        label: "不正侵入の試み",
        short_label: "不正侵入",
        explanation: "機器の弱点を突いて、外部から社内に入り込もうとする通信です。",
        advice: "ルーターや複合機、NASなど社内の機器も、メーカーの更新情報を確認しましょう。",
        label_en: "Intrusion attempts",
        short_label_en: "intrusion attempts",
        explanation_en: "Traffic that exploits weaknesses of devices to get into your network from outside.",
        advice_en: "Check the makers' update notices for your router, printers, NAS and other devices too.",
    },
    CategoryText {
        code: "web",
        label: "危険なWebサイト",
        short_label: "危険なWebサイト",
        explanation: "ウイルス配布や偽のログイン画面（フィッシング）に使われるサイトです。",
        advice: "メールやSMSのリンクから開いたサイトでは、IDやパスワードを入力しないようにしましょう。",
        label_en: "Dangerous websites",
        short_label_en: "dangerous websites",
        explanation_en: "Sites used to spread viruses or to show fake sign-in pages (phishing).",
        advice_en: "Never type an ID or password on a site opened from a link in an e-mail or text message.",
    },
    CategoryText {
        code: "application",
        label: "制限対象のアプリケーション",
        short_label: "制限対象のアプリ",
        explanation: "情報漏えいの原因になりやすく、利用を制限しているアプリの通信です。",
        advice: "業務に必要なアプリかどうかを確認し、不要なものはパソコンから削除しましょう。",
        label_en: "Restricted applications",
        short_label_en: "restricted applications",
        explanation_en: "Traffic of applications whose use is restricted because they often cause leaks.",
        advice_en: "Check whether each application is needed for work, and remove those that are not.",
    },
    CategoryText {
        code: "spam",
        label: "迷惑メール",
        short_label: "迷惑メール",
        explanation: "宣伝や詐欺を目的に、無差別に送られてくるメールです。",
        advice: "心当たりのないメールは開かずに削除し、返信やリンクのクリックはしないようにしましょう。",
        label_en: "Spam e-mail",
        short_label_en: "spam e-mails",
        explanation_en: "E-mail sent indiscriminately for advertising or fraud.",
        advice_en: "Delete e-mail you do not expect without opening it; do not reply or click its links.",
    },
    CategoryText {
        code: "botnet",
        label: "ボット・不正な通信先（C&C）",
        short_label: "不正な通信先への接続",
        explanation: "感染した機器が、攻撃者の指令サーバーと連絡を取ろうとする通信です。",
        advice: "感染の疑いがあります。サポート窓口に相談し、ウイルス対策ソフトで全体をスキャンしましょう。",
        label_en: "Bots and malicious servers (C&C)",
        short_label_en: "connections to malicious servers",
        explanation_en: "An infected device trying to contact an attacker's command server.",
        advice_en: "A device may be infected: contact the support desk and scan all computers with your antivirus software.",
    },
    CategoryText {
        code: "anomaly",
        label: "異常な通信（DoS等）",
        short_label: "異常な通信",
        explanation: "大量のデータを送りつけるなど、ネットワークを止めようとする通信です。",
        advice: "インターネットが遅い・つながらないといった症状があれば、サポート窓口へご連絡ください。",
        label_en: "Abnormal traffic (DoS etc.)",
        short_label_en: "abnormal traffic",
        explanation_en: "Traffic that tries to stop your network, for example by flooding it with data.",
        advice_en: "If the Internet is slow or unreachable, please contact the support desk.",
    },
    CategoryText {
        code: "dns",
        label: "危険なドメインへの問い合わせ",
        short_label: "危険なドメインへの問い合わせ",
        explanation: "危険と分かっている接続先（ドメイン名）を調べようとした通信です。",
        advice: "メールやWebのリンクは、送り主や表示されるアドレスを確かめてから開きましょう。",
        label_en: "Lookups of dangerous domains",
        short_label_en: "lookups of dangerous domains",
        explanation_en: "Attempts to look up destinations (domain names) known to be dangerous.",
        advice_en: "Check the sender and the address shown before opening links in e-mail or on the web.",
    },
    CategoryText {
        code: "data_leak",
        label: "情報漏えいの疑い",
        short_label: "情報漏えいの疑い",
        explanation: "個人情報や社外秘の情報が、外部へ送られようとした可能性があります。",
        advice: "社外に送ってよい情報・いけない情報のルールを決めて、社内で共有しましょう。",
        label_en: "Suspected data leaks",
        short_label_en: "suspected data leaks",
        explanation_en: "Personal or confidential information may have been about to be sent outside.",
        advice_en: "Agree on what information may and may not leave the company, and share the rule.",
    },
    CategoryText {
        code: "other",
        label: "その他",
        short_label: "その他の脅威",
        explanation: "上のどれにも当てはまらない、注意が必要な通信です。",
        advice: "見慣れない画面や動作の遅さなど、パソコンにいつもと違う点がないか気にかけましょう。",
        label_en: "Other",
        short_label_en: "other threats",
        explanation_en: "Traffic that fits none of the above but needs attention.",
        advice_en: "Watch for anything unusual on your computers, such as unfamiliar screens or slowness.",
    },
];

/// Ports whose purpose readers may recognise, with plain names.
const WELL_KNOWN_PORTS: &[(u16, &str)] = &[
    (21, "ファイル転送（FTP）"),
    (22, "遠隔ログイン（SSH）"),
    (23, "遠隔ログイン（Telnet・古い方式）"),
    (25, "メール送信（SMTP）"),
    (53, "ドメイン名の問い合わせ（DNS）"),
    (80, "Webサイト（HTTP）"),
    (110, "メール受信（POP3）"),
    (123, "時刻合わせ（NTP）"),
    (143, "メール受信（IMAP）"),
    (161, "機器の管理（SNMP）"),
    (443, "Webサイト（HTTPS）"),
    (445, "Windowsのファイル共有（SMB）"),
    (500, "VPN（IPsec）"),
    (587, "メール送信（SMTP）"),
    (993, "メール受信（IMAP）"),
    (995, "メール受信（POP3）"),
    (1433, "データベース（SQL Server）"),
    (1723, "VPN（PPTP）"),
    (3306, "データベース（MySQL）"),
    (3389, "リモートデスクトップ（RDP）"),
    (4500, "VPN（IPsec）"),
    (5060, "IP電話（SIP）"),
    (5432, "データベース（PostgreSQL）"),
    (5900, "画面の遠隔操作（VNC）"),
    (8080, "Webサイト（HTTP）"),
    (8443, "Webサイト（HTTPS）"),
];

/// `(category, count)` for the categories where `count` is not zero, most first.
fn by_count(counts: &[CategoryCount], count: impl Fn(&CategoryCount) -> u64) -> Vec<(Category, u64)> {
    let mut list: Vec<(Category, u64)> =
        counts.iter().map(|c| (c.category, count(c))).filter(|(_, count)| *count > 0).collect();
    list.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    list
}

/// 「ウイルス 12件、不正侵入 3件」 or "viruses (12), intrusion attempts (3)" (a count in
/// brackets reads right for one and for many): the three largest, the rest summed as 「ほか 2件」
/// or "others (2)".
fn listing(counts: &[(Category, u64)], en: bool) -> String {
    const NAMED: usize = 3;
    let mut parts: Vec<String> = counts
        .iter()
        .take(NAMED)
        .map(|(category, count)| match en {
            true => format!("{} ({})", category.short_label_in(true), number(*count)),
            false => format!("{} {}件", category.short_label(), number(*count)),
        })
        .collect();
    let rest: u64 = counts.iter().skip(NAMED).map(|(_, count)| count).sum();
    if rest > 0 {
        let rest = number(rest);
        parts.push(if en { format!("others ({rest})") } else { format!("ほか {rest}件") });
    }
    parts.join(if en { ", " } else { "、" })
}

/// A count with thousands separators, as Japanese business documents print it: 「1,234」.
pub fn number(value: u64) -> String {
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

/// Days in a `YYYY-MM` month; 30 when the text is not such a month.
fn days_in_month(month: &str) -> u64 {
    let parsed =
        month.split_once('-').and_then(|(year, month)| Some((year.parse::<u64>().ok()?, month.parse::<u64>().ok()?)));
    match parsed {
        Some((_, 1 | 3 | 5 | 7 | 8 | 10 | 12)) => 31,
        Some((_, 4 | 6 | 9 | 11)) => 30,
        Some((year, 2)) if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        Some((_, 2)) => 28,
        _ => 30,
    }
}

/// What `templates/monthly_report.typ` reads: the data, and the texts derived from it here so
/// that the template only lays out.
#[derive(Serialize)]
struct TemplateData<'a> {
    report: &'a MonthlyReportData,
    has_threats: bool,
    totals: Totals,
    sessions: u64,
    summary: Vec<String>,
    categories: Vec<CategoryRow>,
    top_threats: Vec<ThreatRow<'a>>,
    targeted_ports: Vec<PortRow>,
    comparison: Option<ComparisonView>,
    what_to_do: Vec<String>,
}

#[derive(Serialize)]
struct CategoryRow {
    label: &'static str,
    explanation: &'static str,
    blocked: u64,
    detected: u64,
}

#[derive(Serialize)]
struct ThreatRow<'a> {
    signature: &'a str,
    category: &'static str,
    action: &'static str,
    /// `blocked`, `detected` or `allowed`, for the action's colour.
    action_code: &'static str,
    count: u64,
    last_seen: &'a str,
    /// Explanation and advice, on the first row of each category only.
    explanation: Option<&'static str>,
    advice: Option<&'static str>,
}

#[derive(Serialize)]
struct PortRow {
    port: u16,
    description: String,
    count: u64,
}

#[derive(Serialize)]
struct ComparisonView {
    company: u64,
    median: u64,
    companies: u32,
    sentence: String,
}

impl<'a> TemplateData<'a> {
    fn new(report: &'a MonthlyReportData) -> TemplateData<'a> {
        let totals = report.totals();
        let categories = report.category_counts();
        let mut explained: Vec<Category> = Vec::new();
        let top_threats = report
            .top_threats
            .iter()
            .take(MAX_TOP_THREATS)
            .map(|threat| {
                let first = !explained.contains(&threat.category);
                explained.push(threat.category);
                ThreatRow {
                    signature: &threat.signature,
                    category: threat.category.label(),
                    action: threat.action.label(),
                    action_code: threat.action.code(),
                    count: threat.count,
                    last_seen: &threat.last_seen,
                    explanation: first.then(|| threat.category.explanation()),
                    advice: first.then(|| threat.category.advice()),
                }
            })
            .collect();
        TemplateData {
            report,
            has_threats: totals.threats() > 0,
            totals,
            sessions: report.traffic.sessions_allowed + report.traffic.sessions_blocked,
            summary: report.summary(),
            categories: categories
                .iter()
                .map(|count| CategoryRow {
                    label: count.category.label(),
                    explanation: count.category.explanation(),
                    blocked: count.blocked,
                    detected: count.detected,
                })
                .collect(),
            top_threats,
            targeted_ports: report
                .targeted_ports
                .iter()
                .take(MAX_TARGETED_PORTS)
                .map(|port| PortRow { port: port.port, description: port.description(), count: port.count })
                .collect(),
            comparison: report.comparison.zip(report.comparison_sentence()).map(|(comparison, sentence)| {
                ComparisonView {
                    company: totals.threats(),
                    median: comparison.median_threats,
                    companies: comparison.companies,
                    sentence,
                }
            }),
            what_to_do: report.what_to_do(),
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn report(categories: &[(Category, u64, u64)], sessions: u64) -> MonthlyReportData {
        MonthlyReportData {
            company_name: "サンプル精機株式会社".into(),
            reference: None,
            device: Device { vendor: "Fortinet".into(), model: "FortiGate 40F".into(), serial: "FGT40F0001".into() },
            month: "2026-11".into(),
            month_label: "令和8年11月".into(),
            period: "令和8年11月1日～11月30日".into(),
            issued_on: "令和8年12月4日".into(),
            trial_last_day: None,
            trial_last_date: None,
            categories: categories
                .iter()
                .map(|&(category, blocked, detected)| CategoryCount { category, blocked, detected, allowed: 0 })
                .collect(),
            daily: (1..=30).map(|day| DailyCount { day, blocked: 0, detected: 0 }).collect(),
            top_threats: Vec::new(),
            targeted_ports: Vec::new(),
            traffic: TrafficTotals { sessions_allowed: sessions, sessions_blocked: 0 },
            comparison: None,
            staff_comment: None,
        }
    }

    use Category::*;

    #[rstest]
    #[case::nothing(&[], 30_000, &[
        "今月、UTMが遮断・検知した脅威はありませんでした。UTMは 1日あたり平均 1,000件の通信を確認し、安全な通信のみを通しています。",
    ])]
    #[case::nothing_and_no_traffic(&[], 0, &[
        "今月、UTMが遮断・検知した脅威はありませんでした。UTMは引き続き、インターネットとの出入口で通信を見守っています。",
    ])]
    #[case::blocked(&[(Intrusion, 3, 0), (Malware, 12, 0)], 3_000, &[
        "今月は ウイルス 12件、不正侵入 3件 を遮断しました。",
        "UTMは 1日あたり平均 100件の通信を確認しています。",
    ])]
    #[case::web_alone_has_its_own_sentence(&[(Web, 5, 0)], 0, &[
        "危険なWebサイトへのアクセスを 5件 ブロックしました。",
    ])]
    #[case::blocked_web_and_detected(&[(Malware, 1, 0), (Web, 5, 0), (Intrusion, 0, 2)], 0, &[
        "今月は ウイルス 1件 を遮断しました。",
        "危険なWebサイトへのアクセスを 5件 ブロックしました。",
        "また、不正侵入 2件 を検知しました。これらは止めずに記録した通信です。",
    ])]
    #[case::detected_only(&[(Botnet, 0, 2)], 0, &[
        "今月は 不正な通信先への接続 2件 を検知しました。これらは止めずに記録した通信です。",
    ])]
    #[case::three_named_then_the_rest(&[(Spam, 4, 0), (Malware, 1_234, 0), (Anomaly, 2, 0), (Dns, 9, 0), (Other, 1, 0)], 0, &[
        "今月は ウイルス 1,234件、危険なドメインへの問い合わせ 9件、迷惑メール 4件、ほか 3件 を遮断しました。",
    ])]
    #[case::repeats_are_added_up(&[(Malware, 2, 0), (Malware, 3, 0)], 0, &[
        "今月は ウイルス 5件 を遮断しました。",
    ])]
    fn summary_sentences(
        #[case] categories: &[(Category, u64, u64)],
        #[case] sessions: u64,
        #[case] expected: &[&str],
    ) {
        assert_eq!(report(categories, sessions).summary(), expected);
    }

    #[test]
    fn allowed_events_are_not_threats() {
        let mut data = report(&[], 0);
        data.categories.push(CategoryCount { category: Application, blocked: 0, detected: 0, allowed: 40 });
        assert_eq!(data.totals(), Totals { blocked: 0, detected: 0, allowed: 40 });
        assert!(data.category_counts().is_empty());
        assert!(data.summary()[0].starts_with("今月、UTMが遮断・検知した脅威はありませんでした。"));
    }

    #[rstest]
    #[case::none(0, 0, "同じくらい")]
    #[case::fewer(79, 100, "少なめ")]
    #[case::about_the_same_below(80, 100, "同じくらい")]
    #[case::about_the_same_above(125, 100, "同じくらい")]
    #[case::more(126, 100, "多めでした。件数は通信の量や業種によっても変わるため")]
    #[case::some_when_the_median_is_none(1, 0, "多め")]
    fn comparison_is_gentle(#[case] company: u64, #[case] median: u64, #[case] expected: &str) {
        let mut data = report(&[(Malware, company, 0)], 0);
        assert_eq!(data.comparison_sentence(), None);
        data.comparison = Some(ProgrammeComparison { median_threats: median, companies: 120 });
        let sentence = data.comparison_sentence().unwrap();
        assert!(sentence.contains(expected), "{sentence}");
    }

    #[test]
    fn what_to_do_starts_with_advice_for_what_was_seen_and_ends_with_the_trial() {
        let mut data = report(&[(Spam, 1, 0), (Malware, 9, 0), (Botnet, 0, 4), (Dns, 3, 0), (Web, 2, 0)], 0);
        data.trial_last_day = Some("令和9年1月31日".into());
        let items = data.what_to_do();
        assert_eq!(&items[..2], [Malware.advice(), Botnet.advice()]);
        assert!(!items.iter().any(|item| item == Dns.advice()), "two categories' advice at most");
        assert_eq!(items.iter().filter(|item| *item == MALWARE_ADVICE).count(), 1, "{items:#?}");
        assert!(items.iter().any(|item| item.contains("アップデート")));
        assert_eq!(
            items.last().unwrap(),
            "UTMの無料お試しは 令和9年1月31日 までです。その後も使い続けるか、撤去するかをご検討ください。"
        );
    }

    #[test]
    fn the_english_page_says_the_same_in_english() {
        let mut data = report(&[(Spam, 1, 0), (Malware, 9, 0), (Botnet, 0, 4), (Web, 2, 0)], 3000);
        data.trial_last_day = Some("令和9年1月31日".into());
        data.trial_last_date = NaiveDate::from_ymd_opt(2027, 1, 31);
        data.comparison = Some(ProgrammeComparison { median_threats: 100, companies: 120 });
        let summary = data.summary_in(true);
        assert_eq!(summary[0], "This month the UTM blocked viruses (9), spam e-mails (1).");
        assert_eq!(summary[1], "It blocked visits to dangerous websites (2).");
        assert!(summary[2].starts_with("It also detected connections to malicious servers (4)"), "{summary:?}");
        let items = data.what_to_do_in(true);
        assert_eq!(&items[..2], [Malware.advice_in(true), Botnet.advice_in(true)]);
        assert!(items.last().unwrap().contains("until 31 January 2027"), "{items:?}");
        assert_eq!(data.comparison_sentence_in(true).unwrap(), "Your count was lower than the participants' median.");
        assert_eq!(data.month_label_in(true), "November 2026");
        assert_eq!(data.month_label_in(false), data.month_label);
        let japanese = |text: &str| text.chars().any(|c| ('\u{3040}'..='\u{9fff}').contains(&c));
        for text in summary.iter().chain(&items).chain([&data.period_in(true)]) {
            assert!(!japanese(text), "{text}");
        }
        for category in Category::ALL {
            for text in [category.label_in(true), category.short_label_in(true), category.explanation_in(true)] {
                assert!(!japanese(text) && !text.is_empty(), "{category:?}: {text}");
            }
        }
        let chart = chart::category_chart_in(&data.category_counts(), true);
        assert!(chart.contains("Viruses and malware") && !japanese(&chart), "{chart}");
        assert!(!japanese(&chart::daily_chart_in(&data.daily, true)));
    }

    #[test]
    fn a_quiet_month_still_has_things_to_do() {
        let items = report(&[], 0).what_to_do();
        assert_eq!(items, GENERAL_ADVICE);
    }

    #[test]
    fn every_category_has_plain_texts_and_its_parser_code() {
        for category in Category::ALL {
            assert_eq!(Category::from_code(category.code()), Some(category));
            assert_eq!(serde_json::to_value(category).unwrap(), category.code());
            for text in [category.label(), category.short_label(), category.explanation(), category.advice()] {
                assert!(!text.trim().is_empty(), "{category:?}");
            }
            // The category table gives the explanation about 34 full-width characters.
            assert!(category.explanation().chars().count() <= 34, "one line: {}", category.explanation());
            for sentence in [category.explanation(), category.advice()] {
                assert!(sentence.ends_with('。'), "{sentence}");
                assert!(sentence.chars().count() <= 60, "one line in the top-threats table: {sentence}");
            }
        }
        let labels = Category::ALL.map(Category::label);
        assert_eq!(
            labels,
            [
                "ウイルス・マルウェア",
                "不正侵入の試み",
                "危険なWebサイト",
                "制限対象のアプリケーション",
                "迷惑メール",
                "ボット・不正な通信先（C&C）",
                "異常な通信（DoS等）",
                "危険なドメインへの問い合わせ",
                "情報漏えいの疑い",
                "その他",
            ]
        );
        assert_eq!(Category::from_code("data_leak"), Some(DataLeak));
        assert_eq!(Category::from_code("Malware"), None);
    }

    #[rstest]
    #[case(3389, Some("ms-wbt-server"), "リモートデスクトップ（RDP）")]
    #[case(445, None, "Windowsのファイル共有（SMB）")]
    #[case(8291, Some("winbox"), "winbox")]
    #[case(40000, Some("  "), "不明（一般的でないポート）")]
    #[case(40000, None, "不明（一般的でないポート）")]
    fn ports_are_described_in_plain_words(#[case] port: u16, #[case] service: Option<&str>, #[case] expected: &str) {
        let port = TargetedPort { port, service: service.map(str::to_owned), count: 1 };
        assert_eq!(port.description(), expected);
    }

    #[rstest]
    #[case("2026-11", 30)]
    #[case("2026-12", 31)]
    #[case("2028-02", 29)]
    #[case("2100-02", 28)]
    #[case("2000-02", 29)]
    #[case("11月", 30)]
    fn month_lengths(#[case] month: &str, #[case] days: u64) {
        assert_eq!(days_in_month(month), days);
    }

    #[test]
    fn the_daily_average_is_over_the_days_reported() {
        let mut data = report(&[], 10_000);
        data.daily.truncate(10);
        assert_eq!(data.daily_average_sessions(), 1_000);
        data.daily.clear();
        data.traffic.sessions_blocked = 5;
        assert_eq!(data.daily_average_sessions(), 334, "10,005 over November's 30 days");
    }

    #[rstest]
    #[case(0, "0")]
    #[case(999, "999")]
    #[case(1_000, "1,000")]
    #[case(1_234_567, "1,234,567")]
    fn numbers_have_thousands_separators(#[case] value: u64, #[case] expected: &str) {
        assert_eq!(number(value), expected);
    }

    #[test]
    fn top_threats_explain_each_category_once() {
        let mut data = report(&[(Malware, 5, 0)], 0);
        let threat = |signature: &str, category| TopThreat {
            signature: signature.into(),
            category,
            action: Action::Blocked,
            count: 1,
            last_seen: "11月3日 10:00".into(),
            last_seen_at: None,
        };
        data.top_threats = vec![threat("A", Malware), threat("B", Intrusion), threat("C", Malware)];
        data.top_threats.extend((0..20).map(|index| threat(&format!("X{index}"), Other)));
        let view = TemplateData::new(&data);
        assert_eq!(view.top_threats.len(), MAX_TOP_THREATS);
        let explained: Vec<bool> = view.top_threats.iter().map(|row| row.explanation.is_some()).collect();
        assert_eq!(&explained[..4], [true, true, false, true]);
        assert!(explained[4..].iter().all(|explained| !explained));
    }
}
