//! The ICD-10-CM code set: every billable code with its description, from CMS's tabular list of
//! April 1, 2026 (`data/icd10cm.tsv.gz`, written by `tools/icd10cm/generate.py`). Read once, on first
//! use, into one string (6.4 MB) and a sorted index of its lines.

use std::io::Read;
use std::sync::OnceLock;

use crate::RuleViolation;
use crate::enrollment::icd10_cm_shape;

const DATA: &[u8] = include_bytes!("../data/icd10cm.tsv.gz");

/// One billable code and its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icd10Code {
    pub code: &'static str,
    pub description: &'static str,
}

/// The lines of the code set, sorted by code (the file is written sorted).
fn codes() -> &'static [Icd10Code] {
    static CODES: OnceLock<Vec<Icd10Code>> = OnceLock::new();
    CODES.get_or_init(|| {
        static TEXT: OnceLock<String> = OnceLock::new();
        let text = TEXT.get_or_init(|| {
            let mut text = String::new();
            // The file is part of the binary and tested; an unreadable one leaves the set empty, and
            // every code is then refused by name rather than the server failing.
            let _ = flate2::read::GzDecoder::new(DATA).read_to_string(&mut text);
            text
        });
        text.lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(code, description)| Icd10Code { code, description })
            .collect()
    })
}

/// The billable code written as `text` (any case, with or without its dot), or why not: not shaped
/// like a code, a category whose billable codes lie below it, or no code at all.
pub fn billable(text: &str) -> Result<Icd10Code, RuleViolation> {
    let code = icd10_cm_shape(text)?;
    let all = codes();
    // The first code at or after it: the code itself, or the first billable code of a category.
    let at = all.partition_point(|c| c.code < code.as_str());
    let next = all.get(at).filter(|c| c.code.starts_with(code.as_str()));
    let message = match next {
        Some(c) if c.code == code => return Ok(*c),
        Some(c) => format!(
            "{code} is a category, not a billable code: choose one of its codes, such as {}",
            c.code
        ),
        None => format!("{code} is not an ICD-10-CM code"),
    };
    Err(RuleViolation::new("diagnosis", message))
}

/// Categories whose conditions are expected to last at least 12 months, so a diagnosis in them is
/// marked chronic unless the clinician says otherwise (domain.md: "defaulted for common chronic
/// categories"). From CMS's Chronic Conditions Data Warehouse groups: diabetes, hypertension and
/// heart disease, heart failure, atrial fibrillation, COPD and asthma, chronic kidney disease,
/// hyperlipidemia, hypothyroidism, obesity, depression and other lasting mental illness, dementia
/// and Alzheimer's, Parkinson's, osteoarthritis and rheumatoid arthritis, osteoporosis, HIV,
/// chronic hepatitis and cirrhosis, cancer.
const CHRONIC_CATEGORIES: &[(&str, &str)] = &[
    ("B18", "B18"),
    ("B20", "B20"),
    ("C00", "C96"),
    ("E03", "E03"),
    ("E08", "E13"),
    ("E66", "E66"),
    ("E78", "E78"),
    ("F01", "F03"),
    ("F20", "F20"),
    ("F31", "F33"),
    ("G20", "G20"),
    ("G30", "G30"),
    ("I10", "I16"),
    ("I20", "I25"),
    ("I48", "I48"),
    ("I50", "I50"),
    ("J44", "J45"),
    ("K70", "K70"),
    ("K74", "K74"),
    ("M05", "M06"),
    ("M15", "M19"),
    ("M80", "M81"),
    ("N18", "N18"),
];

/// Whether a diagnosis with this code is chronic unless the clinician says otherwise.
pub fn chronic_by_default(code: &str) -> bool {
    let category = code.get(..3).unwrap_or(code);
    CHRONIC_CATEGORIES.iter().any(|(first, last)| (*first..=*last).contains(&category))
}

/// Whether a condition named only in words (a SNOMED CT display, without an ICD-10-CM code) is one
/// of the common chronic conditions the categories above hold.
pub fn chronic_by_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "chronic",
        "diabetes",
        "hypertension",
        "hypertensive",
        "heart failure",
        "coronary",
        "atrial fibrillation",
        "obstructive pulmonary",
        "asthma",
        "kidney disease",
        "hyperlipidemia",
        "hypercholesterolemia",
        "hypothyroidism",
        "obesity",
        "depressi",
        "bipolar",
        "schizophrenia",
        "dementia",
        "alzheimer",
        "parkinson",
        "osteoarthritis",
        "rheumatoid",
        "osteoporosis",
        "cirrhosis",
        "hiv",
        "neoplasm",
        "carcinoma",
        "cancer",
    ];
    let lower = name.to_lowercase();
    WORDS.iter().any(|w| lower.contains(w))
}

