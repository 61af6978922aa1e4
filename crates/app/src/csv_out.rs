//! Every CSV carelog writes goes through here: one header, rows of text, and no cell a spreadsheet
//! would run as a formula (a value such as `=HYPERLINK(…)` is written with a leading apostrophe).

/// A cell as written: text that a spreadsheet would read as a formula gets a leading `'`.
pub fn safe_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) && value.parse::<f64>().is_err() {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// The CSV of `header` and `rows`, every cell defused.
pub fn csv_bytes<R, C>(header: &[&str], rows: R) -> Result<Vec<u8>, csv::Error>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)?;
    for row in rows {
        out.write_record(row.into_iter().map(|v| safe_cell(&v)))?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// As [`csv_bytes`], as text.
pub fn csv_text<R, C>(header: &[&str], rows: R) -> Result<String, csv::Error>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator<Item = String>,
{
    let bytes = csv_bytes(header, rows)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://evil.example\";\"x\")"),
            "'=HYPERLINK(\"http://evil.example\";\"x\")"
        );
        for formula in ["+1+2", "-A1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(safe_cell(formula).starts_with('\''), "{formula}");
        }
        for plain in ["-12.50", "+3", "Ashdown, Ruth", "", "99490+99439"] {
            assert_eq!(safe_cell(plain), plain);
        }
    }

    #[test]
    fn every_cell_goes_through_the_defusing() {
        let text = csv_text(&["name"], [vec!["=1+1".to_owned()]]).unwrap();
        assert_eq!(text, "name\n'=1+1\n");
    }
}
