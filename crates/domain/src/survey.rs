//! Awareness surveys (§6(2)イ–ウ, 参加同意書 第2): a survey's definition — sections and questions
//! with their kinds, conditions and Japanese and English text —, the moments a survey is sent
//! at, the answers a respondent gives and the checks on them, and the change per company on the
//! questions that repeat from one survey to a later one.
//!
//! A definition is written as TOML (the standard ones are in `data/survey_*.toml`) and parsed
//! once into a [`Definition`] that cannot be inconsistent: keys are unique, a condition names an
//! earlier choice question and one of its choices, choices exist exactly where a kind needs them.
//!
//! Must not: read a clock or know who answers; storage and sending are `store`'s and `app`'s.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// The longest a free-text answer may be, in characters.
pub const TEXT_MAX: usize = 2000;
/// The most questions a survey may have.
pub const QUESTIONS_MAX: usize = 100;
/// The most choices a question may offer.
pub const CHOICES_MAX: usize = 20;
/// The longest a definition's text may be, in bytes.
pub const SOURCE_MAX: usize = 100_000;
/// Reminders go this many business days after the invitation, while it is unanswered.
pub const REMINDER_DAYS: [u32; 2] = [3, 7];

/// The standard survey after a briefing seminar.
pub const STANDARD_SEMINAR: &str = include_str!("../data/survey_seminar.toml");
/// The standard survey during and after support, and the next year's follow-up: its
/// awareness questions repeat, so that each company's change can be read.
pub const STANDARD_SUPPORT: &str = include_str!("../data/survey_support.toml");

/// When a survey is sent, and so to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Moment {
    /// To those who attended a briefing seminar of the year.
    AfterSeminar,
    /// To participants after their second guidance visit or once their risk report is released.
    DuringSupport,
    /// To the year's confirmed participants.
    AfterSupport,
    /// To the previous year's confirmed participants.
    FollowUp,
}

impl Moment {
    pub const ALL: [Moment; 4] = [Moment::AfterSeminar, Moment::DuringSupport, Moment::AfterSupport, Moment::FollowUp];

    pub fn code(self) -> &'static str {
        match self {
            Moment::AfterSeminar => "after_seminar",
            Moment::DuringSupport => "during_support",
            Moment::AfterSupport => "after_support",
            Moment::FollowUp => "follow_up",
        }
    }

    pub fn from_code(code: &str) -> Option<Moment> {
        Moment::ALL.into_iter().find(|m| m.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Moment::AfterSeminar => "説明会の後",
            Moment::DuringSupport => "支援の途中（経営指導2回目の後・報告書の後）",
            Moment::AfterSupport => "支援の終了後",
            Moment::FollowUp => "翌年度のフォローアップ",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Moment::AfterSeminar => "After a briefing seminar",
            Moment::DuringSupport => "During support (after the 2nd guidance visit or the report)",
            Moment::AfterSupport => "After support",
            Moment::FollowUp => "Next year's follow-up",
        }
    }

    /// The standard definition a new survey at this moment starts from.
    pub fn standard(self) -> &'static str {
        match self {
            Moment::AfterSeminar => STANDARD_SEMINAR,
            _ => STANDARD_SUPPORT,
        }
    }
}

/// A survey's life: written, sent (answers come in), closed (no more answers, no reminders).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    Open,
    Closed,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    pub fn from_code(code: &str) -> Option<Status> {
        [Status::Draft, Status::Open, Status::Closed].into_iter().find(|s| s.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Status::Draft => "作成中",
            Status::Open => "回答受付中",
            Status::Closed => "締切",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Open => "Open",
            Status::Closed => "Closed",
        }
    }
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One of the choices.
    Single,
    /// Any of the choices.
    Multiple,
    /// 1 (lowest) to 5 (highest).
    Scale5,
    /// 0 to 10: how likely the respondent would recommend the programme.
    Recommend,
    /// Free text up to [`TEXT_MAX`] characters.
    Text,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::Scale5 => "scale5",
            Kind::Recommend => "recommend",
            Kind::Text => "text",
        }
    }

    fn has_choices(self) -> bool {
        matches!(self, Kind::Single | Kind::Multiple)
    }

    /// The values a scale question takes.
    pub fn range(self) -> Option<std::ops::RangeInclusive<u8>> {
        match self {
            Kind::Scale5 => Some(1..=5),
            Kind::Recommend => Some(0..=10),
            _ => None,
        }
    }
}

/// One choice of a single- or multiple-choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    pub ja: String,
    #[serde(default)]
    pub en: String,
}