/// Codes whose description holds every word of `words` (any case), or whose code begins with it;
/// at most `limit`. Codes matched by their beginning come in code order; by words, the shortest
/// descriptions first, so the general code ("Type 2 diabetes mellitus without complications")
/// comes before its many detailed siblings.
pub fn search(words: &str, limit: usize) -> Vec<Icd10Code> {
    let wanted: Vec<&str> = words.split_whitespace().collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let as_code = icd10_cm_shape(words).ok();
    let mut found: Vec<Icd10Code> = codes()
        .iter()
        .filter(|c| {
            as_code.as_deref().is_some_and(|prefix| c.code.starts_with(prefix))
                || wanted.iter().all(|w| contains_ignoring_case(c.description, w))
        })
        .copied()
        .collect();
    if as_code.is_none() {
        found.sort_by_key(|c| (c.description.len(), c.code));
    }
    found.truncate(limit);
    found
}

/// Whether `text` holds `word`, ASCII letters compared without case: no copy of 74,731 descriptions
/// for each search.
fn contains_ignoring_case(text: &str, word: &str) -> bool {
    let (text, word) = (text.as_bytes(), word.as_bytes());
    word.len() <= text.len() && text.windows(word.len()).any(|w| w.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_named_in_words_are_chronic_when_they_name_a_chronic_condition() {
        assert!(chronic_by_name("Diabetes mellitus type 2 (disorder)"));
        assert!(chronic_by_name("Essential hypertension (disorder)"));
        assert!(chronic_by_name("Coronary heart disease (disorder)"));
        assert!(!chronic_by_name("Viral sinusitis (disorder)"));
        assert!(!chronic_by_name("Acute bronchitis (disorder)"));
    }

    #[test]
    fn common_chronic_categories_are_chronic_by_default_and_acute_ones_are_not() {
        for code in
            ["E11.9", "I10", "E78.5", "I50.9", "J44.9", "N18.30", "F32.A", "G30.9", "C50.911"]
        {
            assert!(chronic_by_default(code), "{code}");
        }
        for code in ["J06.9", "N39.0", "S72.001A", "I26.99", "F30.10", "E14"] {
            assert!(!chronic_by_default(code), "{code}");
        }
        assert!(chronic_by_default("E10.9"), "type 1 diabetes lies within E08–E13");
    }

    #[test]
    fn the_code_set_holds_every_billable_code_in_order() {
        let all = codes();
        assert_eq!(all.len(), 74_731);
        assert!(all.windows(2).all(|w| w[0].code < w[1].code), "sorted, no repeats");
    }

    #[test]
    fn a_billable_code_is_found_however_it_is_written() {
        let diabetes = billable("e119").unwrap();
        assert_eq!(diabetes.code, "E11.9");
        assert_eq!(diabetes.description, "Type 2 diabetes mellitus without complications");
        assert_eq!(
            billable(" I10 ").map(|c| c.description),
            Ok("Essential (primary) hypertension")
        );
    }

    #[test]
    fn a_category_or_an_unknown_code_is_refused_by_name() {
        let category = billable("E11").unwrap_err();
        assert_eq!(
            category.message,
            "E11 is a category, not a billable code: choose one of its codes, such as E11.00"
        );
        assert_eq!(billable("E11.99").unwrap_err().message, "E11.99 is not an ICD-10-CM code");
        assert_eq!(billable("11.9").unwrap_err().field, "diagnosis");
    }

    #[test]
    fn codes_are_searched_by_words_or_by_their_beginning() {
        let found = search("diabetes WITHOUT complications", 50);
        assert!(found.iter().any(|c| c.code == "E11.9"), "{found:?}");
        assert!(found.iter().all(|c| c.description.to_lowercase().contains("diabetes")));
        let by_code = search("I10", 5);
        assert_eq!(by_code.first().map(|c| c.code), Some("I10"));
        assert_eq!(search("hypertension", 3).len(), 3);
        let general = search("type 2 diabetes", 5);
        assert!(
            general.iter().any(|c| c.code == "E11.9"),
            "the general code near the top: {general:?}"
        );
        assert!(search("   ", 10).is_empty());
    }
}
