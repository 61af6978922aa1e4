//! The synthetic demo practice: deterministic for a seed and a date, realistic in its mix of status,
//! program, consent, visit history, care gaps and logged time. No real person is in it: names are
//! drawn from plain lists, phone numbers are 555-01xx, addresses are on invented streets.

use std::collections::HashMap;

use carelog_domain::catalogue::{TASK_TYPES, TaskCategory, TimeRule};
use carelog_domain::enrollment::Npi;
use carelog_domain::patient::{
    Availability, CareGapStatus, CarePlanStatus, Complexity, OnboardingStatus, PatientStatus,
    Priority, Program, Sex,
};
use carelog_domain::practice_time::{YearMonth, local_date};
use carelog_domain::role::Role;
use carelog_store::{
    DemoCareGap, DemoCoordinator, DemoPatient, DemoPractice, DemoProfile, DemoTaskEntry, DemoVisit,
};
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// SplitMix64: tiny, fast and value-stable forever, which a seeded demo needs more than `rand`'s
/// freedom to change its streams between versions.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.next_u64() % 100 < u64::from(percent)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }

    /// Picks by weight: `[(item, weight)]`.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = (self.next_u64() % u64::from(total.max(1))) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }
}

#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub patients: usize,
    pub coordinators: usize,
    pub months: u32,
    pub seed: u64,
}

impl Default for DemoSize {
    fn default() -> Self {
        DemoSize { patients: 300, coordinators: 8, months: 3, seed: 42 }
    }
}

impl DemoSize {
    /// One manager for every four coordinators, at least one.
    pub fn managers(&self) -> usize {
        self.coordinators.div_ceil(4).max(1)
    }

    /// Patients waiting in the assignment queue: 5%, the default practice's 15.
    pub fn queued(&self) -> usize {
        (self.patients / 20).max(usize::from(self.patients > 0))
    }
}

const FIRST_NAMES: &[&str] = &[
    "Avery", "Blake", "Carmen", "Dana", "Elliot", "Frances", "Gideon", "Harriet", "Imani",
    "Jasper", "Kendra", "Lionel", "Marisol", "Nolan", "Opal", "Percy", "Quinn", "Rosalind",
    "Silas", "Tamsin", "Ulric", "Vera", "Wendell", "Xiomara", "Yusuf", "Zelda", "Arlo", "Beatrix",
    "Cyrus", "Delphine", "Emmett", "Flora", "Gus", "Hazel", "Ivo", "Juniper", "Kit", "Leona",
    "Milo", "Nell",
];
/// The administrative sex the demo records for each first name (the names shared by both, by turns).
const FEMALE_NAMES: &[&str] = &[
    "Carmen", "Frances", "Harriet", "Imani", "Kendra", "Marisol", "Opal", "Rosalind", "Tamsin",
    "Vera", "Xiomara", "Zelda", "Beatrix", "Delphine", "Flora", "Hazel", "Juniper", "Leona",
    "Nell",
];
const SHARED_NAMES: &[&str] = &["Avery", "Blake", "Dana", "Quinn", "Kit", "Elliot"];

fn demo_sex(first: &str, i: usize) -> Sex {
    if FEMALE_NAMES.contains(&first) || (SHARED_NAMES.contains(&first) && i.is_multiple_of(2)) {
        Sex::Female
    } else {
        Sex::Male
    }
}

const LAST_NAMES: &[&str] = &[
    "Abernathy",
    "Brightwater",
    "Castellane",
    "Dunmore",
    "Eastwick",
    "Fairbanks",
    "Greenhollow",
    "Hartigan",
    "Ivesdale",
    "Jorgensen",
    "Kettleby",
    "Larkspur",
    "Merriweather",
    "Northcott",
    "Oakhurst",
    "Pembrook",
    "Quillfeather",
    "Redford",
    "Stonebridge",
    "Thistlewood",
    "Underhill",
    "Vantassel",
    "Whitlock",
    "Yarborough",
    "Zimmerly",
    "Ashdown",
    "Blackthorn",
    "Coldwell",
    "Drummond",
    "Elsworth",
];
const STAFF_FIRST: &[&str] = &[
    "Alex", "Jordan", "Morgan", "Riley", "Casey", "Taylor", "Jamie", "Reese", "Skyler", "Rowan",
    "Emerson", "Parker",
];
const STREETS: &[&str] = &["Example", "Sample", "Placeholder", "Fictional", "Demo", "Testing"];
const FACILITIES: &[(&str, &str)] =
    &[("Acacia", "90001"), ("Violet", "90002"), ("Cedar Grove", "90003"), ("Harbor View", "90004")];