impl Choice {
    pub fn label(&self, english: bool) -> &str {
        if english && !self.en.is_empty() { &self.en } else { &self.ja }
    }
}

/// "Show this question only when question `question` was answered `answer`" (for a multiple
/// choice: when `answer` is among the choices ticked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub question: String,
    pub answer: String,
}

/// A question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The question's name in answers and exports; the same key in two surveys is the same
    /// question (that is how a repeat is found).
    pub key: String,
    pub kind: Kind,
    pub ja: String,
    #[serde(default)]
    pub en: String,
    #[serde(default)]
    pub required: bool,
    /// Compared per company with the same question in an earlier survey (scales only).
    #[serde(default)]
    pub repeat: bool,
    #[serde(default)]
    pub choices: Vec<Choice>,
    #[serde(default)]
    pub show_when: Option<Condition>,
}

impl Question {
    pub fn text(&self, english: bool) -> &str {
        if english && !self.en.is_empty() { &self.en } else { &self.ja }
    }

    pub fn choice(&self, code: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.code == code)
    }
}

/// A section: a heading and its questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub ja: String,
    #[serde(default)]
    pub en: String,
    #[serde(default, rename = "question")]
    pub questions: Vec<Question>,
}

impl Section {
    pub fn text(&self, english: bool) -> &str {
        if english && !self.en.is_empty() { &self.en } else { &self.ja }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Source {
    #[serde(default, rename = "section")]
    sections: Vec<Section>,
}

/// A survey's questions, checked: build it with [`Definition::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    sections: Vec<Section>,
}

/// Why a definition's text was refused: where, and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    /// The line (from 1) when the TOML itself is wrong.
    pub line: Option<usize>,
    pub ja: String,
    pub en: String,
}

impl DefinitionError {
    fn new(ja: impl Into<String>, en: impl Into<String>) -> DefinitionError {
        DefinitionError { line: None, ja: ja.into(), en: en.into() }
    }
}

fn valid_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && code.as_bytes()[0].is_ascii_lowercase()
}

fn check_text(what_ja: &str, what_en: &str, text: &str, required: bool, max: usize) -> Result<(), DefinitionError> {
    if required && text.trim().is_empty() {
        return Err(DefinitionError::new(
            format!("{what_ja}の文を書いてください"),
            format!("{what_en} needs its text"),
        ));
    }
    if text.chars().count() > max || crate::text::has_control(text) {
        return Err(DefinitionError::new(
            format!("{what_ja}の文は{max}文字以内で、制御文字を含めないでください"),
            format!("{what_en}'s text must be at most {max} characters without control characters"),
        ));
    }
    Ok(())
}

impl Definition {
    /// Reads and checks a definition's TOML text.
    pub fn parse(source: &str) -> Result<Definition, DefinitionError> {
        if source.len() > SOURCE_MAX {
            return Err(DefinitionError::new(
                format!("定義が長すぎます（{SOURCE_MAX}バイトまで）"),
                format!("The definition is too long (at most {SOURCE_MAX} bytes)"),
            ));
        }
        let parsed: Source = toml::from_str(source).map_err(|error| {
            let line = error.span().map(|span| source[..span.start.min(source.len())].matches('\n').count() + 1);
            let message = error.message().to_string();
            DefinitionError {
                line,
                ja: format!("定義の書き方に誤りがあります：{message}"),
                en: format!("The definition is not valid TOML: {message}"),
            }
        })?;
        let definition = Definition { sections: parsed.sections };
        definition.check()?;
        Ok(definition)
    }

