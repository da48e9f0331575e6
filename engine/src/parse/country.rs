//! Country names (as Okta and MaxMind spell them) to ISO 3166-1 alpha-2 codes, so
//! `country` means the same thing whichever source a row came from.

/// English short names and common variants, lower-cased.
const COUNTRIES: &[(&str, &str)] = &[
    ("afghanistan", "AF"), ("aland islands", "AX"), ("albania", "AL"), ("algeria", "DZ"),
    ("american samoa", "AS"), ("andorra", "AD"), ("angola", "AO"), ("anguilla", "AI"),
    ("antarctica", "AQ"), ("antigua and barbuda", "AG"), ("argentina", "AR"), ("armenia", "AM"),
    ("aruba", "AW"), ("australia", "AU"), ("austria", "AT"), ("azerbaijan", "AZ"),
    ("bahamas", "BS"), ("bahrain", "BH"), ("bangladesh", "BD"), ("barbados", "BB"),
    ("belarus", "BY"), ("belgium", "BE"), ("belize", "BZ"), ("benin", "BJ"), ("bermuda", "BM"),
    ("bhutan", "BT"), ("bolivia", "BO"), ("bosnia and herzegovina", "BA"), ("botswana", "BW"),
    ("brazil", "BR"), ("british virgin islands", "VG"), ("brunei", "BN"), ("bulgaria", "BG"),
    ("burkina faso", "BF"), ("burundi", "BI"), ("cabo verde", "CV"), ("cape verde", "CV"),
    ("cambodia", "KH"), ("cameroon", "CM"), ("canada", "CA"), ("cayman islands", "KY"),
    ("central african republic", "CF"), ("chad", "TD"), ("chile", "CL"), ("china", "CN"),
    ("colombia", "CO"), ("comoros", "KM"), ("congo", "CG"), ("republic of the congo", "CG"),
    ("democratic republic of the congo", "CD"), ("dr congo", "CD"), ("costa rica", "CR"),
    ("cote d'ivoire", "CI"), ("côte d'ivoire", "CI"), ("ivory coast", "CI"), ("croatia", "HR"),
    ("cuba", "CU"), ("curacao", "CW"), ("curaçao", "CW"), ("cyprus", "CY"), ("czechia", "CZ"),
    ("czech republic", "CZ"), ("denmark", "DK"), ("djibouti", "DJ"), ("dominica", "DM"),
    ("dominican republic", "DO"), ("ecuador", "EC"), ("egypt", "EG"), ("el salvador", "SV"),
    ("equatorial guinea", "GQ"), ("eritrea", "ER"), ("estonia", "EE"), ("eswatini", "SZ"),
    ("swaziland", "SZ"), ("ethiopia", "ET"), ("faroe islands", "FO"), ("fiji", "FJ"),
    ("finland", "FI"), ("france", "FR"), ("french guiana", "GF"), ("french polynesia", "PF"),
    ("gabon", "GA"), ("gambia", "GM"), ("georgia", "GE"), ("germany", "DE"), ("ghana", "GH"),
    ("gibraltar", "GI"), ("greece", "GR"), ("greenland", "GL"), ("grenada", "GD"),
    ("guadeloupe", "GP"), ("guam", "GU"), ("guatemala", "GT"), ("guernsey", "GG"),
    ("guinea", "GN"), ("guinea-bissau", "GW"), ("guyana", "GY"), ("haiti", "HT"),
    ("honduras", "HN"), ("hong kong", "HK"), ("hungary", "HU"), ("iceland", "IS"),
    ("india", "IN"), ("indonesia", "ID"), ("iran", "IR"), ("iraq", "IQ"), ("ireland", "IE"),
    ("isle of man", "IM"), ("israel", "IL"), ("italy", "IT"), ("jamaica", "JM"), ("japan", "JP"),
    ("jersey", "JE"), ("jordan", "JO"), ("kazakhstan", "KZ"), ("kenya", "KE"), ("kiribati", "KI"),
    ("kosovo", "XK"), ("kuwait", "KW"), ("kyrgyzstan", "KG"), ("laos", "LA"), ("latvia", "LV"),
    ("lebanon", "LB"), ("lesotho", "LS"), ("liberia", "LR"), ("libya", "LY"),
    ("liechtenstein", "LI"), ("lithuania", "LT"), ("luxembourg", "LU"), ("macao", "MO"),
    ("macau", "MO"), ("madagascar", "MG"), ("malawi", "MW"), ("malaysia", "MY"),
    ("maldives", "MV"), ("mali", "ML"), ("malta", "MT"), ("marshall islands", "MH"),
    ("martinique", "MQ"), ("mauritania", "MR"), ("mauritius", "MU"), ("mayotte", "YT"),
    ("mexico", "MX"), ("micronesia", "FM"), ("moldova", "MD"), ("republic of moldova", "MD"),
    ("monaco", "MC"), ("mongolia", "MN"), ("montenegro", "ME"), ("montserrat", "MS"),
    ("morocco", "MA"), ("mozambique", "MZ"), ("myanmar", "MM"), ("namibia", "NA"),
    ("nauru", "NR"), ("nepal", "NP"), ("netherlands", "NL"), ("the netherlands", "NL"),
    ("new caledonia", "NC"), ("new zealand", "NZ"), ("nicaragua", "NI"), ("niger", "NE"),
    ("nigeria", "NG"), ("north korea", "KP"), ("north macedonia", "MK"), ("macedonia", "MK"),
    ("northern mariana islands", "MP"), ("norway", "NO"), ("oman", "OM"), ("pakistan", "PK"),
    ("palau", "PW"), ("palestine", "PS"), ("panama", "PA"), ("papua new guinea", "PG"),
    ("paraguay", "PY"), ("peru", "PE"), ("philippines", "PH"), ("poland", "PL"),
    ("portugal", "PT"), ("puerto rico", "PR"), ("qatar", "QA"), ("reunion", "RE"),
    ("réunion", "RE"), ("romania", "RO"), ("russia", "RU"), ("russian federation", "RU"),
    ("rwanda", "RW"), ("saint kitts and nevis", "KN"), ("saint lucia", "LC"),
    ("saint vincent and the grenadines", "VC"), ("samoa", "WS"), ("san marino", "SM"),
    ("sao tome and principe", "ST"), ("saudi arabia", "SA"), ("senegal", "SN"), ("serbia", "RS"),
    ("seychelles", "SC"), ("sierra leone", "SL"), ("singapore", "SG"), ("sint maarten", "SX"),
    ("slovakia", "SK"), ("slovenia", "SI"), ("solomon islands", "SB"), ("somalia", "SO"),
    ("south africa", "ZA"), ("south korea", "KR"), ("korea", "KR"), ("republic of korea", "KR"),
    ("south sudan", "SS"), ("spain", "ES"), ("sri lanka", "LK"), ("sudan", "SD"),
    ("suriname", "SR"), ("sweden", "SE"), ("switzerland", "CH"), ("syria", "SY"),
    ("taiwan", "TW"), ("tajikistan", "TJ"), ("tanzania", "TZ"), ("thailand", "TH"),
    ("timor-leste", "TL"), ("east timor", "TL"), ("togo", "TG"), ("tonga", "TO"),
    ("trinidad and tobago", "TT"), ("tunisia", "TN"), ("turkey", "TR"), ("türkiye", "TR"),
    ("turkiye", "TR"), ("turkmenistan", "TM"), ("turks and caicos islands", "TC"),
    ("tuvalu", "TV"), ("uganda", "UG"), ("ukraine", "UA"), ("united arab emirates", "AE"),
    ("united kingdom", "GB"), ("great britain", "GB"), ("uk", "GB"), ("united states", "US"),
    ("united states of america", "US"), ("usa", "US"), ("u.s. virgin islands", "VI"),
    ("uruguay", "UY"), ("uzbekistan", "UZ"), ("vanuatu", "VU"), ("vatican city", "VA"),
    ("venezuela", "VE"), ("vietnam", "VN"), ("viet nam", "VN"), ("yemen", "YE"),
    ("zambia", "ZM"), ("zimbabwe", "ZW"),
];

/// The ISO code of a country name; a value that already is a code comes back
/// upper-cased; unknown names give `None` (the caller keeps the name).
pub fn country_code(name: &str) -> Option<&'static str> {
    let trimmed = name.trim();
    if trimmed.len() == 2 && trimmed.bytes().all(|b| b.is_ascii_alphabetic()) {
        let upper = trimmed.to_ascii_uppercase();
        return COUNTRIES.iter().map(|(_, code)| *code).find(|code| *code == upper);
    }
    if trimmed.is_ascii() {
        return COUNTRIES
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(trimmed))
            .map(|(_, code)| *code);
    }
    let lowered = trimmed.to_lowercase();
    COUNTRIES.iter().find(|(candidate, _)| *candidate == lowered).map(|(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::country_code;

    #[test]
    fn names_and_codes() {
        assert_eq!(country_code("United States"), Some("US"));
        assert_eq!(country_code("united kingdom"), Some("GB"));
        assert_eq!(country_code("de"), Some("DE"));
        assert_eq!(country_code("Atlantis"), None);
    }
}