const PROVIDERS: &[(&str, &str)] = &[
    ("Dr. Szalas", "Acacia"),
    ("Dr. Antonio", "Violet"),
    ("Dr. Okafor", "Cedar Grove"),
    ("Dr. Lindqvist", "Harbor View"),
    ("Dr. Moreau", "Acacia"),
    ("Dr. Castillo", "Violet"),
];
const INSURERS: &[(&str, u32)] = &[
    ("Medicare Part B", 60),
    ("Medicare Advantage (demo plan A)", 25),
    ("Medicare + Medicaid (dual)", 15),
];
const LANGUAGES: &[(&str, u32)] =
    &[("English", 78), ("Spanish", 14), ("Vietnamese", 4), ("Tagalog", 2), ("Mandarin", 2)];
const GAPS: &[&str] = &[
    "Annual wellness visit",
    "Diabetic eye exam",
    "HbA1c test",
    "Colorectal cancer screening",
    "Mammogram",
    "Flu vaccine",
    "Pneumococcal vaccine",
    "Fall risk assessment",
    "Depression screening",
    "Blood pressure follow-up",
];
const VISIT_TYPES: &[&str] = &["Office Visit", "Tele Visit", "Annual Wellness", "Follow-up"];

fn staff_name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(STAFF_FIRST), rng.pick(LAST_NAMES))
}

fn coordinators(
    size: &DemoSize,
    rng: &mut Rng,
    today: NaiveDate,
    password_hash: &str,
) -> Vec<DemoCoordinator> {
    // Maximum caseloads grow with the patients each holder must carry, so a large practice is as full
    // as the default one (about 37 patients a coordinator) instead of everyone far over capacity.
    let per_holder =
        size.patients as f64 / (size.coordinators as f64 + size.managers() as f64 / 2.0).max(1.0);
    let scale = (per_holder / 37.5).max(1.0);
    let mut users = vec![DemoCoordinator {
        username: "admin".into(),
        display_name: "Practice Administrator".into(),
        email: "admin@carelog.invalid".into(),
        role: Role::Admin,
        password_hash: password_hash.into(),
        profile: None,
    }];
    let specialisations: &[&[&str]] = &[
        &["CCM", "PCM", "Mental Health"],
        &["CCM", "Dementia"],
        &["CCM", "PCM", "Complex Medical"],
        &["PCM", "Mental Health"],
        &["CCM", "Complex Medical", "Dementia"],
        &["CCM", "PCM"],
    ];
    let second_languages = ["Spanish", "Vietnamese", "Tagalog", "Mandarin"];
    let mut add =
        |username: String, role: Role, manager: Option<String>, index: usize, rng: &mut Rng| {
            let mut languages = vec!["English".to_owned()];
            if index.is_multiple_of(3) {
                languages.push(second_languages[(index / 3) % second_languages.len()].to_owned());
            }
            let first_facility = index % FACILITIES.len();
            let mut facilities = vec![FACILITIES[first_facility].0.to_owned()];
            if index.is_multiple_of(2) {
                facilities.push(FACILITIES[(first_facility + 1) % FACILITIES.len()].0.to_owned());
            }
            let availability = match index % 8 {
                6 => Availability::Limited,
                7 if role == Role::Coordinator => Availability::Unavailable,
                _ => Availability::Available,
            };
            let max_caseload =
                (if role == Role::Manager { rng.range(15, 22) } else { rng.range(32, 45) } as f64
                    * scale)
                    .round() as i32;
            users.push(DemoCoordinator {
                display_name: staff_name(rng),
                email: format!("{username}@carelog.invalid"),
                username,
                role,
                password_hash: password_hash.into(),
                profile: Some(DemoProfile {
                    manager,
                    max_caseload,
                    availability,
                    work_start: if index.is_multiple_of(2) { "08:00" } else { "09:00" }.into(),
                    work_end: if index.is_multiple_of(2) { "16:30" } else { "17:30" }.into(),
                    hired_on: today - Duration::days(rng.range(120, 3000)),
                    specializations: specialisations[index % specialisations.len()]
                        .iter()
                        .map(|s| (*s).to_owned())
                        .collect(),
                    languages,
                    facilities,
                }),
            });
        };
    for m in 1..=size.managers() {
        add(format!("manager{m}"), Role::Manager, None, m + 100, rng);
    }
    // Each manager leads a team: the coordinators dealt to them in turn.
    for c in 1..=size.coordinators {
        let manager = format!("manager{}", (c - 1) % size.managers() + 1);
        add(format!("coord{c}"), Role::Coordinator, Some(manager), c - 1, rng);
    }
    users
}

