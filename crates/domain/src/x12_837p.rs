//! An ANSI X12 837P (005010X222A1) batch of a month's claims: one claim per billable patient-month,
//! one service line per CPT code. The same record gives the same bytes: the batch's date and control
//! number come from the record (its close), never from the clock.

use chrono::NaiveDateTime;

use crate::billing::{Cents, Fee};
use crate::billing_summary::{MonthSummary, SummaryLine};
use crate::claims::{ClaimLine, ClaimSettings, claim_gaps, claim_lines};
use crate::stored::Stored;

/// What one batch is made of.
pub struct Batch<'a> {
    pub settings: &'a ClaimSettings,
    pub summary: &'a MonthSummary,
    pub fees: &'a [Fee],
    /// When the batch was made: the month's close for a record.
    pub created: NaiveDateTime,
    /// ISA13/GS06: 1 to 999,999,999.
    pub control_number: u32,
    /// False for a draft of an open month: the interchange is marked a test (ISA15 = T).
    pub production: bool,
}

/// The batch, and the billable patient-months it leaves out with the reason.
pub struct Written {
    pub x12: String,
    pub claims: usize,
    pub left_out: Vec<(String, String)>,
}

/// Text as X12's basic character set allows: upper case, separators and anything unusual as spaces.
fn clean(text: &str) -> String {
    let upper: String = text
        .to_uppercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || " .,-/&'()#!?;=@+".contains(c) { c } else { ' ' })
        .collect();
    upper.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn fixed(text: &str, width: usize) -> String {
    format!("{:<width$}", text.chars().take(width).collect::<String>())
}

/// "Last, First" as (last, first).
fn person(name: &str) -> (String, String) {
    match name.split_once(',') {
        Some((last, first)) => (clean(last), clean(first)),
        None => (clean(name), String::new()),
    }
}

/// "Dr. Ana Ruiz" as (last, first).
fn practitioner(name: &str) -> (String, String) {
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| !matches!(w.to_ascii_lowercase().as_str(), "dr." | "dr" | "md" | "do" | "np"))
        .collect();
    match words.split_last() {
        Some((last, first)) => (clean(last), clean(&first.join(" "))),
        None => (clean(name), String::new()),
    }
}

/// SBR09: Medicare Part B, a Medicare Advantage (HMO Medicare risk) plan, or commercial insurance.
fn claim_filing_code(payer: Option<&str>) -> &'static str {
    let payer = payer.unwrap_or("medicare").to_ascii_lowercase();
    if payer.contains("advantage") {
        "16"
    } else if payer.contains("medicare") {
        "MB"
    } else {
        "CI"
    }
}

struct Segments(Vec<String>);

impl Segments {
    fn push(&mut self, elements: &[&str]) {
        let mut parts: Vec<&str> = elements.to_vec();
        while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        self.0.push(parts.join("*"));
    }
}

/// Why a line cannot be claimed, or its claim lines.
fn claimable<'a>(
    line: &'a SummaryLine,
    all: &[ClaimLine<'a>],
) -> Result<Vec<ClaimLine<'a>>, String> {
    let mut gaps: Vec<String> = claim_gaps(line).into_iter().map(str::to_owned).collect();
    let mine: Vec<ClaimLine<'a>> =
        all.iter().filter(|c| std::ptr::eq(c.line, line)).cloned().collect();
    let unpriced: Vec<&str> = mine.iter().filter(|c| c.charge.is_none()).map(|c| c.code).collect();
    if !unpriced.is_empty() {
        gaps.push(format!("no fee set for {}", unpriced.join(", ")));
    }
    if gaps.is_empty() { Ok(mine) } else { Err(gaps.join("; ")) }
}

