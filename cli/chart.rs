//! Charts of a rolling count over time, drawn by `plotters`: the series
//! (broken where unknown), a dot per known point coloured by its status, the
//! threshold as a dashed line, and optionally the as-of instant and the day
//! the count falls below its threshold as vertical markers. SVG for the site
//! and `trend --plot FILE.svg`, PNG for `trend --plot FILE.png`.
//!
//! Text in a PNG is drawn with the DejaVu Sans font embedded in the binary
//! (`cli/assets/`), so a chart looks the same on every machine and any
//! script DejaVu covers is drawn; an SVG names the font family and leaves the
//! drawing to the browser.

use std::sync::Once;

use chrono::{DateTime, NaiveDate, Utc};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use tacometer_core::requirements::Status;

/// DejaVu Sans (Bitstream Vera licence, `cli/assets/LICENSE-DejaVu.txt`).
const FONT: &[u8] = include_bytes!("assets/DejaVuSans.ttf");
/// The family every text of a chart asks for.
const FAMILY: &str = "sans-serif";

/// A chart's size in pixels.
pub const SIZE: (u32, u32) = (860, 360);

const BLUE: RGBColor = RGBColor(0x2c, 0x6f, 0xbb);
const RED: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);
const ORANGE: RGBColor = RGBColor(0xb3, 0x5c, 0x00);

/// A status's colour: the same on the site's tables.
fn colour(s: Status) -> RGBColor {
    match s {
        Status::Pass => RGBColor(0x1e, 0x84, 0x49),
        Status::Caution => ORANGE,
        Status::Unknown => RGBColor(0x6b, 0x72, 0x80),
        Status::Fail => RED,
    }
}

/// A chart to draw.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The heading.
    pub title: String,
    /// Points in time order: instant, value (None: unknown), status.
    pub points: Vec<(DateTime<Utc>, Option<i64>, Status)>,
    /// The threshold, for counts.
    pub threshold: Option<i64>,
    /// The as-of instant, marked with a vertical line when inside the chart.
    pub as_of: Option<DateTime<Utc>>,
    /// The day the count falls below its threshold if nothing new lands,
    /// marked when inside the chart.
    pub falls_below_on: Option<NaiveDate>,
}

/// Days since the Unix epoch, the x coordinate.
fn x(t: DateTime<Utc>) -> f64 {
    t.timestamp() as f64 / 86_400.0
}

/// The date of an x coordinate.
fn date(x: f64) -> String {
    DateTime::<Utc>::from_timestamp((x * 86_400.0).round() as i64, 0)
        .map_or_else(String::new, |t| t.format("%Y-%m-%d").to_string())
}

fn register_font() -> anyhow::Result<()> {
    static ONCE: Once = Once::new();
    let mut ok = true;
    ONCE.call_once(|| {
        ok = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok();
    });
    anyhow::ensure!(ok, "the embedded chart font does not load");
    Ok(())
}

impl Chart {
    /// The x range: the points', widened to show the markers that fall
    /// just after them (a forecast at most a quarter of the span later).
    fn x_range(&self) -> (f64, f64) {
        let first = self.points.first().map_or(0.0, |p| x(p.0));
        let last = self.points.last().map_or(1.0, |p| x(p.0));
        let mut hi = last;
        if let Some(d) = self.forecast_x()
            && d > last
            && d - last <= (last - first).max(7.0) / 4.0
        {
            hi = d + 1.0;
        }
        if hi <= first {
            hi = first + 1.0;
        }
        (first, hi)
    }