/// Minutes a patient gets in a month: a realistic spread around the 20-minute billing threshold.
fn monthly_minutes(rng: &mut Rng, complex: bool) -> i64 {
    let band = *rng.weighted(&[(0, 12), (1, 18), (2, 38), (3, 18), (4, 14)]);
    match (band, complex) {
        (0, _) => 0,
        (1, _) => rng.range(5, 19),
        (2, _) => rng.range(20, 39),
        (3, _) => rng.range(40, 60),
        (_, true) => rng.range(61, 130),
        (_, false) => rng.range(45, 75),
    }
}

struct EntryPlanner {
    tz: Tz,
    now: DateTime<Utc>,
    day_minutes: HashMap<(usize, NaiveDate), i64>,
    billable_by_category: HashMap<TaskCategory, Vec<&'static str>>,
}

impl EntryPlanner {
    /// A working day in `[from, to]` and a time in working hours, keeping the coordinator's day under 480.
    fn slot(
        &mut self,
        rng: &mut Rng,
        coordinator: usize,
        from: NaiveDate,
        to: NaiveDate,
        minutes: i64,
    ) -> Option<DateTime<Utc>> {
        let span = (to - from).num_days();
        for _ in 0..12 {
            let day = from + Duration::days(rng.range(0, span));
            if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                continue;
            }
            let used = self.day_minutes.entry((coordinator, day)).or_insert(0);
            if *used + minutes > 420 {
                continue;
            }
            let local = day.and_hms_opt(rng.range(8, 16) as u32, rng.range(0, 59) as u32, 0)?;
            let at = self.tz.from_local_datetime(&local).earliest()?.with_timezone(&Utc);
            if at > self.now {
                continue;
            }
            *used += minutes;
            return Some(at);
        }
        None
    }

    fn task_type(&self, rng: &mut Rng, program_ccm: bool) -> &'static str {
        let category = *rng.weighted(&[
            (if program_ccm { TaskCategory::Ccm } else { TaskCategory::Pcm }, 30),
            (TaskCategory::CareCoordination, 25),
            (TaskCategory::Communication, 25),
            (TaskCategory::Review, 10),
            (TaskCategory::Medication, 6),
            (TaskCategory::DataEntry, 4),
        ]);
        self.billable_by_category
            .get(&category)
            .map(|names| *rng.pick(names))
            .unwrap_or("Care Coordination: General")
    }
}

/// What the log needs of a patient on a caseload.
struct Caseload {
    patient: usize,
    holder: usize,
    complex_ccm: bool,
    ccm: bool,
}

/// The practice's logged time, a month at a time, oldest first, so a practice of ten million entries
/// never has to sit in memory at once. Each month's entries are in time order.
pub struct EntryStream {
    rng: Rng,
    planner: EntryPlanner,
    today: NaiveDate,
    months: std::vec::IntoIter<YearMonth>,
    holders: Vec<(String, String)>,
    caseloads: Vec<Caseload>,
}

const STAT_TYPES: &[(&str, u32)] = &[
    ("Stat: Last OFFICE VISIT (yymm)", 70),
    ("Stat: Last ER/HOSP (yymm)", 20),
    ("Stat: NO SHOW NP/MD + Phone call (yymmdd)", 10),
];

impl EntryStream {
    fn entry(
        &self,
        holder: usize,
        patient: Option<usize>,
        task_type: &str,
        minutes: Option<i64>,
        at: DateTime<Utc>,
    ) -> DemoTaskEntry {
        let local = local_date(at, self.planner.tz);
        DemoTaskEntry {
            coordinator: self.holders[holder].0.clone(),
            patient,
            task_type: task_type.into(),
            minutes: minutes.map(|m| m as i32),
            stat_value: None,
            notes: String::new(),
            task_at: at,
            billing_year: local.year(),
            billing_month: local.month() as i32,
        }
    }

