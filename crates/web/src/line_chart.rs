//! A small single-series line chart as SVG geometry, drawn at about the size of its viewBox so its
//! 12-unit labels read at 11 px or more. Each point carries its value in text; values below the
//! target are red and named in words under the chart; a month still under way is drawn hollow at the
//! end of a dashed segment and said to be partial. Months without a figure leave a gap rather than a
//! made-up zero, and the axis is widened to whole steps that hold every value.

pub struct Dot {
    pub x: i64,
    pub y: i64,
    /// Where its value is written: above the dot, or below it when the dot sits under the target
    /// line (so the label does not cross the line), room permitting.
    pub label_y: i64,
    /// The value as written beside the dot ("96.5%").
    pub label: String,
    /// Below the target: drawn red.
    pub below: bool,
    /// The month is still under way: drawn hollow.
    pub partial: bool,
}

pub struct Tick {
    pub x: i64,
    pub label: String,
}

pub struct LineChart {
    pub width: i64,
    pub height: i64,
    pub left: i64,
    pub right_edge: i64,
    /// One `x,y x,y …` run per stretch of complete months with figures.
    pub runs: Vec<String>,
    /// The dashed segment from the last complete month into the month under way.
    pub partial_run: Option<String>,
    pub dots: Vec<Dot>,
    pub ticks: Vec<Tick>,
    pub target_y: Option<i64>,
    pub top_label: String,
    pub bottom_label: String,
    pub baseline: i64,
    /// Sentences under the chart: which months are below target, which month is partial.
    pub notes: Vec<String>,
}

/// How the caller describes its series.
pub struct Series<'a> {
    /// (month label, value); the last may be the month under way.
    pub points: &'a [(String, Option<f64>)],
    /// The axis at least spans this range (widened to fit every value).
    pub low: f64,
    pub high: f64,
    /// Values are expected above it (seed 001 §5.2's targets are all "above").
    pub target: Option<f64>,
    pub unit: &'a str,
    /// Decimals of the values written at the points.
    pub decimals: usize,
    /// The last point's month is not over: "Dec so far (6 of 31 days)".
    pub partial: Option<String>,
}

const WIDTH: i64 = 240;
const HEIGHT: i64 = 150;
/// Room above the top point for its value.
const TOP: i64 = 22;
const BOTTOM: i64 = 22;
const LEFT: i64 = 40;
const RIGHT: i64 = 22;

/// The axis's step: 1, 2 or 5 times a power of ten, about a quarter of the span.
fn step_for(span: f64) -> f64 {
    let rough = (span / 4.0).max(f64::EPSILON);
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(power)
}

/// The axis label: as many decimals as the step needs.
fn axis_label(v: f64, step: f64, unit: &str) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    format!("{v:.decimals$}{unit}")
}