    fn check(&self) -> Result<(), DefinitionError> {
        let count = self.questions().count();
        if count == 0 {
            return Err(DefinitionError::new("質問を1つ以上書いてください", "Write at least one question"));
        }
        if count > QUESTIONS_MAX {
            return Err(DefinitionError::new(
                format!("質問は{QUESTIONS_MAX}問までです"),
                format!("At most {QUESTIONS_MAX} questions"),
            ));
        }
        let mut seen: BTreeMap<&str, &Question> = BTreeMap::new();
        for (index, section) in self.sections.iter().enumerate() {
            let n = index + 1;
            check_text(&format!("{n}番目の区分"), &format!("Section {n}"), &section.ja, true, 200)?;
            check_text(&format!("{n}番目の区分"), &format!("Section {n}"), &section.en, false, 200)?;
            for question in &section.questions {
                let key = question.key.as_str();
                if !valid_code(key) {
                    return Err(DefinitionError::new(
                        format!("質問の key「{key}」は英小文字で始まる英小文字・数字・_ の40文字以内にしてください"),
                        format!(
                            "The key \"{key}\" must be lowercase letters, digits or _ (at most 40), starting with a letter"
                        ),
                    ));
                }
                if seen.contains_key(key) {
                    return Err(DefinitionError::new(
                        format!("質問の key「{key}」が重複しています"),
                        format!("The key \"{key}\" is used twice"),
                    ));
                }
                let (what_ja, what_en) = (format!("質問「{key}」"), format!("Question \"{key}\""));
                check_text(&what_ja, &what_en, &question.ja, true, 500)?;
                check_text(&what_ja, &what_en, &question.en, false, 500)?;
                if question.kind.has_choices() {
                    if !(2..=CHOICES_MAX).contains(&question.choices.len()) {
                        return Err(DefinitionError::new(
                            format!("{what_ja}には選択肢を2〜{CHOICES_MAX}個書いてください"),
                            format!("{what_en} needs 2 to {CHOICES_MAX} choices"),
                        ));
                    }
                    let mut codes = BTreeSet::new();
                    for choice in &question.choices {
                        if !valid_code(&choice.code) || !codes.insert(choice.code.as_str()) {
                            return Err(DefinitionError::new(
                                format!(
                                    "{what_ja}の選択肢 code「{}」は英小文字・数字・_ で、重複しないようにしてください",
                                    choice.code
                                ),
                                format!(
                                    "{what_en}: choice code \"{}\" must be lowercase letters, digits or _, and unique",
                                    choice.code
                                ),
                            ));
                        }
                        check_text(&what_ja, &what_en, &choice.ja, true, 200)?;
                        check_text(&what_ja, &what_en, &choice.en, false, 200)?;
                    }
                } else if !question.choices.is_empty() {
                    return Err(DefinitionError::new(
                        format!("{what_ja}（{}）には選択肢を書きません", question.kind.code()),
                        format!("{what_en} ({}) takes no choices", question.kind.code()),
                    ));
                }
                if question.repeat && question.kind.range().is_none() {
                    return Err(DefinitionError::new(
                        format!("{what_ja}：前後比較（repeat）にできるのは scale5 と recommend の質問だけです"),
                        format!("{what_en}: only scale5 and recommend questions can repeat"),
                    ));
                }
                if let Some(condition) = &question.show_when {
                    let Some(earlier) = seen.get(condition.question.as_str()) else {
                        return Err(DefinitionError::new(
                            format!(
                                "{what_ja}の条件は、それより前の質問の key を指してください（「{}」はありません）",
                                condition.question
                            ),
                            format!(
                                "{what_en}'s condition must name an earlier question (\"{}\" is not one)",
                                condition.question
                            ),
                        ));
                    };
                    if earlier.choice(&condition.answer).is_none() {
                        return Err(DefinitionError::new(
                            format!(
                                "{what_ja}の条件の回答「{}」は、質問「{}」の選択肢にありません",
                                condition.answer, condition.question
                            ),
                            format!(
                                "{what_en}'s condition answer \"{}\" is not a choice of \"{}\"",
                                condition.answer, condition.question
                            ),
                        ));
                    }
                }
                seen.insert(key, question);
            }
        }
        Ok(())
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions().find(|q| q.key == key)
    }

    /// Whether `question` is shown, given the answers so far: its condition's question is itself
    /// shown and was answered with the condition's choice.
    pub fn is_shown(&self, question: &Question, answers: &Answers) -> bool {
        let Some(condition) = &question.show_when else { return true };
        let Some(earlier) = self.question(&condition.question) else { return false };
        self.is_shown(earlier, answers)
            && match answers.get(&condition.question) {
                Some(Value::Choice(code)) => *code == condition.answer,
                Some(Value::Choices(codes)) => codes.contains(&condition.answer),
                _ => false,
            }
    }

