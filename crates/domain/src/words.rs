//! Counts in words, as every page, notification and e-mail says them.

/// "1 patient", "15 patients": a count with its noun (one that takes an s).
pub fn counted(n: i64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::counted;

    #[test]
    fn one_is_singular() {
        assert_eq!(counted(1, "survey"), "1 survey");
        assert_eq!(counted(0, "survey"), "0 surveys");
        assert_eq!(counted(12, "QA review"), "12 QA reviews");
    }
}