pub fn line_chart(s: &Series<'_>) -> LineChart {
    let values = s.points.iter().filter_map(|(_, v)| *v).filter(|v| v.is_finite());
    let (mut lo, mut hi) = (s.low, s.high);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if (hi - lo).abs() < f64::EPSILON {
        hi = lo + 1.0;
    }
    let step = step_for(hi - lo);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let plot = (HEIGHT - TOP - BOTTOM) as f64;
    let y_of = |v: f64| TOP + (plot - (v - lo) / (hi - lo) * plot).round() as i64;
    let n = s.points.len().max(1) as i64;
    let step_x = if n > 1 { (WIDTH - LEFT - RIGHT) / (n - 1) } else { 0 };
    let x_of =
        |i: usize| LEFT + step_x * i as i64 + if n == 1 { (WIDTH - LEFT - RIGHT) / 2 } else { 0 };
    let last = s.points.len().saturating_sub(1);
    let mut runs = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut partial_run = None;
    let mut dots = Vec::new();
    let mut below_months = Vec::new();
    for (i, (label, v)) in s.points.iter().enumerate() {
        let Some(v) = v.filter(|v| v.is_finite()) else {
            if !run.is_empty() {
                runs.push(run.join(" "));
                run.clear();
            }
            continue;
        };
        let (x, y) = (x_of(i), y_of(v));
        let partial = i == last && s.partial.is_some();
        let below = s.target.is_some_and(|t| v < t);
        if below && !partial {
            below_months.push(label.clone());
        }
        if partial {
            partial_run = run.last().map(|from| format!("{from} {x},{y}"));
        } else {
            run.push(format!("{x},{y}"));
        }
        let decimals = s.decimals;
        let label_y = if below && y + 17 < HEIGHT - BOTTOM { y + 17 } else { y - 7 };
        dots.push(Dot {
            x,
            y,
            label_y,
            label: format!("{v:.decimals$}{}", s.unit),
            below,
            partial,
        });
    }
    if !run.is_empty() {
        runs.push(run.join(" "));
    }
    let mut notes = Vec::new();
    if let Some(t) = s.target {
        let target = format!("{t}{}", s.unit);
        notes.push(match below_months.as_slice() {
            [] => format!("Every complete month met the target (above {target})."),
            months => format!("Below the target of {target} in {}.", months.join(", ")),
        });
    }
    if let Some(partial) = &s.partial {
        notes.push(format!("{partial}: drawn hollow, not comparable with whole months yet."));
    }
    LineChart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right_edge: WIDTH - RIGHT,
        runs,
        partial_run,
        dots,
        ticks: s
            .points
            .iter()
            .enumerate()
            .map(|(i, (label, _))| Tick { x: x_of(i), label: label.clone() })
            .collect(),
        target_y: s.target.map(y_of),
        top_label: axis_label(hi, step, s.unit),
        bottom_label: axis_label(lo, step, s.unit),
        baseline: HEIGHT - BOTTOM,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(String, Option<f64>)], low: f64, high: f64) -> Series<'_> {
        Series { points, low, high, target: None, unit: "", decimals: 1, partial: None }
    }

    #[test]
    fn gaps_split_the_line_and_values_map_onto_the_axis() {
        let pts: Vec<(String, Option<f64>)> = vec![
            ("Jun".into(), Some(90.0)),
            ("Jul".into(), None),
            ("Aug".into(), Some(100.0)),
            ("Sep".into(), Some(80.0)),
        ];
        let c = line_chart(&Series { target: Some(95.0), unit: "%", ..series(&pts, 80.0, 100.0) });
        assert_eq!(c.runs.len(), 2);
        assert_eq!(c.dots.len(), 3);
        assert_eq!(c.dots[1].y, TOP, "100% is the top");
        assert_eq!(c.dots[2].y, HEIGHT - BOTTOM, "80% is the bottom");
        assert_eq!(
            c.target_y,
            Some(TOP + ((HEIGHT - TOP - BOTTOM) as f64 / 4.0).round() as i64),
            "95% is a quarter down"
        );
        assert_eq!(c.ticks.len(), 4);
        assert_eq!(c.dots[0].label, "90.0%", "the value is written at its point");
        let empty = line_chart(&series(&[("Jun".into(), None)], 0.0, 5.0));
        assert!(empty.runs.is_empty() && empty.dots.is_empty());
    }

    #[test]
    fn the_axis_holds_every_value_and_says_its_true_bounds() {
        let pts = vec![("Oct".to_owned(), Some(1.7)), ("Nov".into(), Some(4.2))];
        let c = line_chart(&series(&pts, 3.0, 5.0));
        assert_eq!(c.bottom_label, "1", "1.7 is drawn above the axis's bottom, not on a 2");
        assert_eq!(c.top_label, "5");
        assert!(c.dots.iter().all(|d| (TOP..=HEIGHT - BOTTOM).contains(&d.y)), "nothing clamped");
    }

    #[test]
    fn below_target_months_are_red_and_named_and_the_month_under_way_is_partial() {
        let pts = vec![
            ("Sep".to_owned(), Some(97.0)),
            ("Oct".into(), Some(91.0)),
            ("Nov".into(), Some(96.0)),
            ("Dec".into(), Some(40.0)),
        ];
        let c = line_chart(&Series {
            target: Some(95.0),
            unit: "%",
            partial: Some("Dec so far (6 of 31 days)".into()),
            ..series(&pts, 80.0, 100.0)
        });
        assert_eq!(c.dots.iter().map(|d| d.below).collect::<Vec<_>>(), [false, true, false, true]);
        assert!(c.dots[3].partial && !c.dots[2].partial);
        assert_eq!(c.runs, vec![c.runs[0].clone()], "the complete months are one solid run");
        assert!(c.partial_run.is_some(), "the month under way hangs off a dashed segment");
        assert_eq!(
            c.notes[0], "Below the target of 95% in Oct.",
            "the partial month is not judged"
        );
        assert!(c.notes[1].starts_with("Dec so far (6 of 31 days)"));
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(step_for(20.0), 5.0);
        assert_eq!(step_for(2.0), 0.5);
        assert_eq!(step_for(8403.0), 5000.0);
    }
}
