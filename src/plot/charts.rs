//! The charts, drawn with plotters into PNG files (1600 × 800, as AIPerf's), text set in the
//! DejaVu Sans the binary carries: no system library or font is needed.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::PlotError;

/// Size of every picture.
const SIZE: (u32, u32) = (1600, 800);

/// Points a scatter draws at most (a million-request run is thinned evenly).
const MAX_POINTS: usize = 20_000;

const FONT: &str = "sans-serif";
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);

/// Makes plotters' `sans-serif` the embedded DejaVu Sans.
fn fonts() -> Result<(), PlotError> {
    static REGISTER: Once = Once::new();
    let mut result = Ok(());
    REGISTER.call_once(|| {
        result = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| PlotError::Draw("the embedded font cannot be read".to_owned()));
    });
    result
}

fn failed<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError::Draw(format!("{e:?}"))
}

/// A white picture at `path`.
fn canvas(path: &Path) -> Result<DrawingArea<BitMapBackend<'_>, Shift>, PlotError> {
    fonts()?;
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(failed)?;
    Ok(root)
}

/// `[lo, hi]` widened when empty, so that an axis always has a span.
fn span(lo: f64, hi: f64) -> std::ops::Range<f64> {
    if hi > lo { lo..hi } else { lo - 0.5..lo + 0.5 }
}

/// A histogram (left) and the cumulative distribution (right) of `values`.
///
/// # Errors
/// When the file cannot be drawn or written.
pub fn distribution(path: &Path, title: &str, unit: &str, values: &[f64]) -> Result<(), PlotError> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let root = canvas(path)?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let (lo, hi) = (sorted.first().copied().unwrap_or(0.0), sorted.last().copied().unwrap_or(1.0));
    let bins = 50usize;
    let width = (hi - lo).max(f64::EPSILON) / bins as f64;
    let mut counts = vec![0u32; bins];
    for v in &sorted {
        counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let top = f64::from(counts.iter().copied().max().unwrap_or(0).max(1));
    let x_desc = format!("{title} ({unit})");
    let mut chart = ChartBuilder::on(&left)
        .caption(format!("{title}: histogram"), (FONT, 28))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(span(lo, hi), 0.0..top * 1.05)
        .map_err(failed)?;
    chart.configure_mesh().label_style((FONT, 16)).axis_desc_style((FONT, 18)).x_desc(&x_desc).y_desc("requests").draw().map_err(failed)?;
    let bars = counts.iter().enumerate().map(|(i, &c)| {
        let x0 = lo + i as f64 * width;
        Rectangle::new([(x0, 0.0), (x0 + width, f64::from(c))], BLUE.filled())
    });
    chart.draw_series(bars).map_err(failed)?;
    let mut cdf = ChartBuilder::on(&right)
        .caption(format!("{title}: CDF"), (FONT, 28))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(span(lo, hi), 0.0..1.0)
        .map_err(failed)?;
    cdf.configure_mesh()
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .x_desc(&x_desc)
        .y_desc("share of requests")
        .draw()
        .map_err(failed)?;
    let n = sorted.len().max(1) as f64;
    let step = (sorted.len() / MAX_POINTS).max(1);
    let line = sorted.iter().enumerate().step_by(step).map(|(i, &v)| (v, (i + 1) as f64 / n));
    cdf.draw_series(LineSeries::new(line, BLUE.stroke_width(3))).map_err(failed)?;
    root.present().map_err(failed)
}

/// `points` (`(seconds, value)`) as a scatter against time.
///
/// # Errors
/// When the file cannot be drawn or written.
pub fn over_time(path: &Path, title: &str, unit: &str, points: &[(f64, f64)]) -> Result<(), PlotError> {
    let root = canvas(path)?;
    let (t_hi, v_hi) = points.iter().fold((0.0f64, 0.0f64), |(t, v), p| (t.max(p.0), v.max(p.1)));
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("{title} against request start"), (FONT, 30))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(span(0.0, t_hi), span(0.0, v_hi * 1.05))
        .map_err(failed)?;
    chart
        .configure_mesh()
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .x_desc("request start (s)")
        .y_desc(format!("{title} ({unit})"))
        .draw()
        .map_err(failed)?;
    let step = (points.len() / MAX_POINTS).max(1);
    let dots = points.iter().step_by(step).map(|&(t, v)| Circle::new((t, v), 3, BLUE.mix(0.6).filled()));
    chart.draw_series(dots).map_err(failed)?;
    root.present().map_err(failed)
}

