//! A small single-series line chart as SVG geometry, with an optional target line. Months without a
//! figure leave a gap rather than a made-up zero.

pub struct Dot {
    pub x: i64,
    pub y: i64,
    pub title: String,
}

pub struct Tick {
    pub x: i64,
    pub label: String,
}

pub struct LineChart {
    pub width: i64,
    pub height: i64,
    /// One `x,y x,y …` run per stretch of consecutive months with figures.
    pub runs: Vec<String>,
    pub dots: Vec<Dot>,
    pub ticks: Vec<Tick>,
    pub target_y: Option<i64>,
    pub top_label: String,
    pub bottom_label: String,
    pub baseline: i64,
}

const WIDTH: i64 = 360;
const HEIGHT: i64 = 150;
const TOP: i64 = 12;
const BOTTOM: i64 = 24;
const LEFT: i64 = 36;
const RIGHT: i64 = 12;

/// `points` are (label, value); the y axis runs from `low` to `high` (widened to fit every value).
pub fn line_chart(
    points: &[(String, Option<f64>)],
    low: f64,
    high: f64,
    target: Option<f64>,
    unit: &str,
) -> LineChart {
    let values = points.iter().filter_map(|(_, v)| *v).filter(|v| v.is_finite());
    let (mut lo, mut hi) = (low, high);
    for v in values {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if (hi - lo).abs() < f64::EPSILON {
        hi = lo + 1.0;
    }
    let plot = (HEIGHT - TOP - BOTTOM) as f64;
    let y_of = |v: f64| TOP + (plot - (v - lo) / (hi - lo) * plot).round() as i64;
    let n = points.len().max(1) as i64;
    let step = if n > 1 { (WIDTH - LEFT - RIGHT) / (n - 1) } else { 0 };
    let x_of =
        |i: usize| LEFT + step * i as i64 + if n == 1 { (WIDTH - LEFT - RIGHT) / 2 } else { 0 };
    let mut runs = Vec::new();
    let mut run: Vec<String> = Vec::new();
    let mut dots = Vec::new();
    for (i, (label, v)) in points.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) => {
                let (x, y) = (x_of(i), y_of(v));
                run.push(format!("{x},{y}"));
                dots.push(Dot { x, y, title: format!("{label}: {v:.1}{unit}") });
            }
            None => {
                if !run.is_empty() {
                    runs.push(run.join(" "));
                    run.clear();
                }
            }
        }
    }
    if !run.is_empty() {
        runs.push(run.join(" "));
    }
    LineChart {
        width: WIDTH,
        height: HEIGHT,
        runs,
        dots,
        ticks: points
            .iter()
            .enumerate()
            .map(|(i, (label, _))| Tick { x: x_of(i), label: label.clone() })
            .collect(),
        target_y: target.map(y_of),
        top_label: format!("{hi:.0}{unit}"),
        bottom_label: format!("{lo:.0}{unit}"),
        baseline: HEIGHT - BOTTOM,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_the_line_and_values_map_onto_the_axis() {
        let pts: Vec<(String, Option<f64>)> = vec![
            ("Jun".into(), Some(90.0)),
            ("Jul".into(), None),
            ("Aug".into(), Some(100.0)),
            ("Sep".into(), Some(80.0)),
        ];
        let c = line_chart(&pts, 80.0, 100.0, Some(95.0), "%");
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
        let empty = line_chart(&[("Jun".into(), None)], 0.0, 5.0, None, "");
        assert!(empty.runs.is_empty() && empty.dots.is_empty());
    }
}
