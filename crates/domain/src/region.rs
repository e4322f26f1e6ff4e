//! Tokyo's 62 municipalities (区市町村), for figures by ward or city: the 23 special wards, 26
//! cities, 5 towns and 8 villages, read from the start of an address.

/// Every municipality of Tokyo, in the order of Tokyo's own statistics (wards, cities, the
/// towns and villages of Nishitama, then the islands).
pub const TOKYO: [&str; 62] = [
    "千代田区",
    "中央区",
    "港区",
    "新宿区",
    "文京区",
    "台東区",
    "墨田区",
    "江東区",
    "品川区",
    "目黒区",
    "大田区",
    "世田谷区",
    "渋谷区",
    "中野区",
    "杉並区",
    "豊島区",
    "北区",
    "荒川区",
    "板橋区",
    "練馬区",
    "足立区",
    "葛飾区",
    "江戸川区",
    "八王子市",
    "立川市",
    "武蔵野市",
    "三鷹市",
    "青梅市",
    "府中市",
    "昭島市",
    "調布市",
    "町田市",
    "小金井市",
    "小平市",
    "日野市",
    "東村山市",
    "国分寺市",
    "国立市",
    "福生市",
    "狛江市",
    "東大和市",
    "清瀬市",
    "東久留米市",
    "武蔵村山市",
    "多摩市",
    "稲城市",
    "羽村市",
    "あきる野市",
    "西東京市",
    "瑞穂町",
    "日の出町",
    "檜原村",
    "奥多摩町",
    "大島町",
    "利島村",
    "新島村",
    "神津島村",
    "三宅村",
    "御蔵島村",
    "八丈町",
    "青ヶ島村",
    "小笠原村",
];

/// Tokyo's three areas, as its statistics group the municipalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// The 23 special wards.
    Wards,
    /// The Tama area: 26 cities and the towns and village of Nishitama.
    Tama,
    /// The islands.
    Islands,
}

impl Area {
    pub const ALL: [Area; 3] = [Area::Wards, Area::Tama, Area::Islands];

    pub fn label_ja(self) -> &'static str {
        match self {
            Area::Wards => "区部",
            Area::Tama => "多摩地域",
            Area::Islands => "島しょ部",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Area::Wards => "The 23 wards",
            Area::Tama => "Tama area",
            Area::Islands => "Islands",
        }
    }

    /// The area of a municipality of [`TOKYO`].
    pub fn of(municipality: &str) -> Option<Area> {
        let index = TOKYO.iter().position(|name| *name == municipality)?;
        Some(match index {
            0..23 => Area::Wards,
            23..53 => Area::Tama,
            _ => Area::Islands,
        })
    }
}

/// The municipality an address in Tokyo starts with ("東京都" and a 郡 before it allowed), by
/// the longest name that fits (中央区 is not 央区; 東村山市 is not 村山): `None` for an address
/// outside Tokyo's list.
pub fn municipality(address: &str) -> Option<&'static str> {
    let rest = crate::text::normalize(address);
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("東京都").unwrap_or(rest).trim_start();
    let rest = match rest.find('郡') {
        // 西多摩郡瑞穂町: the 郡 is the first word.
        Some(at) if at <= "西多摩".len() => rest[at + '郡'.len_utf8()..].trim_start(),
        _ => rest,
    };
    let rest = rest.replace('ケ', "ヶ");
    let found = |rest: &str| TOKYO.iter().filter(|name| rest.starts_with(*name)).max_by_key(|name| name.len()).copied();
    // Island addresses often name the island first: 八丈島八丈町…, 三宅島三宅村….
    found(&rest).or_else(|| {
        let island = rest.char_indices().take(5).find(|(_, c)| *c == '島').map(|(at, c)| at + c.len_utf8())?;
        found(&rest[island..]).filter(|name| Area::of(name) == Some(Area::Islands))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_give_their_ward_or_city() {
        assert_eq!(municipality("新宿区西新宿2-8-1"), Some("新宿区"));
        assert_eq!(municipality("東京都中央区八重洲1-1"), Some("中央区"));
        assert_eq!(municipality("東村山市本町1-2-3"), Some("東村山市"));
        assert_eq!(municipality("武蔵村山市本町1"), Some("武蔵村山市"));
        assert_eq!(municipality("西多摩郡瑞穂町箱根ケ崎2335"), Some("瑞穂町"));
        assert_eq!(municipality("東京都西多摩郡奥多摩町氷川"), Some("奥多摩町"));
        assert_eq!(municipality("青ケ島村無番地"), Some("青ヶ島村"));
        assert_eq!(municipality("北区王子1"), Some("北区"));
        assert_eq!(municipality("東京都八丈島八丈町三根1"), Some("八丈町"));
        assert_eq!(municipality("三宅島三宅村阿古"), Some("三宅村"));
        assert_eq!(municipality("大島町元町1-1"), Some("大島町"));
        assert_eq!(municipality("横浜市中区"), None);
        assert_eq!(municipality(""), None);
        assert_eq!(TOKYO.len(), 62);
        assert_eq!(Area::of("江戸川区"), Some(Area::Wards));
        assert_eq!(Area::of("八王子市"), Some(Area::Tama));
        assert_eq!(Area::of("奥多摩町"), Some(Area::Tama));
        assert_eq!(Area::of("大島町"), Some(Area::Islands));
        assert_eq!(Area::of("小笠原村"), Some(Area::Islands));
        assert_eq!(TOKYO.iter().filter(|m| Area::of(m) == Some(Area::Wards)).count(), 23);
        assert_eq!(TOKYO.iter().filter(|m| Area::of(m) == Some(Area::Islands)).count(), 9);
    }
}
