//! A two-series trend chart as SVG geometry: bars for a count, a line for an amount, each on its own
//! scale. Rendered by the template with presentation attributes only (the CSP forbids inline style).

pub struct Point {
    pub label: String,
    pub count: i64,
    pub amount_cents: i64,
}

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub height: i64,
    pub label: String,
    pub label_x: i64,
    pub title: String,
}

pub struct TrendChart {
    pub width: i64,
    pub height: i64,
    pub bar_width: i64,
    pub bars: Vec<Bar>,
    /// `x,y x,y …` for a polyline.
    pub line: String,
    pub max_count: i64,
    pub max_amount: String,
    pub baseline: i64,
}

const WIDTH: i64 = 720;
const HEIGHT: i64 = 220;
const TOP: i64 = 20;
const BOTTOM: i64 = 30;
const LEFT: i64 = 40;

pub fn trend_chart(points: &[Point]) -> TrendChart {
    let plot = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - LEFT) / i64::try_from(points.len().max(1)).unwrap_or(1);
    let bar_width = (slot * 6 / 10).max(2);
    let max_count = points.iter().map(|p| p.count).max().unwrap_or(0).max(1);
    let max_amount = points.iter().map(|p| p.amount_cents).max().unwrap_or(0).max(1);
    let mut line = Vec::new();
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = LEFT + slot * i64::try_from(i).unwrap_or(0) + (slot - bar_width) / 2;
            let h = p.count.max(0) * plot / max_count;
            let centre = x + bar_width / 2;
            line.push(format!(
                "{centre},{}",
                TOP + plot - p.amount_cents.max(0) * plot / max_amount
            ));
            Bar {
                x,
                y: TOP + plot - h,
                height: h,
                label: p.label.clone(),
                label_x: centre,
                title: format!(
                    "{}: {} billable, {}",
                    p.label,
                    p.count,
                    carelog_domain::billing::dollars(p.amount_cents)
                ),
            }
        })
        .collect();
    TrendChart {
        width: WIDTH,
        height: HEIGHT,
        bar_width,
        bars,
        line: line.join(" "),
        max_count,
        max_amount: carelog_domain::billing::dollars(max_amount),
        baseline: TOP + plot,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_line_scale_to_their_maxima() {
        let points = vec![
            Point { label: "Jan".into(), count: 10, amount_cents: 50_000 },
            Point { label: "Feb".into(), count: 5, amount_cents: 100_000 },
            Point { label: "Mar".into(), count: 0, amount_cents: 0 },
        ];
        let c = trend_chart(&points);
        assert_eq!(c.bars[0].height, HEIGHT - TOP - BOTTOM, "the largest count fills the plot");
        assert_eq!(c.bars[1].height, (HEIGHT - TOP - BOTTOM) / 2);
        assert_eq!(c.bars[2].height, 0);
        assert_eq!(
            c.line.split(' ').nth(1).unwrap().split(',').nth(1).unwrap(),
            TOP.to_string(),
            "the largest amount touches the top"
        );
        assert!(c.bars[1].title.contains("$1,000.00"));
        assert_eq!(c.max_amount, "$1,000.00");
        let empty = trend_chart(&[]);
        assert!(empty.bars.is_empty() && empty.line.is_empty());
    }
}