    /// Reads a form's fields (`q.KEY` = value, repeated for a multiple choice) into answers.
    /// Empty fields are no answer; a value the question does not take is refused with its key.
    pub fn read_form<'a>(&self, fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Answers, AnswerError> {
        let mut raw: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (name, value) in fields {
            if let Some(key) = name.strip_prefix("q.") {
                raw.entry(key).or_default().push(value);
            }
        }
        let mut answers = Answers::new();
        for (key, values) in raw {
            let Some(question) = self.question(key) else { continue };
            let values: Vec<&str> = values.into_iter().filter(|v| !v.trim().is_empty()).collect();
            if values.is_empty() {
                continue;
            }
            let bad = || AnswerError::Invalid { key: key.to_string() };
            let value = match question.kind {
                Kind::Single => {
                    let [code] = values.as_slice() else { return Err(bad()) };
                    question.choice(code).ok_or_else(bad)?;
                    Value::Choice((*code).to_string())
                }
                Kind::Multiple => {
                    let mut codes: Vec<String> = Vec::new();
                    for code in values {
                        question.choice(code).ok_or_else(bad)?;
                        if !codes.iter().any(|c| c == code) {
                            codes.push(code.to_string());
                        }
                    }
                    // In the definition's order, whatever order the form sent.
                    codes.sort_by_key(|code| question.choices.iter().position(|c| &c.code == code));
                    Value::Choices(codes)
                }
                Kind::Scale5 | Kind::Recommend => {
                    let [text] = values.as_slice() else { return Err(bad()) };
                    let number: u8 = text.trim().parse().map_err(|_| bad())?;
                    if !question.kind.range().is_some_and(|r| r.contains(&number)) {
                        return Err(bad());
                    }
                    Value::Scale(number)
                }
                Kind::Text => {
                    let [text] = values.as_slice() else { return Err(bad()) };
                    let text = crate::inquiry::message_text(text, TEXT_MAX)
                        .map_err(|_| AnswerError::TooLong { key: key.to_string() })?;
                    Value::Text(text)
                }
            };
            answers.insert(key.to_string(), value);
        }
        Ok(answers)
    }

    /// The answers to submit: those of hidden questions dropped, or the shown required
    /// questions left unanswered (in the survey's order).
    pub fn complete(&self, answers: &Answers) -> Result<Answers, Vec<String>> {
        let missing: Vec<String> = self
            .questions()
            .filter(|q| q.required && self.is_shown(q, answers) && !answers.contains_key(&q.key))
            .map(|q| q.key.clone())
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        Ok(self.kept(answers))
    }

    /// The answers of questions still shown (a draft keeps only these, too).
    pub fn kept(&self, answers: &Answers) -> Answers {
        answers
            .iter()
            .filter(|(key, _)| self.question(key).is_some_and(|q| self.is_shown(q, answers)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Scale(u8),
    Choice(String),
    Choices(Vec<String>),
    Text(String),
}

impl Value {
    /// The answer as one cell of an export: choices by their label, joined with "; ".
    pub fn cell(&self, question: &Question, english: bool) -> String {
        let label = |code: &String| question.choice(code).map_or(code.clone(), |c| c.label(english).to_string());
        match self {
            Value::Scale(n) => n.to_string(),
            Value::Choice(code) => label(code),
            Value::Choices(codes) => codes.iter().map(label).collect::<Vec<_>>().join("; "),
            Value::Text(text) => text.clone(),
        }
    }
}

/// A respondent's answers by question key. Stored as JSON; a free-text answer and a choice are
/// told apart by the question's kind, not by the JSON.
pub type Answers = BTreeMap<String, Value>;

/// Reads stored answers back against `definition` (a choice's code is a string, as is a text).
pub fn answers_from_json(definition: &Definition, json: &serde_json::Value) -> Answers {
    let mut answers = Answers::new();
    let Some(map) = json.as_object() else { return answers };
    for (key, value) in map {
        let Some(question) = definition.question(key) else { continue };
        let read = match (question.kind, value) {
            (Kind::Single, serde_json::Value::String(s)) => Some(Value::Choice(s.clone())),
            (Kind::Text, serde_json::Value::String(s)) => Some(Value::Text(s.clone())),
            (Kind::Multiple, serde_json::Value::Array(items)) => {
                Some(Value::Choices(items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect()))
            }
            (Kind::Scale5 | Kind::Recommend, serde_json::Value::Number(n)) => {
                n.as_u64().and_then(|n| u8::try_from(n).ok()).map(Value::Scale)
            }
            _ => None,
        };
        if let Some(value) = read {
            answers.insert(key.to_string(), value);
        }
    }
    answers
}

/// Why a form's answers were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// A value the question does not offer (a forged or stale form).
    Invalid { key: String },
    /// A free text over [`TEXT_MAX`] characters or with control characters.
    TooLong { key: String },
}

impl AnswerError {
    pub fn key(&self) -> &str {
        match self {
            AnswerError::Invalid { key } | AnswerError::TooLong { key } => key,
        }
    }

    pub fn message_ja(&self) -> String {
        match self {
            AnswerError::Invalid { .. } => "選択肢から選んでください".into(),
            AnswerError::TooLong { .. } => format!("{TEXT_MAX}文字以内で、制御文字を含めずに入力してください"),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            AnswerError::Invalid { .. } => "Choose one of the options".into(),
            AnswerError::TooLong { .. } => format!("At most {TEXT_MAX} characters, without control characters"),
        }
    }
}

/// The Net Promoter Score of 0–10 answers: % of 9–10 minus % of 0–6, rounded; `None` without answers.
pub fn net_promoter(scores: &[u8]) -> Option<i32> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as f64;
    let promoters = scores.iter().filter(|s| **s >= 9).count() as f64;
    let detractors = scores.iter().filter(|s| **s <= 6).count() as f64;
    Some(((promoters - detractors) * 100.0 / n).round() as i32)
}

