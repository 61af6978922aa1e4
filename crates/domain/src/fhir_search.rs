//! FHIR R4 search as carelog serves it: the parameters each resource takes, paging by `_count` and
//! `_offset`, and what happens to a parameter it does not know — refused, or dropped when the client
//! asked for lenient handling (`Prefer: handling=lenient`), the bundle's self link then showing only
//! what was applied.

use std::fmt;

/// Entries a page when `_count` is not given.
pub const DEFAULT_COUNT: usize = 50;
/// The most entries a page holds; a larger `_count` is lowered to it (the self link says so).
pub const MAX_COUNT: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Patient,
    Practitioner,
    Task,
    CareTeam,
    Condition,
    Consent,
    CarePlan,
}

impl Resource {
    pub const ALL: [Resource; 7] = [
        Resource::Patient,
        Resource::Practitioner,
        Resource::Task,
        Resource::CareTeam,
        Resource::Condition,
        Resource::Consent,
        Resource::CarePlan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Resource::Patient => "Patient",
            Resource::Practitioner => "Practitioner",
            Resource::Task => "Task",
            Resource::CareTeam => "CareTeam",
            Resource::Condition => "Condition",
            Resource::Consent => "Consent",
            Resource::CarePlan => "CarePlan",
        }
    }

    /// The search parameters the resource supports, with their FHIR types (paging aside).
    pub fn parameters(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Resource::Patient => &[
                ("_id", "token"),
                ("identifier", "token"),
                ("family", "string"),
                ("given", "string"),
                ("name", "string"),
                ("birthdate", "date"),
            ],
            Resource::Practitioner => {
                &[("_id", "token"), ("identifier", "token"), ("name", "string")]
            }
            Resource::Task => &[
                ("patient", "reference"),
                ("status", "token"),
                ("owner", "reference"),
                ("period", "date"),
            ],
            Resource::CareTeam | Resource::Condition | Resource::Consent | Resource::CarePlan => {
                &[("patient", "reference")]
            }
        }
    }

    fn supports(self, name: &str) -> bool {
        self.parameters().iter().any(|(n, _)| *n == name)
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A search as it will be applied: the resource's own parameters (each once, in the order given),
/// the page asked for, and what lenient handling dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub params: Vec<(String, String)>,
    pub count: usize,
    pub offset: usize,
    pub dropped: Vec<String>,
}

impl Search {
    /// The value of a parameter, if it was given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The query string of this search at `offset` (for self, next and previous links), paging last.
    pub fn query_at(&self, offset: usize) -> String {
        let mut pairs: Vec<(&str, String)> =
            self.params.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        pairs.push(("_count", self.count.to_string()));
        pairs.push(("_offset", offset.to_string()));
        pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The offsets of the previous and next pages, given the total: none before the first page or
    /// after the last.
    pub fn neighbours(&self, total: usize) -> (Option<usize>, Option<usize>) {
        let previous = (self.offset > 0).then(|| self.offset.saturating_sub(self.count.max(1)));
        // Checked: `_offset` is the client's, up to usize::MAX.
        let next = self.offset.checked_add(self.count).filter(|n| self.count > 0 && *n < total);
        (previous, next)
    }
}

/// Percent-encodes a query component (RFC 3986 unreserved characters kept).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Reads a search's query pairs for `resource`. Empty values are ignored, as FHIR says. A parameter
/// the resource does not support, or one given twice, is refused with the sentence to show, unless
/// `lenient`: then it is dropped and named in `dropped`.
pub fn parse_search(
    resource: Resource,
    pairs: &[(String, String)],
    lenient: bool,
) -> Result<Search, String> {
    let mut search =
        Search { params: Vec::new(), count: DEFAULT_COUNT, offset: 0, dropped: Vec::new() };
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if seen.contains(&name.as_str()) {
            if lenient {
                search.dropped.push(name.clone());
                continue;
            }
            return Err(format!("{name}: give each search parameter once."));
        }
        seen.push(name);
        match name.as_str() {
            "_count" => {
                search.count = value
                    .parse::<usize>()
                    .map_err(|_| {
                        format!("_count: a whole number, at most {MAX_COUNT} (got \"{value}\").")
                    })?
                    .min(MAX_COUNT);
            }
            "_offset" => {
                search.offset = value
                    .parse::<usize>()
                    .map_err(|_| format!("_offset: a whole number from 0 (got \"{value}\")."))?;
            }
            n if resource.supports(n) => search.params.push((name.clone(), value.to_owned())),
            _ if lenient => search.dropped.push(name.clone()),
            _ => {
                let supported: Vec<&str> = resource.parameters().iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "{name}: not a search parameter of {resource} here; it takes {}, _count and _offset (or send Prefer: handling=lenient to have unknown ones ignored).",
                    supported.join(", ")
                ));
            }
        }
    }
    Ok(search)
}