    fn month(&mut self, month: YearMonth) -> Vec<DemoTaskEntry> {
        let from = month.first_day();
        let to = month.last_day().min(self.today);
        // The current month is only partly over: scale its minutes to the days elapsed.
        let elapsed = (to - from).num_days() + 1;
        let month_days = (month.last_day() - from).num_days() + 1;
        self.planner.day_minutes.clear();
        let mut entries = Vec::new();
        for k in 0..self.caseloads.len() {
            let Caseload { patient, holder, complex_ccm, ccm } = self.caseloads[k];
            let target = monthly_minutes(&mut self.rng, complex_ccm) * elapsed / month_days;
            let mut logged = 0;
            while logged < target {
                let minutes = self.rng.range(5, 12).min((target - logged).max(5));
                let Some(at) = self.planner.slot(&mut self.rng, holder, from, to, minutes) else {
                    break;
                };
                let task_type = self.planner.task_type(&mut self.rng, ccm);
                entries.push(self.entry(holder, Some(patient), task_type, Some(minutes), at));
                logged += minutes;
            }
            // Clerical payer work: logged, but not care-management time, so never billed.
            for _ in 0..self.rng.range(1, 3) * elapsed / month_days {
                let minutes = self.rng.range(5, 10);
                if let Some(at) = self.planner.slot(&mut self.rng, holder, from, to, minutes) {
                    entries.push(self.entry(
                        holder,
                        Some(patient),
                        "Patient Insurance Verification",
                        Some(minutes),
                        at,
                    ));
                }
            }
            for (stat, percent) in STAT_TYPES {
                if self.rng.chance(*percent)
                    && let Some(at) = self.planner.slot(&mut self.rng, holder, from, to, 0)
                {
                    let local = local_date(at, self.planner.tz);
                    let mut e = self.entry(holder, Some(patient), stat, None, at);
                    e.stat_value = Some(if stat.ends_with("(yymmdd)") {
                        format!("{:02}{:02}{:02}", local.year() % 100, local.month(), local.day())
                    } else {
                        format!("{:02}{:02}", local.year() % 100, local.month())
                    });
                    entries.push(e);
                }
            }
        }
        // Each working day of everyone with a caseload opens with a shift note and has a lunch break.
        let working: std::collections::BTreeSet<usize> =
            self.caseloads.iter().map(|c| c.holder).collect();
        for day in from
            .iter_days()
            .take_while(|d| *d <= to)
            .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        {
            for &holder in &working {
                let start = NaiveTime::parse_from_str(&self.holders[holder].1, "%H:%M")
                    .unwrap_or(NaiveTime::MIN);
                for (note, at) in [
                    ("Staff Notes: Start Shift", start),
                    ("Staff Notes: Lunch Break", NaiveTime::MIN + Duration::hours(12)),
                ] {
                    let Some(at) = self
                        .planner
                        .tz
                        .from_local_datetime(&day.and_time(at))
                        .earliest()
                        .map(|t| t.with_timezone(&Utc))
                    else {
                        continue;
                    };
                    if at <= self.planner.now {
                        entries.push(self.entry(holder, None, note, None, at));
                    }
                }
            }
        }
        entries.sort_by_key(|e| e.task_at);
        entries
    }
}

impl Iterator for EntryStream {
    type Item = Vec<DemoTaskEntry>;

    fn next(&mut self) -> Option<Vec<DemoTaskEntry>> {
        let month = self.months.next()?;
        Some(self.month(month))
    }
}

/// The whole practice with all its logged time in memory: for tests and small practices.
pub fn generate(size: DemoSize, tz: Tz, now: DateTime<Utc>, password_hash: &str) -> DemoPractice {
    let (mut practice, entries) = generate_streaming(size, tz, now, password_hash);
    practice.entries = entries.flatten().collect();
    practice
}