/// One respondent's submitted survey, for the change per company.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted<'a, C> {
    /// The company that answered (its application's id, in Kojo).
    pub company: C,
    pub moment: Moment,
    /// When it was submitted (orders two surveys of the same moment).
    pub at: chrono::DateTime<chrono::Utc>,
    pub answers: &'a Answers,
}

/// A company's first and last answer to a repeating question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<C> {
    pub company: C,
    pub key: String,
    pub before: u8,
    pub after: u8,
}

impl<C> Change<C> {
    pub fn delta(&self) -> i32 {
        i32::from(self.after) - i32::from(self.before)
    }
}

/// The change per company on the questions in `repeating` (keys): for each company that answered
/// a key in at least two submitted surveys, its earliest answer (by moment, then time) against its
/// latest. Ordered by company, then key.
pub fn changes<C: Ord + Copy>(repeating: &BTreeSet<String>, submitted: &[Submitted<'_, C>]) -> Vec<Change<C>> {
    let mut ordered: Vec<&Submitted<'_, C>> = submitted.iter().collect();
    ordered.sort_by_key(|s| (s.company, s.moment, s.at));
    let mut firsts: BTreeMap<(C, &str), (u8, u8, usize)> = BTreeMap::new();
    for s in ordered {
        for key in repeating {
            if let Some(Value::Scale(n)) = s.answers.get(key) {
                firsts
                    .entry((s.company, key.as_str()))
                    .and_modify(|(_, last, count)| {
                        *last = *n;
                        *count += 1;
                    })
                    .or_insert((*n, *n, 1));
            }
        }
    }
    firsts
        .into_iter()
        .filter(|(_, (_, _, count))| *count >= 2)
        .map(|((company, key), (before, after, _))| Change { company, key: key.to_string(), before, after })
        .collect()
}

/// One question's counts as they may leave the secretariat (to Tokyo): every figure a count of
/// respondents under the small-cell rule, and nothing that lets a hidden one be worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideCounts {
    /// How many answered it; `x` when the question is withheld.
    pub answered: crate::disclosure::Cell,
    /// Per choice or value, in order.
    pub counts: Vec<crate::disclosure::Cell>,
    /// Whether an average (or NPS) may be printed beside them: only when no count is hidden, as
    /// a mean with its histogram pins hidden counts.
    pub mean_allowed: bool,
}

