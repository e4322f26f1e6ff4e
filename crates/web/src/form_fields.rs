//! The application form's flat field names (`company.name`, …) to and from `ApplicationInput`.
//!
//! The names are the JSON paths of the API body, so the same `FieldIssue.field` marks the
//! input on the page. Whatever the user typed is kept verbatim for redisplay.

use std::collections::HashMap;

use domain::application::{ApplicationInput, LooseNumber};

/// Builds the input from form pairs. Checkboxes are present when ticked; yes/no radios say `yes`.
pub fn parse(pairs: &[(String, String)]) -> ApplicationInput {
    let map: HashMap<&str, &str> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let text = |name: &str| map.get(name).map(|v| v.to_string()).unwrap_or_default();
    let optional = |name: &str| map.get(name).filter(|v| !v.trim().is_empty()).map(|v| v.to_string());
    let flag = |name: &str| matches!(map.get(name).copied(), Some("on" | "yes" | "true" | "1"));
    let number = |name: &str| optional(name).map(LooseNumber::Text);
    let mut input = ApplicationInput {
        course: optional("course"),
        previous_participant: flag("previous_participant"),
        uses_equivalent_tokyo_subsidy: flag("uses_equivalent_tokyo_subsidy"),
        privacy_policy_accepted: flag("privacy_policy_accepted"),
        ..Default::default()
    };
    let company = &mut input.company;
    company.name = text("company.name");
    company.name_kana = text("company.name_kana");
    company.corporate_number = optional("company.corporate_number");
    company.sole_proprietor = flag("company.sole_proprietor");
    company.postal_code = text("company.postal_code");
    company.prefecture = text("company.prefecture");
    company.address = text("company.address");
    company.industry = text("company.industry");
    company.capital_yen = number("company.capital_yen");
    company.employees = number("company.employees");
    company.representative_name = text("company.representative_name");
    company.representative_title = optional("company.representative_title");
    let contact = &mut input.contact;
    contact.name = text("contact.name");
    contact.name_kana = text("contact.name_kana");
    contact.department = optional("contact.department");
    contact.email = text("contact.email");
    contact.phone = text("contact.phone");
    let environment = &mut input.environment;
    environment.connection_layout = optional("environment.connection_layout");
    environment.free_hub_port = optional("environment.free_hub_port");
    environment.existing_utm = map.get("environment.existing_utm").map(|v| *v == "yes");
    environment.existing_utm_vendor = optional("environment.existing_utm_vendor");
    environment.policy_status = optional("environment.policy_status");
    let declarations = &mut input.declarations;
    declarations.a = flag("declarations.a");
    declarations.b = flag("declarations.b");
    declarations.c = flag("declarations.c");
    declarations.d = flag("declarations.d");
    declarations.e = flag("declarations.e");
    declarations.f = flag("declarations.f");
    declarations.g = flag("declarations.g");
    input
}

/// The values to put back into the form's inputs.
pub fn flatten(input: &ApplicationInput) -> HashMap<&'static str, String> {
    let number = |n: &Option<LooseNumber>| match n {
        Some(LooseNumber::Int(v)) => v.to_string(),
        Some(LooseNumber::Text(t)) => t.clone(),
        None => String::new(),
    };
    let yes = |b: bool| if b { "yes".to_string() } else { String::new() };
    let c = &input.company;
    let p = &input.contact;
    let e = &input.environment;
    let d = &input.declarations;
    HashMap::from([
        ("course", input.course.clone().unwrap_or_default()),
        ("company.name", c.name.clone()),
        ("company.name_kana", c.name_kana.clone()),
        ("company.corporate_number", c.corporate_number.clone().unwrap_or_default()),
        ("company.sole_proprietor", yes(c.sole_proprietor)),
        ("company.postal_code", c.postal_code.clone()),
        ("company.prefecture", c.prefecture.clone()),
        ("company.address", c.address.clone()),
        ("company.industry", c.industry.clone()),
        ("company.capital_yen", number(&c.capital_yen)),
        ("company.employees", number(&c.employees)),
        ("company.representative_name", c.representative_name.clone()),
        ("company.representative_title", c.representative_title.clone().unwrap_or_default()),
        ("contact.name", p.name.clone()),
        ("contact.name_kana", p.name_kana.clone()),
        ("contact.department", p.department.clone().unwrap_or_default()),
        ("contact.email", p.email.clone()),
        ("contact.phone", p.phone.clone()),
        ("environment.connection_layout", e.connection_layout.clone().unwrap_or_default()),
        ("environment.free_hub_port", e.free_hub_port.clone().unwrap_or_default()),
        (
            "environment.existing_utm",
            match e.existing_utm {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
        ),
        ("environment.existing_utm_vendor", e.existing_utm_vendor.clone().unwrap_or_default()),
        ("environment.policy_status", e.policy_status.clone().unwrap_or_default()),
        ("previous_participant", yes(input.previous_participant)),
        ("uses_equivalent_tokyo_subsidy", yes(input.uses_equivalent_tokyo_subsidy)),
        ("privacy_policy_accepted", yes(input.privacy_policy_accepted)),
        ("declarations.a", yes(d.a)),
        ("declarations.b", yes(d.b)),
        ("declarations.c", yes(d.c)),
        ("declarations.d", yes(d.d)),
        ("declarations.e", yes(d.e)),
        ("declarations.f", yes(d.f)),
        ("declarations.g", yes(d.g)),
    ])
}