/// The practice without its logged time, and the logged time as a stream of months.
pub fn generate_streaming(
    size: DemoSize,
    tz: Tz,
    now: DateTime<Utc>,
    password_hash: &str,
) -> (DemoPractice, EntryStream) {
    let mut rng = Rng::new(size.seed);
    let today = local_date(now, tz);
    let users = coordinators(&size, &mut rng, today, password_hash);
    // Caseload holders: managers and coordinators with a profile, in order.
    let holders: Vec<(usize, &DemoCoordinator)> =
        users.iter().enumerate().filter(|(_, u)| u.profile.is_some()).collect();
    let mut caseload: Vec<i64> = vec![0; users.len()];

    let mut patients = Vec::with_capacity(size.patients);
    let (mut visits, mut care_gaps) = (Vec::new(), Vec::new());
    let queued_from = size.patients.saturating_sub(size.queued());
    for i in 0..size.patients {
        let queued = i >= queued_from;
        let facility = FACILITIES[rng.range(0, FACILITIES.len() as i64 - 1) as usize].0;
        let providers_here: Vec<&str> =
            PROVIDERS.iter().filter(|(_, f)| *f == facility).map(|(p, _)| *p).collect();
        let provider = *rng.pick(&providers_here);
        let program = *rng.weighted(&[(Program::Ccm, 60), (Program::Pcm, 25), (Program::Both, 15)]);
        let complexity = *rng.weighted(&[
            (Complexity::Low, 40),
            (Complexity::Medium, 40),
            (Complexity::High, 20),
        ]);
        let status = if queued {
            PatientStatus::Active
        } else {
            *rng.weighted(&[
                (PatientStatus::Active, 90),
                (PatientStatus::Inactive, 7),
                (PatientStatus::Deceased, 3),
            ])
        };
        let language = *rng.weighted(LANGUAGES);
        let mut special_needs = Vec::new();
        for need in ["Mental Health", "Dementia", "Complex Medical"] {
            let likely = need == "Complex Medical" && complexity == Complexity::High;
            if rng.chance(if likely { 60 } else { 12 }) {
                special_needs.push(need.to_owned());
            }
        }
        if language != "English" && rng.chance(50) {
            special_needs.push("Language".into());
        }
        let chronic_conditions =
            if program == Program::Pcm { rng.range(1, 3) } else { rng.range(1, 7) } as i32;
        // The coordinator with the most room among those serving the facility (then anyone).
        let coordinator = if queued {
            None
        } else {
            let serves = |u: &DemoCoordinator| {
                u.profile.as_ref().is_some_and(|p| p.facilities.iter().any(|f| f == facility))
            };
            let utilisation = |idx: usize, u: &DemoCoordinator| {
                caseload[idx] as f64
                    / f64::from(u.profile.as_ref().map_or(1, |p| p.max_caseload.max(1)))
            };
            let least_loaded = |only_serving: bool| {
                holders
                    .iter()
                    .filter(|(idx, u)| !only_serving || (serves(u) && utilisation(*idx, u) < 1.0))
                    .min_by(|(a, ua), (b, ub)| utilisation(*a, ua).total_cmp(&utilisation(*b, ub)))
                    .map(|(idx, _)| *idx)
            };
            let best = least_loaded(true).or_else(|| least_loaded(false));
            if let Some(idx) = best {
                caseload[idx] += 1;
            }
            best
        };
        let visit_interval_months = *rng.weighted(&[(1, 15), (2, 15), (3, 45), (6, 25)]);
        let visit_count = if rng.chance(6) { 0 } else { rng.range(1, 4) };
        for v in 0..visit_count {
            let months_back = (v * i64::from(visit_interval_months))
                + rng.range(0, i64::from(visit_interval_months) + 1);
            let date = today.checked_sub_months(Months::new(months_back as u32)).unwrap_or(today)
                - Duration::days(rng.range(0, 20));
            visits.push(DemoVisit {
                patient: i,
                provider: provider.into(),
                visit_date: date,
                visit_type: (*rng.pick(VISIT_TYPES)).into(),
            });
        }
        let mut any_open = false;
        let mut any_pending = false;
        for _ in 0..rng.range(0, 3) {
            let gap_status = *rng.weighted(&[
                (CareGapStatus::Open, 50),
                (CareGapStatus::Pending, 20),
                (CareGapStatus::Closed, 30),
            ]);
            any_open |= gap_status == CareGapStatus::Open;
            any_pending |= gap_status == CareGapStatus::Pending;
            let opened_on = today - Duration::days(rng.range(10, 300));
            care_gaps.push(DemoCareGap {
                patient: i,
                description: (*rng.pick(GAPS)).into(),
                status: gap_status,
                opened_on,
                closed_on: (gap_status == CareGapStatus::Closed)
                    .then(|| opened_on + Duration::days(rng.range(5, 60)))
                    .filter(|d| *d <= today),
            });
        }
        let first = *rng.pick(FIRST_NAMES);
        let last = *rng.pick(LAST_NAMES);
        let handoff = now - Duration::hours(rng.range(2, 110));
        patients.push(DemoPatient {
            chart_code: format!("ZM{:06}", 10_001 + i),
            first_name: first.into(),
            last_name: last.into(),
            dob: NaiveDate::from_ymd_opt(
                today.year() - rng.range(58, 94) as i32,
                rng.range(1, 12) as u32,
                rng.range(1, 28) as u32,
            )
            .unwrap_or(today),
            phone: format!("(555) 01{:02}-{:04}", rng.range(0, 99), rng.range(0, 9999)),
            email: rng.chance(40).then(|| {
                format!("{}.{}{}@example.com", first.to_lowercase(), last.to_lowercase(), i)
            }),
            address: format!("{} {} St, Demo City", rng.range(10, 9999), rng.pick(STREETS)),
            zip_code: FACILITIES
                .iter()
                .find(|(f, _)| *f == facility)
                .map(|(_, z)| (*z).to_owned())
                .unwrap_or_default(),
            insurance_primary: (*rng.weighted(INSURERS)).into(),
            insurance_policy: format!(
                "{}EG{}-TE{}-MK{:02}",
                rng.range(1, 9),
                rng.range(1, 9),
                rng.range(1, 9),
                rng.range(10, 99)
            ),
            facility: facility.into(),
            provider: provider.into(),
            sex: demo_sex(first, i),
            member_id: None,
            coordinator: coordinator.and_then(|idx| users.get(idx)).map(|u| u.username.clone()),
            // A third were assigned in the last six months, from a provider handoff hours earlier, so the
            // assignment reports have history; the rest long before.
            assigned_at: coordinator.map(|_| {
                let days = rng.range(100, 900);
                now - Duration::days(if i % 3 == 0 { days % 170 + 1 } else { days })
            }),
            status,
            care_gap_status: if any_open {
                CareGapStatus::Open
            } else if any_pending {
                CareGapStatus::Pending
            } else {
                CareGapStatus::Closed
            },
            language: language.into(),
            program,
            complexity,
            complex_ccm: complexity == Complexity::High && program != Program::Pcm,
            // Drawn in the order the demo always drew them, so the rest of the practice is unchanged.
            enrollment: {
                let consent_date = rng
                    .chance(if queued { 50 } else { 92 })
                    .then(|| today - Duration::days(rng.range(30, 900)));
                let plan = if queued {
                    CarePlanStatus::NotStarted
                } else {
                    *rng.weighted(&[
                        (CarePlanStatus::Active, 85),
                        (CarePlanStatus::NeedsReview, 7),
                        (CarePlanStatus::Draft, 5),
                        (CarePlanStatus::NotStarted, 3),
                    ])
                };
                let records = crate::demo_enrollment::records(
                    i,
                    chronic_conditions,
                    consent_date,
                    plan,
                    today,
                );
                let first = crate::demo_enrollment::initiating_visit(i, records.enrolled_on);
                if let Some((visit_date, visit_type)) = first {
                    visits.push(DemoVisit {
                        patient: i,
                        provider: provider.into(),
                        visit_date,
                        visit_type: visit_type.into(),
                    });
                }
                records
            },
            onboarding_status: if queued {
                *rng.weighted(&[
                    (OnboardingStatus::ReadyForAssignment, 80),
                    (OnboardingStatus::AssignmentPending, 20),
                ])
            } else {
                OnboardingStatus::Active
            },
            assignment_priority: *rng.weighted(&[
                (Priority::High, 25),
                (Priority::Medium, 50),
                (Priority::Low, 25),
            ]),
            visit_interval_months,
            provider_handoff_at: queued.then_some(handoff),
            special_needs,
        });
        if let Some(p) = patients.last_mut() {
            // The demo's policies are synthetic Medicare Beneficiary Identifiers, written with dashes.
            p.member_id = Some(p.insurance_policy.replace('-', ""));
        }
        if let Some(p) = patients.last_mut()
            && p.provider_handoff_at.is_none()
        {
            // Hours from the provider's handoff to the assignment: mostly within the seed's 4-hour target.
            const HANDOFF_HOURS: [i64; 12] = [1, 2, 3, 2, 5, 8, 3, 20, 1, 30, 2, 50];
            p.provider_handoff_at = p
                .assigned_at
                .map(|at| at - Duration::hours(HANDOFF_HOURS[i % HANDOFF_HOURS.len()]));
        }
    }

    let mut planner =
        EntryPlanner { tz, now, day_minutes: HashMap::new(), billable_by_category: HashMap::new() };
    for t in TASK_TYPES
        .iter()
        .filter(|t| t.billable && t.needs_patient && t.time_rule == TimeRule::Minutes)
    {
        planner.billable_by_category.entry(t.category).or_default().push(t.name);
    }
    let this_month = YearMonth::of(today);
    let mut months = vec![this_month];
    for _ in 1..size.months {
        let earlier = months.last().copied().unwrap_or(this_month).previous();
        months.push(earlier);
    }
    months.reverse();
    let position: HashMap<&str, usize> =
        users.iter().enumerate().map(|(i, u)| (u.username.as_str(), i)).collect();
    let caseloads = patients
        .iter()
        .enumerate()
        .filter(|(_, p)| p.status == PatientStatus::Active)
        .filter_map(|(i, p)| {
            let holder = *position.get(p.coordinator.as_deref()?)?;
            Some(Caseload {
                patient: i,
                holder,
                complex_ccm: p.complex_ccm,
                ccm: p.program != Program::Pcm,
            })
        })
        .collect();
    let holders = users
        .iter()
        .map(|u| {
            (
                u.username.clone(),
                u.profile.as_ref().map_or_else(|| "08:00".to_owned(), |p| p.work_start.clone()),
            )
        })
        .collect();
    let stream =
        EntryStream { rng, planner, today, months: months.into_iter(), holders, caseloads };

    let practice = DemoPractice {
        facilities: FACILITIES.iter().map(|(n, z)| ((*n).to_owned(), (*z).to_owned())).collect(),
        // Synthetic NPIs: nine digits of the provider's place in the list, and the check digit.
        providers: PROVIDERS
            .iter()
            .zip(1u32..)
            .map(|((n, f), k)| {
                (
                    (*n).to_owned(),
                    (*f).to_owned(),
                    Npi::completing(100_000_000 * k + 4_321).as_str().to_owned(),
                )
            })
            .collect(),
        users,
        patients,
        visits,
        care_gaps,
        entries: Vec::new(),
    };
    (practice, stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use carelog_domain::patient::CarePlanState;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 18, 0, 0).unwrap()
    }

    fn la() -> Tz {
        chrono_tz::America::Los_Angeles
    }

    #[test]
    fn same_seed_same_practice() {
        let a = generate(DemoSize::default(), la(), now(), "h");
        let b = generate(DemoSize::default(), la(), now(), "h");
        assert_eq!(a.patients.len(), b.patients.len());
        assert_eq!(a.entries.len(), b.entries.len());
        assert!(a.patients.iter().zip(&b.patients).all(|(x, y)| x.chart_code == y.chart_code
            && x.last_name == y.last_name
            && x.coordinator == y.coordinator));
        let c = generate(DemoSize { seed: 7, ..DemoSize::default() }, la(), now(), "h");
        assert!(a.patients.iter().zip(&c.patients).any(|(x, y)| x.last_name != y.last_name));
    }

    #[test]
    fn default_practice_has_the_promised_shape() {
        let p = generate(DemoSize::default(), la(), now(), "h");
        let count = |role| p.users.iter().filter(|u| u.role == role).count();
        assert_eq!((count(Role::Admin), count(Role::Manager), count(Role::Coordinator)), (1, 2, 8));
        assert_eq!(p.patients.len(), 300);
        assert_eq!(p.patients.iter().filter(|x| x.coordinator.is_none()).count(), 15);
        assert!(
            p.patients
                .iter()
                .filter(|x| x.coordinator.is_none())
                .all(|x| x.onboarding_status.is_waiting())
        );
        assert_eq!(p.facilities.len(), 4);
        assert_eq!(p.providers.len(), 6);
        for status in PatientStatus::ALL {
            assert!(p.patients.iter().any(|x| x.status == *status), "{status}");
        }
        for program in Program::ALL {
            assert!(p.patients.iter().any(|x| x.program == *program), "{program}");
        }
        assert!(p.patients.iter().any(|x| x.enrollment.consent.is_none()));
        let withdrawn = |x: &&DemoPatient| {
            x.enrollment.consent.as_ref().is_some_and(|c| c.withdrawn_on.is_some())
        };
        assert!(p.patients.iter().any(|x| withdrawn(&x)), "a withdrawal shows as a reason");
        for x in &p.patients {
            for d in &x.enrollment.diagnoses {
                assert_eq!(
                    carelog_domain::icd10cm::billable(&d.code).map(|c| c.description),
                    Ok(d.description.as_str())
                );
            }
            let active = x.enrollment.care_plan.iter().filter(|v| v.state == CarePlanState::Active);
            assert!(active.count() <= 1);
        }
        for (_, _, npi) in &p.providers {
            assert!(Npi::parse(npi).is_ok(), "{npi}");
        }
        assert!(p.care_gaps.iter().any(|g| g.status == CareGapStatus::Open));
    }

    #[test]
    fn history_covers_three_months_up_to_now_and_respects_the_daily_cap() {
        let p = generate(DemoSize::default(), la(), now(), "h");
        let first = p.entries.first().unwrap().task_at;
        let last = p.entries.last().unwrap().task_at;
        assert!(last <= now());
        assert_eq!(YearMonth::of(local_date(first, la())), YearMonth { year: 2026, month: 9 });
        let mut per_day: HashMap<(String, NaiveDate), i64> = HashMap::new();
        for e in &p.entries {
            *per_day.entry((e.coordinator.clone(), local_date(e.task_at, la()))).or_default() +=
                i64::from(e.minutes.unwrap_or(0));
            assert!(e.minutes.is_none_or(|m| (5..=120).contains(&m)));
        }
        assert!(per_day.values().all(|m| *m <= 480));
    }

    #[test]
    fn a_large_practice_scales_capacity_and_streams_its_months_in_order() {
        let size = DemoSize { patients: 4000, coordinators: 10, months: 3, seed: 3 };
        let (p, months) = generate_streaming(size, la(), now(), "h");
        let capacity: i32 =
            p.users.iter().filter_map(|u| u.profile.as_ref()).map(|x| x.max_caseload).sum();
        let assigned = p.patients.iter().filter(|x| x.coordinator.is_some()).count() as i32;
        assert!(
            assigned <= capacity && capacity < assigned * 2,
            "{assigned} patients for a capacity of {capacity}"
        );
        let months: Vec<Vec<DemoTaskEntry>> = months.collect();
        assert_eq!(months.len(), 3);
        let month_of = |e: &DemoTaskEntry| (e.billing_year, e.billing_month);
        for (month, next) in months.iter().zip(months.iter().skip(1)) {
            assert!(
                month
                    .windows(2)
                    .all(|w| w[0].task_at <= w[1].task_at && month_of(&w[0]) == month_of(&w[1]))
            );
            assert!(month_of(&month[0]) < month_of(&next[0]));
        }
        // Every working day opens with a shift note, and about five entries fall to each active patient a month.
        let october: Vec<&DemoTaskEntry> = months[1].iter().collect();
        assert!(
            october.iter().filter(|e| e.task_type == "Staff Notes: Start Shift").count() >= 12 * 22
        );
        let active = p
            .patients
            .iter()
            .filter(|x| x.coordinator.is_some() && x.status == PatientStatus::Active)
            .count();
        let per_patient =
            october.iter().filter(|e| e.patient.is_some()).count() as f64 / active as f64;
        assert!((4.0..9.0).contains(&per_patient), "{per_patient} entries a patient");
    }

    #[test]
    fn caseloads_stay_within_capacity_for_the_default_practice() {
        let p = generate(DemoSize::default(), la(), now(), "h");
        for u in p.users.iter().filter(|u| u.profile.is_some()) {
            let load =
                p.patients.iter().filter(|x| x.coordinator.as_deref() == Some(&u.username)).count()
                    as i32;
            assert!(load <= u.profile.as_ref().unwrap().max_caseload, "{} has {load}", u.username);
        }
    }
}
