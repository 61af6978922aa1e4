//! Reading an uploaded or given file into a table of text cells: CSV (any delimiter the sniff finds among
//! comma, semicolon and tab; a UTF-8 BOM ignored) or XLSX (the first sheet; dates as YYYY-MM-DD HH:MM).

use std::io::Cursor;

use std::collections::BTreeMap;

use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};

/// The most rows one import reads; a larger file is split by the practice.
pub const MAX_ROWS: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

fn is_xlsx(name: &str, bytes: &[u8]) -> bool {
    name.to_ascii_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04")
}

pub fn read_table(name: &str, bytes: &[u8]) -> Result<Table, String> {
    let table = if is_xlsx(name, bytes) { read_xlsx(bytes)? } else { read_csv(bytes)? };
    // PostgreSQL cannot store a NUL in text: refuse it here for both formats.
    if table.headers.iter().chain(table.rows.iter().flatten()).any(|c| c.contains('\0')) {
        return Err("The file contains NUL characters, which carelog cannot store; remove them and upload again.".into());
    }
    if table.headers.iter().all(|h| h.trim().is_empty()) {
        return Err("The file has no header row: the first row must name the columns.".into());
    }
    if table.rows.len() > MAX_ROWS {
        return Err(format!(
            "The file has {} rows; one import takes at most {MAX_ROWS}. Split it and import the parts.",
            table.rows.len()
        ));
    }
    Ok(table)
}

fn read_csv(bytes: &[u8]) -> Result<Table, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "The file is not UTF-8 text: save it as CSV (UTF-8) or XLSX.".to_owned())?;
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers = match records.next() {
        Some(r) => {
            r.map_err(|e| format!("Row 1: {e}"))?.iter().map(|h| h.trim().to_owned()).collect()
        }
        None => return Err("The file is empty.".into()),
    };
    let mut rows = Vec::new();
    for (i, record) in records.enumerate() {
        let record = record.map_err(|e| format!("Row {}: {e}", i + 2))?;
        let row: Vec<String> = record.iter().map(|c| c.trim().to_owned()).collect();
        if row.iter().any(|c| !c.is_empty()) {
            rows.push(row);
        }
        if rows.len() > MAX_ROWS {
            break;
        }
    }
    Ok(Table { headers, rows })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "Y" } else { "N" }.to_owned(),
        Data::DateTime(_) => {
            cell.as_datetime().map(|d| d.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.replace('T', " "),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// The most columns a sheet may have: the import kinds use about thirty.
pub const MAX_COLUMNS: u32 = 200;

/// Refuses a sheet bigger than an import takes, before its cells are read: a sheet's size is what
/// it declares, and a tiny file can declare (or place one cell at) XFD1048576.
fn check_sheet_size(rows: u64, columns: u64) -> Result<(), String> {
    if columns > u64::from(MAX_COLUMNS) {
        return Err(format!(
            "The sheet spans {columns} columns; an import reads at most {MAX_COLUMNS}. Delete the unused columns (or copy the table to a new sheet) and upload again."
        ));
    }
    if rows > MAX_ROWS as u64 + 1 {
        return Err(format!(
            "The sheet spans {rows} rows; one import takes at most {MAX_ROWS}. Split it and import the parts."
        ));
    }
    Ok(())
}

/// The first sheet, cell by cell: memory follows the cells present, never the sheet's extent.
fn read_xlsx(bytes: &[u8]) -> Result<Table, String> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("The file is not a readable XLSX workbook ({e})."))?;
    let sheet = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| "The workbook has no sheets.".to_owned())?;
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|e| format!("Sheet \"{sheet}\" could not be read ({e})."))?;
    let declared = cells.dimensions();
    if declared.len() > 0 {
        let rows = u64::from(declared.end.0.saturating_sub(declared.start.0)) + 1;
        check_sheet_size(rows, u64::from(declared.end.1) + 1)?;
    }
    let mut grid: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) =
        cells.next_cell().map_err(|e| format!("Sheet \"{sheet}\" could not be read ({e})."))?
    {
        let (row, column) = cell.get_position();
        check_sheet_size(u64::from(row) + 1, u64::from(column) + 1)?;
        let text = cell_text(&Data::from(cell.get_value().clone()));
        if text.is_empty() {
            continue;
        }
        let line = grid.entry(row).or_default();
        let column = column as usize;
        if line.len() <= column {
            line.resize(column + 1, String::new());
        }
        line[column] = text;
    }
    let mut lines = grid.into_values();
    let headers = lines.next().ok_or_else(|| "The file is empty.".to_owned())?;
    let rows: Vec<Vec<String>> = lines.take(MAX_ROWS + 1).collect();
    Ok(Table { headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_bom_semicolons_and_blank_lines() {
        let t = read_table(
            "x.csv",
            "\u{feff}Chart Code;Visit Date\nZM1;2026-10-02\n;\nZM2;2026-10-03\n".as_bytes(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.headers, vec!["Chart Code", "Visit Date"]);
        assert_eq!(t.rows.len(), 2);
        assert!(read_table("x.csv", b"").is_err());
        assert!(read_table("x.csv", &[0xff, 0xfe, 0x00]).unwrap_err().contains("not UTF-8"));
        assert!(
            read_table("x.xlsx", b"PK\x03\x04garbage").unwrap_err().contains("not a readable XLSX")
        );
    }

    #[test]
    fn a_sheet_bigger_than_an_import_is_refused_by_its_size() {
        assert!(check_sheet_size(MAX_ROWS as u64 + 1, 30).is_ok());
        assert!(check_sheet_size(400, 16_384).unwrap_err().contains("16384 columns"));
        assert!(check_sheet_size(1_048_576, 3).unwrap_err().contains("1048576 rows"));
    }
}