/// Each answer's label in Japanese and English: the form's labels, its review page (確認) and its
/// error summary read them from here. Whether an answer is required is
/// `domain::application::FIELD_REQUIREMENTS`.
pub const LABELS: [(&str, &str, &str); 27] = [
    ("course", "希望コース", "Preferred course"),
    ("company.name", "会社名（屋号）", "Company name"),
    ("company.name_kana", "会社名フリガナ", "Company name (katakana)"),
    ("company.sole_proprietor", "個人事業主", "Sole proprietor"),
    ("company.corporate_number", "法人番号（13桁）", "Corporate number (13 digits)"),
    ("company.postal_code", "郵便番号", "Postal code"),
    ("company.prefecture", "主たる事業所の所在地（都道府県）", "Main office: prefecture"),
    ("company.address", "所在地（市区町村以下）", "Address (city and below)"),
    ("company.industry", "業種", "Industry"),
    ("company.capital_yen", "資本金（円）", "Capital (yen)"),
    ("company.employees", "従業員数（人）", "Employees"),
    ("company.representative_name", "代表者氏名", "Representative's name"),
    ("company.representative_title", "代表者役職", "Representative's title"),
    ("contact.name", "担当者氏名", "Contact name"),
    ("contact.name_kana", "担当者氏名フリガナ", "Contact name (katakana)"),
    ("contact.department", "部署名", "Department"),
    ("contact.email", "メールアドレス", "E-mail"),
    ("contact.phone", "電話番号", "Phone"),
    ("environment.connection_layout", "ネットワークの接続構成", "Network layout"),
    ("environment.free_hub_port", "HUBの空きポート", "Free port on the hub"),
    ("environment.existing_utm", "UTMの設置", "UTM already installed"),
    ("environment.existing_utm_vendor", "設置済みUTMのメーカー", "Installed UTM's vendor"),
    ("environment.policy_status", "情報セキュリティ基本方針・社内規定", "Security policy and internal rules"),
    ("previous_participant", "本事業での支援歴", "Supported by this programme before"),
    ("uses_equivalent_tokyo_subsidy", "東京都の同等の補助事業の活用", "Equivalent Tokyo subsidy"),
    ("declarations", "申込要件の申告（ア〜キ）", "Declarations (a–g)"),
    ("privacy_policy_accepted", "個人情報の取扱いへの同意", "Consent to the handling of personal data"),
];

/// The label of a field in Japanese and English (the name itself for a name not listed).
pub fn label(field: &str) -> (&str, &str) {
    // `(field, field)` is only a fallback for a name that is not an answer of the form.
    LABELS.iter().find(|(name, _, _)| *name == field).map_or((field, field), |(_, ja, en)| (*ja, *en))
}

/// The element id of a field on the form: the name with `.` made `-` (`company-name`).
pub fn id(field: &str) -> String {
    field.replace('.', "-")
}

/// What was typed, as the review page's hidden fields carry it back: every non-empty value under
/// its form name, so that `parse(&hidden(input))` is `input` again. The values are checked
/// again when sent, like any post.
pub fn hidden(input: &ApplicationInput) -> Vec<(&'static str, String)> {
    let mut pairs: Vec<(&'static str, String)> = flatten(input).into_iter().filter(|(_, v)| !v.is_empty()).collect();
    pairs.sort();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_was_typed() {
        let pairs: Vec<(String, String)> = [
            ("course", "utm"),
            ("company.name", "株式会社　サンプル"),
            ("company.employees", "２５"),
            ("company.sole_proprietor", "on"),
            ("environment.existing_utm", "no"),
            ("declarations.c", "on"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let input = parse(&pairs);
        assert!(input.company.sole_proprietor);
        assert_eq!(input.environment.existing_utm, Some(false));
        assert!(input.declarations.c && !input.declarations.a);
        let flat = flatten(&input);
        assert_eq!(flat["company.name"], "株式会社　サンプル");
        assert_eq!(flat["company.employees"], "２５");
        assert_eq!(flat["environment.existing_utm"], "no");
        assert_eq!(flat["declarations.c"], "yes");
    }

    #[test]
    fn hidden_fields_carry_back_exactly_what_was_typed() {
        let pairs: Vec<(String, String)> = [
            ("course", "utm"),
            ("company.name", " 株式会社　サンプル "),
            ("company.corporate_number", ""),
            ("company.capital_yen", "１,０００円"),
            ("company.sole_proprietor", "yes"),
            ("contact.department", "  "),
            ("environment.connection_layout", "光回線\r\nルーター"),
            ("environment.existing_utm", "no"),
            ("declarations.g", "yes"),
            ("privacy_policy_accepted", "yes"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let input = parse(&pairs);
        let again: Vec<(String, String)> = hidden(&input).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(parse(&again), input);
        assert!(again.iter().all(|(_, v)| !v.is_empty()));
        assert_eq!(
            parse(&[]),
            parse(&hidden(&parse(&[])).into_iter().map(|(k, v)| (k.to_string(), v)).collect::<Vec<_>>())
        );
    }

    #[test]
    fn every_required_field_has_a_label() {
        for (field, _) in domain::application::FIELD_REQUIREMENTS {
            assert!(LABELS.iter().any(|(name, _, _)| *name == field), "{field} has no label");
        }
    }
}
