//! A `WHERE` clause built from optional filters, numbering `$N` placeholders as it goes.

use sea_orm::Value;

/// `$1, $2, … $n`, for an `IN (…)` list bound value by value.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

#[derive(Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    pub values: Vec<Value>,
}

impl Conditions {
    /// Starts after values already bound (e.g. `$1..$3` used elsewhere in the query).
    pub fn after(values: Vec<Value>) -> Self {
        Conditions { clauses: Vec::new(), values }
    }

    /// Adds a condition; every `?` in it stands for this one value.
    pub fn push(&mut self, clause: &str, value: impl Into<Value>) {
        self.values.push(value.into());
        self.clauses.push(clause.replace('?', &format!("${}", self.values.len())));
    }

    /// Adds a condition whose `?`s stand, in order, for one value each.
    pub fn push_each(&mut self, clause: &str, values: Vec<Value>) {
        let mut numbered = String::with_capacity(clause.len() + 4 * values.len());
        let mut values = values.into_iter();
        for part in clause.split_inclusive('?') {
            match (part.strip_suffix('?'), values.next()) {
                (Some(text), Some(value)) => {
                    self.values.push(value);
                    numbered.push_str(&format!("{text}${}", self.values.len()));
                }
                _ => numbered.push_str(part),
            }
        }
        self.clauses.push(numbered);
    }

    /// `WHERE a AND b …`, or nothing when no filter is set.
    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The next placeholder number, for LIMIT/OFFSET after the filters.
    pub fn next_placeholder(&self) -> usize {
        self.values.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_question_mark_gets_its_own_placeholder() {
        let mut c = Conditions::after(vec![1i64.into()]);
        c.push_each("(a = ? AND b IN (?, ?))", vec![2i64.into(), 3i64.into(), 4i64.into()]);
        c.push("d = ?", 5i64);
        assert_eq!(c.where_sql(), "WHERE (a = $2 AND b IN ($3, $4)) AND d = $5");
        assert_eq!(c.next_placeholder(), 6);
    }

    #[test]
    fn placeholders_number_on_from_earlier_values() {
        let mut c = Conditions::after(vec![1i64.into(), 2i64.into()]);
        assert_eq!(c.where_sql(), "");
        c.push("a = ?", 5i64);
        c.push("(b LIKE ? OR c LIKE ?)", "x");
        assert_eq!(c.where_sql(), "WHERE a = $3 AND (b LIKE $4 OR c LIKE $4)");
        assert_eq!(c.next_placeholder(), 5);
    }
}