/// The counts of one question for readers outside the secretariat. `counts` per choice (for a
/// multiple choice, how many ticked each), `answered` who answered it, `respondents` who
/// submitted the survey. Withheld whole (`x`) when it is shown only after a condition (its count
/// gives the condition's hidden count away), when fewer than 5 answered, or when 1–4 skipped it;
/// otherwise suppressed as a list whose total is `answered` (a multiple choice: each choice as
/// the pair ticked / not ticked), and withheld whole if that total would have to be hidden.
pub fn outside_counts(kind: Kind, counts: &[u64], answered: u64, respondents: u64, conditional: bool) -> OutsideCounts {
    use crate::disclosure::{Cell, MIN_COMPANIES, suppress};
    let skipped = respondents.saturating_sub(answered);
    let withheld = OutsideCounts {
        answered: if answered == 0 { Cell::Count(0) } else { Cell::Complementary },
        counts: vec![if answered == 0 { Cell::Count(0) } else { Cell::Complementary }; counts.len()],
        mean_allowed: false,
    };
    if answered == 0 || conditional || answered < MIN_COMPANIES || (1..MIN_COMPANIES).contains(&skipped) {
        return withheld;
    }
    let cells: Vec<Cell> = if kind == Kind::Multiple {
        counts
            .iter()
            .map(|&ticked| {
                let pair = suppress(&[vec![ticked], vec![answered.saturating_sub(ticked)]]);
                pair.cells[0][0]
            })
            .collect()
    } else {
        let published = suppress(&counts.iter().map(|&n| vec![n]).collect::<Vec<_>>());
        if published.total.is_hidden() {
            return withheld;
        }
        published.cells.into_iter().map(|row| row[0]).collect()
    };
    OutsideCounts { answered: Cell::Count(answered), mean_allowed: !cells.iter().any(|c| c.is_hidden()), counts: cells }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[[section]]
ja = "利用状況"
en = "Use"

[[section.question]]
key = "incident"
kind = "single"
ja = "この1年でインシデントはありましたか"
required = true
choices = [
  { code = "yes", ja = "あった", en = "Yes" },
  { code = "no", ja = "なかった", en = "No" },
]

[[section.question]]
key = "incident_kind"
kind = "multiple"
ja = "どのようなものでしたか"
required = true
show_when = { question = "incident", answer = "yes" }
choices = [
  { code = "malware", ja = "マルウェア" },
  { code = "phishing", ja = "フィッシング" },
  { code = "other", ja = "その他" },
]

[[section.question]]
key = "incident_detail"
kind = "text"
ja = "詳しく"
required = true
show_when = { question = "incident_kind", answer = "other" }

[[section.question]]
key = "awareness"
kind = "scale5"
ja = "意識"
repeat = true
"#;

    fn small() -> Definition {
        Definition::parse(SMALL).unwrap()
    }

    fn form(pairs: &[(&'static str, &'static str)]) -> Result<Answers, AnswerError> {
        small().read_form(pairs.iter().copied())
    }

    #[test]
    fn the_standard_definitions_parse_and_their_awareness_questions_repeat() {
        for moment in Moment::ALL {
            let definition = Definition::parse(moment.standard()).unwrap();
            assert!(definition.questions().count() >= 5, "{moment:?}");
        }
        let support = Definition::parse(STANDARD_SUPPORT).unwrap();
        assert!(support.questions().filter(|q| q.repeat).count() >= 3);
        assert!(support.questions().any(|q| q.show_when.is_some()), "the standard shows a condition");
        for moment in Moment::ALL {
            assert_eq!(Moment::from_code(moment.code()), Some(moment));
        }
    }

    #[test]
    fn a_definition_that_contradicts_itself_is_refused_with_the_reason() {
        let cases: &[(&str, &str)] = &[
            ("", "質問を1つ以上"),
            ("[[section]]\nja = \"a\"\n[[section.question]]\nkey = \"Bad\"\nkind = \"text\"\nja = \"x\"", "key「Bad」"),
            (
                "[[section]]\nja = \"a\"\n[[section.question]]\nkey = \"a\"\nkind = \"text\"\nja = \"x\"\n[[section.question]]\nkey = \"a\"\nkind = \"text\"\nja = \"y\"",
                "重複",
            ),
            ("[[section]]\nja = \"a\"\n[[section.question]]\nkey = \"a\"\nkind = \"single\"\nja = \"x\"", "選択肢を2"),
            (
                "[[section]]\nja = \"a\"\n[[section.question]]\nkey = \"a\"\nkind = \"text\"\nja = \"x\"\nchoices = [{code = \"a\", ja = \"a\"}, {code = \"b\", ja = \"b\"}]",
                "選択肢を書きません",
            ),
            (
                "[[section]]\nja = \"a\"\n[[section.question]]\nkey = \"a\"\nkind = \"text\"\nja = \"x\"\nrepeat = true",
                "repeat",
            ),
            (
                "[[section]]\nja = \"a\"\n[[section.question]]\nkey = \"a\"\nkind = \"text\"\nja = \"x\"\nshow_when = { question = \"b\", answer = \"y\" }",
                "前の質問",
            ),
            (
                "[[section]]\nja = \"a\"\n[[section.question]]\nkey = \"a\"\nkind = \"single\"\nja = \"x\"\nchoices = [{code = \"a\", ja = \"a\"}, {code = \"b\", ja = \"b\"}]\n[[section.question]]\nkey = \"b\"\nkind = \"text\"\nja = \"y\"\nshow_when = { question = \"a\", answer = \"c\" }",
                "選択肢にありません",
            ),
            ("[[section]]\nja = \"\"\n[[section.question]]\nkey = \"a\"\nkind = \"text\"\nja = \"x\"", "区分の文"),
        ];
        for (source, expected) in cases {
            let error = Definition::parse(source).unwrap_err();
            assert!(error.ja.contains(expected), "{source:?} → {}", error.ja);
            assert!(!error.en.is_empty());
        }
    }

    #[test]
    fn a_toml_mistake_names_its_line() {
        let error =
            Definition::parse("[[section]]\nja = \"a\"\n\n[[section.question]]\nkey = \"a\"\nkind = \"essay\"\n")
                .unwrap_err();
        assert_eq!(error.line, Some(6), "{error:?}");
        let error = Definition::parse("[[section]]\nja = \"a\"\ncolour = \"red\"\n").unwrap_err();
        assert_eq!(error.line, Some(3), "an unknown field: {error:?}");
    }

    #[test]
    fn conditions_show_questions_in_a_chain() {
        let definition = small();
        let q = |key: &str| definition.question(key).unwrap().clone();
        let none = Answers::new();
        assert!(definition.is_shown(&q("incident"), &none));
        assert!(!definition.is_shown(&q("incident_kind"), &none));
        let yes = form(&[("q.incident", "yes"), ("q.incident_kind", "other")]).unwrap();
        assert!(definition.is_shown(&q("incident_kind"), &yes));
        assert!(definition.is_shown(&q("incident_detail"), &yes));
        // "other" ticked but the first answer changed to "no": the chain hides both.
        let no = form(&[("q.incident", "no"), ("q.incident_kind", "other")]).unwrap();
        assert!(!definition.is_shown(&q("incident_kind"), &no));
        assert!(!definition.is_shown(&q("incident_detail"), &no));
    }

    #[test]
    fn required_means_required_when_shown_and_hidden_answers_are_dropped() {
        let definition = small();
        assert_eq!(definition.complete(&Answers::new()), Err(vec!["incident".to_string()]));
        let yes = form(&[("q.incident", "yes")]).unwrap();
        assert_eq!(definition.complete(&yes), Err(vec!["incident_kind".to_string()]));
        let other = form(&[("q.incident", "yes"), ("q.incident_kind", "other")]).unwrap();
        assert_eq!(definition.complete(&other), Err(vec!["incident_detail".to_string()]));
        let no = form(&[
            ("q.incident", "no"),
            ("q.incident_kind", "other"),
            ("q.incident_detail", "x"),
            ("q.awareness", "4"),
        ])
        .unwrap();
        let kept = definition.complete(&no).unwrap();
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["awareness", "incident"], "hidden answers dropped");
    }

    #[test]
    fn a_form_value_the_question_does_not_take_is_refused() {
        assert_eq!(form(&[("q.incident", "maybe")]).unwrap_err().key(), "incident");
        assert_eq!(form(&[("q.incident", "yes"), ("q.incident", "no")]).unwrap_err().key(), "incident");
        assert_eq!(form(&[("q.awareness", "6")]).unwrap_err().key(), "awareness");
        assert_eq!(form(&[("q.awareness", "0")]).unwrap_err().key(), "awareness");
        assert_eq!(form(&[("q.awareness", "x")]).unwrap_err().key(), "awareness");
        assert_eq!(
            form(&[("q.incident_kind", "malware"), ("q.incident_kind", "ransom")]).unwrap_err().key(),
            "incident_kind"
        );
        let long = "あ".repeat(TEXT_MAX + 1);
        let long: &'static str = Box::leak(long.into_boxed_str());
        assert!(matches!(form(&[("q.incident_detail", long)]), Err(AnswerError::TooLong { .. })));
        // Unknown keys and empty values are no answer; choices come back in the survey's order.
        let answers = form(&[
            ("q.nothing", "1"),
            ("q.awareness", ""),
            ("q.incident_kind", "other"),
            ("q.incident_kind", "malware"),
            ("q.incident_kind", "other"),
        ])
        .unwrap();
        assert_eq!(answers.len(), 1);
        assert_eq!(answers["incident_kind"], Value::Choices(vec!["malware".into(), "other".into()]));
    }

    #[test]
    fn stored_answers_read_back_as_they_were() {
        let definition = small();
        let answers = form(&[
            ("q.incident", "yes"),
            ("q.incident_kind", "malware"),
            ("q.incident_detail", "3"),
            ("q.awareness", "3"),
        ])
        .unwrap();
        let json = serde_json::to_value(&answers).unwrap();
        let back = answers_from_json(&definition, &json);
        assert_eq!(back, answers);
        assert_eq!(back["incident_detail"], Value::Text("3".into()), "a text that looks like a number stays text");
    }

    #[test]
    fn outside_counts_give_no_hidden_count_away() {
        use crate::disclosure::Cell;
        // [1, 5]: the 1 would follow from the total; the total cannot be printed, so the
        // question is withheld whole.
        let out = outside_counts(Kind::Single, &[1, 5], 6, 6, false);
        assert_eq!(out.answered, Cell::Complementary);
        assert!(out.counts.iter().all(|c| *c == Cell::Complementary));
        // One "1" and four "5" of five: both hidden, so no mean beside them.
        let out = outside_counts(Kind::Scale5, &[1, 0, 0, 0, 4], 5, 5, false);
        assert!(!out.mean_allowed);
        assert!(out.counts.iter().any(|c| c.is_hidden()));
        // Six "4" and five "5": printed, with the mean.
        let out = outside_counts(Kind::Scale5, &[0, 0, 0, 6, 5], 11, 11, false);
        assert_eq!(out.counts, vec![Cell::Count(0), Cell::Count(0), Cell::Count(0), Cell::Count(6), Cell::Count(5)]);
        assert!(out.mean_allowed);
        // A question after a condition, or one that 1–4 skipped, or fewer than 5 answered: withheld.
        assert_eq!(outside_counts(Kind::Scale5, &[0, 0, 0, 6, 5], 11, 11, true).answered, Cell::Complementary);
        assert_eq!(outside_counts(Kind::Scale5, &[0, 0, 0, 6, 5], 11, 12, false).answered, Cell::Complementary);
        assert_eq!(outside_counts(Kind::Scale5, &[0, 0, 0, 2, 2], 4, 4, false).answered, Cell::Complementary);
        assert_eq!(outside_counts(Kind::Scale5, &[0, 0, 0, 6, 5], 11, 16, false).answered, Cell::Count(11));
        // A multiple choice: each choice against those who did not tick it.
        let out = outside_counts(Kind::Multiple, &[8, 2, 0], 10, 10, false);
        assert_eq!(out.counts[0], Cell::Complementary, "8 ticked leaves 2 who did not");
        assert_eq!(out.counts[1], Cell::Small);
        assert_eq!(out.counts[2], Cell::Count(0));
        // Whatever is printed, no count of 1–4 can be solved for from the printed figures.
        for counts in [[1u64, 4, 0], [2, 2, 1], [5, 1, 5], [7, 0, 3], [3, 3, 3]] {
            let answered = counts.iter().sum::<u64>();
            let out = outside_counts(Kind::Single, &counts, answered, answered, false);
            if let Cell::Count(total) = out.answered {
                let shown: u64 = out.counts.iter().filter_map(|c| c.count()).sum();
                let hidden: Vec<u64> =
                    counts.iter().zip(&out.counts).filter(|(_, c)| c.is_hidden()).map(|(n, _)| *n).collect();
                assert_ne!(hidden.len(), 1, "{counts:?}: a single hidden cell is total minus the rest");
                assert_eq!(total - shown, hidden.iter().sum::<u64>());
            }
        }
    }

    #[test]
    fn net_promoter_counts_promoters_less_detractors() {
        assert_eq!(net_promoter(&[]), None);
        assert_eq!(net_promoter(&[10, 9, 8, 7, 6]), Some(20));
        assert_eq!(net_promoter(&[0, 0, 10]), Some(-33));
    }

    #[test]
    fn the_change_per_company_is_its_first_answer_against_its_last() {
        let (a, b) = (1u32, 2u32);
        let at =
            |day: u32| chrono::NaiveDate::from_ymd_opt(2026, 6, day).unwrap().and_hms_opt(0, 0, 0).unwrap().and_utc();
        let answers = |n: u8| Answers::from([("awareness".to_string(), Value::Scale(n))]);
        let (a1, a2, a3, b1) = (answers(2), answers(3), answers(5), answers(4));
        let submitted = [
            // Submitted out of order: the moment decides which is first.
            Submitted { company: a, moment: Moment::AfterSupport, at: at(1), answers: &a3 },
            Submitted { company: a, moment: Moment::AfterSeminar, at: at(20), answers: &a1 },
            Submitted { company: a, moment: Moment::DuringSupport, at: at(10), answers: &a2 },
            Submitted { company: b, moment: Moment::AfterSeminar, at: at(2), answers: &b1 },
        ];
        let repeating = BTreeSet::from(["awareness".to_string(), "absent".to_string()]);
        let found = changes(&repeating, &submitted);
        assert_eq!(found, vec![Change { company: a, key: "awareness".into(), before: 2, after: 5 }]);
        assert_eq!(found[0].delta(), 3);
    }
}