pub fn write(b: &Batch<'_>) -> Written {
    let s = b.settings;
    let all = claim_lines(b.summary, b.fees);
    let mut left_out = Vec::new();
    let mut claims: Vec<(&SummaryLine, Vec<ClaimLine<'_>>)> = Vec::new();
    for line in b.summary.lines.iter().filter(|l| l.billable) {
        match claimable(line, &all) {
            Ok(lines) => claims.push((line, lines)),
            Err(why) => left_out.push((line.chart_code.clone(), why)),
        }
    }
    let date6 = b.created.format("%y%m%d").to_string();
    let date8 = b.created.format("%Y%m%d").to_string();
    let time = b.created.format("%H%M").to_string();
    let control = format!("{:09}", b.control_number);
    let mut out = Segments(Vec::new());
    out.push(&[
        "ISA",
        "00",
        &fixed("", 10),
        "00",
        &fixed("", 10),
        "ZZ",
        &fixed(&s.submitter_id, 15),
        "ZZ",
        &fixed(&s.receiver_id, 15),
        &date6,
        &time,
        "^",
        "00501",
        &control,
        "0",
        if b.production { "P" } else { "T" },
        ":",
    ]);
    let group = b.control_number.to_string();
    out.push(&[
        "GS",
        "HC",
        &s.submitter_id,
        &s.receiver_id,
        &date8,
        &time,
        &group,
        "X",
        "005010X222A1",
    ]);
    let transaction_start = out.0.len();
    out.push(&["ST", "837", "0001", "005010X222A1"]);
    let reference = format!("CL{}{:02}", b.summary.month.year, b.summary.month.month);
    out.push(&["BHT", "0019", "00", &reference, &date8, &time, "CH"]);
    let practice = clean(&s.practice_name);
    out.push(&["NM1", "41", "2", &practice, "", "", "", "", "46", &s.submitter_id]);
    out.push(&["PER", "IC", &clean(&s.contact_name), "TE", &s.contact_phone]);
    out.push(&["NM1", "40", "2", &clean(&s.receiver_name), "", "", "", "", "46", &s.receiver_id]);
    out.push(&["HL", "1", "", "20", "1"]);
    out.push(&["NM1", "85", "2", &practice, "", "", "", "", "XX", &s.billing_npi]);
    out.push(&["N3", &clean(&s.address)]);
    out.push(&["N4", &clean(&s.city), &s.state, &s.zip]);
    out.push(&["REF", "EI", &s.tax_id]);
    for (n, (line, service)) in claims.iter().enumerate() {
        let p = &line.claim.patient;
        out.push(&["HL", &(n + 2).to_string(), "1", "22", "0"]);
        out.push(&[
            "SBR",
            "P",
            "18",
            "",
            "",
            "",
            "",
            "",
            "",
            claim_filing_code(p.payer.as_deref()),
        ]);
        let (last, first) = person(&line.name);
        let member = clean(p.member_id.as_deref().unwrap_or_default());
        out.push(&["NM1", "IL", "1", &last, &first, "", "", "", "MI", &member]);
        let sex = p.sex.map_or("U", Stored::stored);
        out.push(&["DMG", "D8", &p.birth_date.format("%Y%m%d").to_string(), sex]);
        let payer = clean(p.payer.as_deref().unwrap_or("MEDICARE"));
        out.push(&["NM1", "PR", "2", &payer, "", "", "", "", "PI", &s.payer_id]);
        let total: Cents = service.iter().filter_map(|c| c.charge).sum();
        let account = format!(
            "{}-{}{:02}",
            clean(&line.chart_code).replace(' ', ""),
            b.summary.month.year,
            b.summary.month.month
        );
        let place = format!("{}:B:1", line.claim.place_of_service);
        out.push(&["CLM", &account, &total.decimal(), "", "", &place, "Y", "A", "Y", "Y"]);
        let diagnoses: Vec<String> = line
            .claim
            .diagnoses
            .iter()
            .enumerate()
            .map(|(i, code)| {
                format!("{}:{}", if i == 0 { "ABK" } else { "ABF" }, code.replace('.', ""))
            })
            .collect();
        let mut hi = vec!["HI"];
        hi.extend(diagnoses.iter().map(String::as_str));
        out.push(&hi);
        if let Some(pr) = &p.practitioner
            && let Some(npi) = &pr.npi
        {
            let (last, first) = practitioner(&pr.name);
            out.push(&["NM1", "82", "1", &last, &first, "", "", "", "XX", npi]);
        }
        let pointers: Vec<String> =
            (1..=line.claim.diagnoses.len()).map(|i| i.to_string()).collect();
        let pointers = pointers.join(":");
        for (i, c) in service.iter().enumerate() {
            out.push(&["LX", &(i + 1).to_string()]);
            let procedure = format!("HC:{}", c.code);
            let charge = c.charge.unwrap_or_default().decimal();
            out.push(&["SV1", &procedure, &charge, "UN", &c.units.to_string(), "", "", &pointers]);
            out.push(&[
                "DTP",
                "472",
                "D8",
                &line.claim.date_of_service.format("%Y%m%d").to_string(),
            ]);
        }
    }
    let count = out.0.len() - transaction_start + 1;
    out.push(&["SE", &count.to_string(), "0001"]);
    out.push(&["GE", "1", &group]);
    out.push(&["IEA", "1", &control]);
    let x12 = out.0.iter().map(|segment| format!("{segment}~\n")).collect();
    Written { x12, claims: claims.len(), left_out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{Billed, RuleSet, seed_ccm_codes};
    use crate::billing_summary::{LineClaim, PatientClaimFacts, Practitioner};
    use crate::ids::PatientId;
    use crate::patient::Sex;
    use crate::practice_time::YearMonth;
    use chrono::NaiveDate;

    pub(crate) fn settings() -> ClaimSettings {
        ClaimSettings {
            practice_name: "Demo Family Medicine".into(),
            address: "100 Example Ave".into(),
            city: "Portland".into(),
            state: "OR".into(),
            zip: "972011234".into(),
            billing_npi: "1234567893".into(),
            tax_id: "123456789".into(),
            contact_name: "Billing Office".into(),
            contact_phone: "5035550100".into(),
            submitter_id: "CARELOGDEMO".into(),
            receiver_id: "CLEARINGHOUSE".into(),
            receiver_name: "Demo Clearinghouse".into(),
            payer_id: "02202".into(),
        }
    }

    pub(crate) fn line(id: i64, minutes: i64, member: Option<&str>) -> SummaryLine {
        SummaryLine {
            patient_id: PatientId(id),
            chart_code: format!("ZM{id}"),
            name: "Ashdown, Ruth".into(),
            coordinator_id: None,
            billed: Billed::Ccm,
            minutes,
            entries: 3,
            codes: seed_ccm_codes(minutes),
            billable: true,
            consent_on_file: true,
            reason: String::new(),
            flags: Vec::new(),
            reimbursement: Some(Cents(6049)),
            claim: LineClaim {
                patient: PatientClaimFacts {
                    birth_date: NaiveDate::from_ymd_opt(1948, 3, 9).unwrap_or_default(),
                    sex: Some(Sex::Female),
                    member_id: member.map(str::to_owned),
                    payer: Some("Medicare".into()),
                    practitioner: Some(Practitioner {
                        id: 1,
                        name: "Dr. Ana Ruiz".into(),
                        npi: Some("1245319599".into()),
                    }),
                },
                diagnoses: vec!["E11.9".into(), "I10".into()],
                date_of_service: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default(),
                place_of_service: "11".into(),
            },
            amendment: None,
        }
    }

    pub(crate) fn fees() -> Vec<Fee> {
        vec![
            Fee { code: "99490".into(), year: 2026, allowed: Cents(6049), charge: Cents(8500) },
            Fee { code: "99439".into(), year: 2026, allowed: Cents(4593), charge: Cents(6000) },
        ]
    }

    #[test]
    fn a_batch_has_one_claim_per_billable_month_and_a_line_per_code() {
        let summary = MonthSummary::of_lines(
            YearMonth { year: 2026, month: 11 },
            RuleSet::Seed,
            20,
            vec![line(1, 45, Some("1EG4TE5MK73")), line(2, 25, None)],
        );
        let (settings, fees) = (settings(), fees());
        let created = NaiveDate::from_ymd_opt(2026, 12, 2).and_then(|d| d.and_hms_opt(9, 5, 0));
        let batch = Batch {
            settings: &settings,
            summary: &summary,
            fees: &fees,
            created: created.unwrap_or_default(),
            control_number: 202_611_001,
            production: true,
        };
        let written = write(&batch);
        assert_eq!(written.claims, 1);
        assert_eq!(written.left_out, [("ZM2".to_owned(), "no member ID".to_owned())]);
        let x12 = written.x12;
        assert!(x12.starts_with("ISA*00*          *00*          *ZZ*CARELOGDEMO    *ZZ*CLEARINGHOUSE  *261202*0905*^*00501*202611001*0*P*:~\n"));
        assert!(x12.contains("CLM*ZM1-202611*145.00***11:B:1*Y*A*Y*Y~"));
        assert!(x12.contains("HI*ABK:E119*ABF:I10~"));
        assert!(x12.contains("SV1*HC:99490*85.00*UN*1***1:2~"));
        assert!(x12.contains("SV1*HC:99439*60.00*UN*1***1:2~"));
        assert!(x12.contains("NM1*82*1*RUIZ*ANA****XX*1245319599~"));
        let segments = x12.lines().count();
        // ST to SE: all but ISA, GS, GE, IEA.
        assert!(x12.contains(&format!("SE*{}*0001~", segments - 4)));
        assert_eq!(write(&batch).x12, x12, "the same record gives the same bytes");
        if let Ok(path) = std::env::var("CARELOG_WRITE_837P") {
            let _ = std::fs::write(path, &x12);
        }
    }

    #[test]
    fn text_is_cleaned_to_the_basic_character_set() {
        assert_eq!(clean("O'Brien*~: Ruth^ né"), "O'BRIEN RUTH N");
        assert_eq!(person("Ashdown, Ruth"), ("ASHDOWN".into(), "RUTH".into()));
        assert_eq!(practitioner("Dr. Ana Maria Ruiz"), ("RUIZ".into(), "ANA MARIA".into()));
    }
}