    fn forecast_x(&self) -> Option<f64> {
        self.falls_below_on
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| x(t.and_utc()))
    }

    /// The top of the value axis: 10% above the largest value or threshold.
    fn y_max(&self) -> f64 {
        let max = self
            .points
            .iter()
            .filter_map(|p| p.1)
            .chain(self.threshold)
            .max()
            .unwrap_or(1)
            .max(1);
        max as f64 * 1.1
    }

    /// Runs of consecutive known points (the line breaks where unknown).
    fn segments(&self) -> Vec<Vec<(f64, f64)>> {
        let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (t, v, _) in &self.points {
            match v {
                Some(v) => out.last_mut().map_or((), |s| s.push((x(*t), *v as f64))),
                None => out.push(Vec::new()),
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }

    /// A sentence describing the chart, for alt text.
    pub fn description(&self) -> String {
        let known: Vec<_> = self.points.iter().filter(|p| p.1.is_some()).collect();
        let (Some(first), Some(last)) = (self.points.first(), self.points.last()) else {
            return format!("{}: no points", self.title);
        };
        let mut text = format!(
            "{}, {} points from {} to {}",
            self.title,
            self.points.len(),
            first.0.format("%Y-%m-%d"),
            last.0.format("%Y-%m-%d"),
        );
        match (
            known.iter().filter_map(|p| p.1).min(),
            known.iter().filter_map(|p| p.1).max(),
        ) {
            (Some(lo), Some(hi)) => text.push_str(&format!(", ranging from {lo} to {hi}")),
            _ => text.push_str(", all unknown"),
        }
        if let Some(v) = last.1 {
            text.push_str(&format!("; the last is {v}"));
        }
        if let Some(t) = self.threshold {
            text.push_str(&format!(", threshold {t}"));
        }
        let below = known
            .iter()
            .filter(|p| self.threshold.is_some_and(|t| p.1.is_some_and(|v| v < t)))
            .count();
        if self.threshold.is_some() {
            text.push_str(&format!(
                "; {below} of {} known points below it",
                known.len()
            ));
        }
        if let Some(d) = self.falls_below_on {
            text.push_str(&format!("; falls below it on {d} if nothing new lands"));
        }
        text.push('.');
        text
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> anyhow::Result<()>
    where
        DB::ErrorType: 'static,
    {
        let fail = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow::anyhow!("drawing a chart: {e}");
        root.fill(&WHITE).map_err(fail)?;
        let (x0, x1) = self.x_range();
        let y1 = self.y_max();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FAMILY, 18).into_font().color(&BLACK))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(52)
            .build_cartesian_2d(x0..x1, 0f64..y1)
            .map_err(fail)?;
        let label = (FAMILY, 13).into_font().color(&GREY);
        chart
            .configure_mesh()
            .x_labels(5)
            .y_labels(6)
            .x_label_formatter(&|v| date(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(label.clone())
            .axis_style(GREY)
            .bold_line_style(RGBColor(0xe5, 0xe7, 0xeb))
            .light_line_style(WHITE)
            .draw()
            .map_err(fail)?;
        if let Some(t) = self.threshold {
            let t = t as f64;
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, t), (x1, t)],
                    7,
                    5,
                    RED.stroke_width(1),
                ))
                .map_err(fail)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("threshold {t:.0}"),
                    (x0 + (x1 - x0) * 0.01, t + y1 * 0.015),
                    (FAMILY, 13).into_font().color(&RED).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Left,
                            plotters::style::text_anchor::VPos::Bottom,
                        ),
                    ),
                )))
                .map_err(fail)?;
        }
        let mut marker = |at: f64, text: String, colour: RGBColor| -> anyhow::Result<()> {
            if !(x0..=x1).contains(&at) {
                return Ok(());
            }
            chart
                .draw_series(DashedLineSeries::new(
                    [(at, 0.0), (at, y1)],
                    4,
                    4,
                    colour.stroke_width(1),
                ))
                .map_err(fail)?;
            let right = at > x0 + (x1 - x0) * 0.75;
            let anchor = if right {
                plotters::style::text_anchor::HPos::Right
            } else {
                plotters::style::text_anchor::HPos::Left
            };
            let dx = (x1 - x0) * 0.006 * if right { -1.0 } else { 1.0 };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (at + dx, y1 * 0.97),
                    (FAMILY, 12).into_font().color(&colour).pos(
                        plotters::style::text_anchor::Pos::new(
                            anchor,
                            plotters::style::text_anchor::VPos::Top,
                        ),
                    ),
                )))
                .map_err(fail)?;
            Ok(())
        };
        if let Some(t) = self.as_of {
            marker(x(t), format!("as of {}", t.format("%Y-%m-%d")), GREY)?;
        }
        if let (Some(at), Some(d)) = (self.forecast_x(), self.falls_below_on) {
            marker(at, format!("below on {d}"), ORANGE)?;
        }
        for segment in self.segments() {
            chart
                .draw_series(LineSeries::new(segment, BLUE.stroke_width(2)))
                .map_err(fail)?;
        }
        chart
            .draw_series(self.points.iter().filter_map(|(t, v, s)| {
                v.map(|v| Circle::new((x(*t), v as f64), 3, colour(*s).filled()))
            }))
            .map_err(fail)?;
        root.present().map_err(fail)?;
        Ok(())
    }

    /// The chart as an SVG document.
    pub fn svg(&self) -> anyhow::Result<String> {
        register_font()?;
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
            self.draw(&root)?;
        }
        Ok(text)
    }

    /// The chart as a PNG image.
    pub fn png(&self) -> anyhow::Result<Vec<u8>> {
        register_font()?;
        let (w, h) = SIZE;
        let mut rgb = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
            self.draw(&root)?;
        }
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header()?;
            writer.write_image_data(&rgb)?;
        }
        Ok(out)
    }
}