/// A date search value: an optional prefix (eq, ge, gt, le, lt) and a YYYY-MM-DD day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateBound {
    pub prefix: DatePrefix,
    pub day: chrono::NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePrefix {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

impl DateBound {
    pub fn parse(field: &str, raw: &str) -> Result<DateBound, String> {
        let (prefix, rest) = match raw.get(..2) {
            Some("eq") => (DatePrefix::Eq, &raw[2..]),
            Some("ge") => (DatePrefix::Ge, &raw[2..]),
            Some("gt") => (DatePrefix::Gt, &raw[2..]),
            Some("le") => (DatePrefix::Le, &raw[2..]),
            Some("lt") => (DatePrefix::Lt, &raw[2..]),
            _ => (DatePrefix::Eq, raw),
        };
        let day = chrono::NaiveDate::parse_from_str(rest, "%Y-%m-%d").map_err(|_| {
            format!("{field}: a day as YYYY-MM-DD, optionally after eq, ge, gt, le or lt (got \"{raw}\").")
        })?;
        Ok(DateBound { prefix, day })
    }

    /// Whether `day` meets the bound.
    pub fn holds(self, day: chrono::NaiveDate) -> bool {
        match self.prefix {
            DatePrefix::Eq => day == self.day,
            DatePrefix::Ge => day >= self.day,
            DatePrefix::Gt => day > self.day,
            DatePrefix::Le => day <= self.day,
            DatePrefix::Lt => day < self.day,
        }
    }
}

/// `123`, `Patient/123` or a full URL ending in `Patient/123`, for a reference to `kind`.
pub fn reference_id(kind: &str, raw: &str) -> Option<i64> {
    let mut parts = raw.trim().rsplit('/');
    let id = parts.next()?.parse().ok()?;
    match parts.next() {
        None => Some(id),
        Some(k) if k == kind => Some(id),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn supported_parameters_and_paging_are_read() {
        let s = parse_search(
            Resource::Patient,
            &pairs(&[("family", "ASHDOWN"), ("_count", "10"), ("_offset", "20"), ("given", "")]),
            false,
        )
        .unwrap();
        assert_eq!(s.params, pairs(&[("family", "ASHDOWN")]));
        assert_eq!((s.count, s.offset), (10, 20));
        assert_eq!(s.query_at(30), "family=ASHDOWN&_count=10&_offset=30");
    }

    #[test]
    fn a_count_above_the_maximum_is_lowered_and_a_bad_one_refused() {
        let s = parse_search(Resource::Task, &pairs(&[("_count", "5000")]), false).unwrap();
        assert_eq!(s.count, MAX_COUNT);
        let s = parse_search(Resource::Task, &pairs(&[("_count", "0")]), false).unwrap();
        assert_eq!(s.count, 0);
        for bad in ["-1", "ten", "1.5"] {
            let e = parse_search(Resource::Task, &pairs(&[("_count", bad)]), false).unwrap_err();
            assert!(e.starts_with("_count:"), "{bad}: {e}");
        }
        let e = parse_search(Resource::Task, &pairs(&[("_offset", "-3")]), false).unwrap_err();
        assert!(e.starts_with("_offset:"), "{e}");
    }

    #[test]
    fn an_unknown_or_repeated_parameter_is_refused_unless_lenient() {
        let e = parse_search(Resource::Patient, &pairs(&[("nickname", "Al")]), false).unwrap_err();
        assert!(e.contains("not a search parameter of Patient") && e.contains("birthdate"), "{e}");
        let e = parse_search(Resource::Patient, &pairs(&[("family:exact", "Al")]), false);
        assert!(e.is_err(), "modifiers are not supported");
        let e = parse_search(Resource::Patient, &pairs(&[("family", "A"), ("family", "B")]), false)
            .unwrap_err();
        assert!(e.contains("once"), "{e}");
        let s = parse_search(
            Resource::Patient,
            &pairs(&[("nickname", "Al"), ("family", "A"), ("family", "B")]),
            true,
        )
        .unwrap();
        assert_eq!(s.params, pairs(&[("family", "A")]));
        assert_eq!(s.dropped, vec!["nickname".to_owned(), "family".to_owned()]);
        assert_eq!(
            s.query_at(0),
            "family=A&_count=50&_offset=0",
            "the self link: what was applied"
        );
    }

    #[test]
    fn each_resource_takes_its_own_parameters() {
        assert!(parse_search(Resource::Task, &pairs(&[("status", "completed")]), false).is_ok());
        assert!(parse_search(Resource::Condition, &pairs(&[("status", "x")]), false).is_err());
        assert!(
            parse_search(Resource::Practitioner, &pairs(&[("identifier", "1")]), false).is_ok()
        );
        assert!(
            parse_search(Resource::Practitioner, &pairs(&[("birthdate", "x")]), false).is_err()
        );
    }

    #[test]
    fn neighbours_stop_at_the_ends() {
        let page = |count, offset| Search { params: vec![], count, offset, dropped: vec![] };
        assert_eq!(page(10, 0).neighbours(25), (None, Some(10)));
        assert_eq!(page(10, 10).neighbours(25), (Some(0), Some(20)));
        assert_eq!(page(10, 20).neighbours(25), (Some(10), None));
        assert_eq!(page(10, 5).neighbours(25), (Some(0), Some(15)));
        assert_eq!(page(0, 0).neighbours(25), (None, None), "a count of 0 asks for the total only");
        assert_eq!(page(10, 0).neighbours(10), (None, None));
        assert_eq!(page(10, usize::MAX).neighbours(25).1, None, "no overflow past the end");
    }

    #[test]
    fn values_are_encoded_in_links() {
        let s = Search {
            params: pairs(&[("name", "O'Neil & Sons"), ("identifier", "urn:carelog|C-1")]),
            count: 5,
            offset: 0,
            dropped: vec![],
        };
        assert_eq!(
            s.query_at(5),
            "name=O%27Neil%20%26%20Sons&identifier=urn%3Acarelog%7CC-1&_count=5&_offset=5"
        );
    }

    #[test]
    fn dates_take_a_prefix() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let b = DateBound::parse("birthdate", "1950-03-01").unwrap();
        assert!(b.holds(d("1950-03-01")) && !b.holds(d("1950-03-02")));
        let b = DateBound::parse("period", "ge2026-11-01").unwrap();
        assert!(b.holds(d("2026-11-01")) && b.holds(d("2026-12-01")) && !b.holds(d("2026-10-31")));
        assert!(DateBound::parse("period", "lt2026-11-01").unwrap().holds(d("2026-10-31")));
        let e = DateBound::parse("birthdate", "1950").unwrap_err();
        assert!(e.starts_with("birthdate:"), "{e}");
        assert!(DateBound::parse("birthdate", "xx2026-01-01").is_err());
    }

    #[test]
    fn references_name_their_kind() {
        assert_eq!(reference_id("Patient", "236"), Some(236));
        assert_eq!(reference_id("Patient", "Patient/236"), Some(236));
        assert_eq!(reference_id("Patient", "https://x.example/fhir/R4/Patient/236"), Some(236));
        assert_eq!(reference_id("Patient", "Practitioner/236"), None);
        assert_eq!(reference_id("Patient", "Patient/abc"), None);
    }
}