/// Throughput (requests and output tokens per second, by when requests ended) above, requests in
/// flight below, over the timeline's slices.
///
/// # Errors
/// When the file cannot be drawn or written.
pub fn throughput(path: &Path, series: &super::Timeline) -> Result<(), PlotError> {
    let root = canvas(path)?;
    let (upper, lower) = root.split_vertically(SIZE.1 / 2);
    let t_hi = series.times.last().copied().unwrap_or(1.0);
    let tokens_hi = series.tokens_per_s.iter().copied().fold(0.0, f64::max);
    let mut chart = ChartBuilder::on(&upper)
        .caption("Throughput over time", (FONT, 28))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .right_y_label_area_size(80)
        .build_cartesian_2d(span(0.0, t_hi), span(0.0, tokens_hi * 1.1))
        .map_err(failed)?
        .set_secondary_coord(span(0.0, t_hi), span(0.0, series.requests_per_s.iter().copied().fold(0.0, f64::max) * 1.1));
    chart.configure_mesh().label_style((FONT, 16)).axis_desc_style((FONT, 18)).y_desc("output tokens/s").draw().map_err(failed)?;
    chart.configure_secondary_axes().label_style((FONT, 16)).axis_desc_style((FONT, 18)).y_desc("requests/s").draw().map_err(failed)?;
    let tokens = series.times.iter().copied().zip(series.tokens_per_s.iter().copied());
    let key = |color: RGBColor| move |(x, y): (i32, i32)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3));
    chart.draw_series(LineSeries::new(tokens, BLUE.stroke_width(3))).map_err(failed)?.label("output tokens/s").legend(key(BLUE));
    let requests = series.times.iter().copied().zip(series.requests_per_s.iter().copied());
    chart
        .draw_secondary_series(LineSeries::new(requests, ORANGE.stroke_width(3)))
        .map_err(failed)?
        .label("requests/s (right axis)")
        .legend(key(ORANGE));
    chart.configure_series_labels().label_font((FONT, 18)).background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(failed)?;
    let mut flight = ChartBuilder::on(&lower)
        .caption("Requests in flight", (FONT, 28))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(span(0.0, t_hi), span(0.0, series.in_flight.iter().copied().fold(0.0, f64::max) * 1.1))
        .map_err(failed)?;
    flight
        .configure_mesh()
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .x_desc("time (s)")
        .y_desc("requests")
        .draw()
        .map_err(failed)?;
    let in_flight = series.times.iter().copied().zip(series.in_flight.iter().copied());
    flight.draw_series(LineSeries::new(in_flight, BLUE.stroke_width(3))).map_err(failed)?;
    root.present().map_err(failed)
}

/// One point per sweep point (`(x, y, label)`), joined in order and labelled.
///
/// # Errors
/// When the file cannot be drawn or written.
pub fn sweep_curve(path: &Path, title: &str, (x_desc, y_desc): (&str, &str), points: &[(f64, f64, String)]) -> Result<(), PlotError> {
    let root = canvas(path)?;
    let (x_lo, x_hi, y_hi) = points.iter().fold((f64::INFINITY, 0.0f64, 0.0f64), |(lo, hi, y), p| (lo.min(p.0), hi.max(p.0), y.max(p.1)));
    // The latencies' own range (with room for the labels), so that a knee is not flattened.
    let pad = ((x_hi - x_lo) * 0.15).max(x_hi * 0.01);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 30))
        .margin(30)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(span((x_lo - pad).max(0.0), x_hi + 2.0 * pad), span(0.0, y_hi * 1.15))
        .map_err(failed)?;
    chart.configure_mesh().label_style((FONT, 16)).axis_desc_style((FONT, 18)).x_desc(x_desc).y_desc(y_desc).draw().map_err(failed)?;
    chart.draw_series(LineSeries::new(points.iter().map(|p| (p.0, p.1)), BLUE.stroke_width(3))).map_err(failed)?;
    let marks = points.iter().map(|(x, y, label)| {
        EmptyElement::at((*x, *y)) + Circle::new((0, 0), 7, BLUE.filled()) + Text::new(label.clone(), (10, -25), (FONT, 20))
    });
    chart.draw_series(marks).map_err(failed)?;
    root.present().map_err(failed)
}

/// One panel of a picture of lines over time.
pub struct Panel<'a> {
    /// Its caption.
    pub caption: &'a str,
    /// Its y axis.
    pub y_desc: &'a str,
    /// Its lines.
    pub lines: &'a [super::telemetry::Line],
}

/// Panels stacked top to bottom, each a set of labelled lines against time, sharing one time
/// axis from 0 to `t_hi`.
///
/// # Errors
/// When the file cannot be drawn or written.
pub fn panels(path: &Path, t_hi: f64, panels: &[Panel<'_>]) -> Result<(), PlotError> {
    const COLORS: [RGBColor; 4] = [BLUE, ORANGE, RGBColor(44, 160, 44), RGBColor(214, 39, 40)];
    let root = canvas(path)?;
    let areas = root.split_evenly((panels.len().max(1), 1));
    for (panel, area) in panels.iter().zip(&areas) {
        let v_hi = panel.lines.iter().flat_map(|(_, points)| points.iter().map(|p| p.1)).fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(area)
            .caption(panel.caption, (FONT, 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(span(0.0, t_hi), span(0.0, v_hi * 1.1))
            .map_err(failed)?;
        chart
            .configure_mesh()
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .x_desc("time (s)")
            .y_desc(panel.y_desc)
            .draw()
            .map_err(failed)?;
        for (index, (label, points)) in panel.lines.iter().enumerate() {
            let color = COLORS[index % COLORS.len()];
            let key = move |(x, y): (i32, i32)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3));
            chart
                .draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))
                .map_err(failed)?
                .label(label.as_str())
                .legend(key);
        }
        if !panel.lines.is_empty() {
            chart
                .configure_series_labels()
                .label_font((FONT, 16))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(failed)?;
        }
    }
    root.present().map_err(failed)
}
