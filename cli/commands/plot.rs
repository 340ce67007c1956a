//! Charts of a trend: the series (broken where unknown), status-coloured
//! points, the threshold as a dashed line, value ticks and dates, as SVG or PNG.

use std::fmt::Write as _;

use tacometer_core::requirements::Status;

/// A chart to draw.
pub struct Chart {
    /// The heading.
    pub title: String,
    /// Points: date label, value (None: unknown), status.
    pub points: Vec<(String, Option<i64>, Status)>,
    /// The threshold, for counts.
    pub threshold: Option<i64>,
}

const W: f64 = 860.0;
const H: f64 = 360.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;

type Rgb = [u8; 3];
const BLUE: Rgb = [0x2c, 0x6f, 0xbb];
const RED: Rgb = [0xc0, 0x39, 0x2b];
const AXIS: Rgb = [0x33, 0x33, 0x33];
const GRID: Rgb = [0xee, 0xee, 0xee];

fn colour(s: Status) -> Rgb {
    match s {
        Status::Pass => [0x27, 0xae, 0x60],
        Status::Caution => [0xe6, 0x7e, 0x22],
        Status::Unknown => [0x7f, 0x8c, 0x8d],
        Status::Fail => RED,
    }
}

fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Chart {
    /// The top of the value axis: 10% above the largest value or threshold.
    fn max(&self) -> f64 {
        self.points
            .iter()
            .filter_map(|p| p.1)
            .chain(self.threshold)
            .max()
            .unwrap_or(1)
            .max(1) as f64
            * 1.1
    }

    fn x(&self, i: usize) -> f64 {
        let n = self.points.len().max(2) as f64 - 1.0;
        LEFT + (W - LEFT - RIGHT) * i as f64 / n
    }

    fn y(&self, v: i64) -> f64 {
        TOP + (H - TOP - BOTTOM) * (1.0 - v as f64 / self.max())
    }

    /// Value ticks at 0, 25, 50, 75 and 100% of the largest value.
    fn ticks(&self) -> Vec<i64> {
        [0.0, 0.25, 0.5, 0.75, 1.0]
            .iter()
            .map(|f| (self.max() / 1.1 * f).round() as i64)
            .collect()
    }

    /// Indexes of the points whose dates are written: first, middle, last.
    fn labelled(&self) -> Vec<usize> {
        let n = self.points.len();
        let mut v = vec![0, n / 2, n.saturating_sub(1)];
        v.dedup();
        v.retain(|&i| i < n);
        v
    }

    /// Runs of consecutive known points, as (index, value) lists.
    fn segments(&self) -> Vec<Vec<(usize, i64)>> {
        let mut out = vec![Vec::new()];
        for (i, p) in self.points.iter().enumerate() {
            match p.1 {
                Some(v) => out.last_mut().map(|s| s.push((i, v))).unwrap_or(()),
                None => out.push(Vec::new()),
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }

    /// The chart as SVG.
    pub fn svg(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{}</text>
"##,
            esc(&self.title)
        );
        for v in self.ticks() {
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{}"/><text x="{}" y="{:.1}" text-anchor="end">{v}</text>"##,
                W - RIGHT,
                hex(GRID),
                LEFT - 6.0,
                self.y(v) + 4.0,
                y = self.y(v)
            );
        }
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{b}" x2="{}" y2="{b}" stroke="{a}"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="{a}"/>"##,
            W - RIGHT,
            b = H - BOTTOM,
            a = hex(AXIS)
        );
        let last = self.points.len().saturating_sub(1);
        for i in self.labelled() {
            let anchor = match i {
                0 => "start",
                i if i == last => "end",
                _ => "middle",
            };
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"##,
                self.x(i),
                H - BOTTOM + 18.0,
                esc(&self.points[i].0)
            );
        }
        if let Some(t) = self.threshold {
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="{r}" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" fill="{r}" text-anchor="end">threshold {t}</text>"##,
                W - RIGHT,
                W - RIGHT,
                self.y(t) - 5.0,
                y = self.y(t),
                r = hex(RED)
            );
        }
        for seg in self.segments() {
            let pts: Vec<String> = seg
                .iter()
                .map(|&(i, v)| format!("{:.1},{:.1}", self.x(i), self.y(v)))
                .collect();
            let _ = writeln!(
                s,
                r##"<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>"##,
                hex(BLUE),
                pts.join(" ")
            );
        }
        for (i, (label, v, status)) in self.points.iter().enumerate() {
            if let Some(v) = v {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{}: {v}</title></circle>"##,
                    self.x(i),
                    self.y(*v),
                    hex(colour(*status)),
                    esc(label)
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }

    /// The chart as PNG (the same layout, drawn into an RGB raster).
    pub fn png(&self) -> anyhow::Result<Vec<u8>> {
        let mut c = Canvas::new(W as usize, H as usize);
        for v in self.ticks() {
            c.line(LEFT, self.y(v), W - RIGHT, self.y(v), GRID, 1, None);
            let text = v.to_string();
            c.text(
                LEFT - 6.0 - Canvas::width(&text, 1),
                self.y(v) - 3.0,
                &text,
                AXIS,
                1,
            );
        }
        c.line(LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, AXIS, 1, None);
        c.line(LEFT, TOP, LEFT, H - BOTTOM, AXIS, 1, None);
        for i in self.labelled() {
            let label = &self.points[i].0;
            c.text(
                self.x(i) - Canvas::width(label, 1) / 2.0,
                H - BOTTOM + 10.0,
                label,
                AXIS,
                1,
            );
        }
        if let Some(t) = self.threshold {
            c.line(LEFT, self.y(t), W - RIGHT, self.y(t), RED, 1, Some((6, 4)));
            let label = format!("threshold {t}");
            c.text(
                W - RIGHT - Canvas::width(&label, 1),
                self.y(t) - 11.0,
                &label,
                RED,
                1,
            );
        }
        for seg in self.segments() {
            for pair in seg.windows(2) {
                let ((i, a), (j, b)) = (pair[0], pair[1]);
                c.line(self.x(i), self.y(a), self.x(j), self.y(b), BLUE, 2, None);
            }
        }
        for (i, (_, v, status)) in self.points.iter().enumerate() {
            if let Some(v) = v {
                c.dot(self.x(i), self.y(*v), 3, colour(*status));
            }
        }
        c.text(LEFT, 12.0, &self.title, AXIS, 2);
        c.encode()
    }
}

/// An RGB raster with the few primitives the chart needs.
struct Canvas {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Canvas {
    fn new(w: usize, h: usize) -> Self {
        Self {
            w,
            h,
            px: vec![255; w * h * 3],
        }
    }

    fn set(&mut self, x: i64, y: i64, c: Rgb) {
        if x < 0 || y < 0 || x as usize >= self.w || y as usize >= self.h {
            return;
        }
        let i = (y as usize * self.w + x as usize) * 3;
        self.px[i..i + 3].copy_from_slice(&c);
    }

    /// A straight line `width` pixels thick, optionally dashed (on, off).
    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        x0: f64,
        y0: f64,
        x1: f64,
        y1: f64,
        c: Rgb,
        width: i64,
        dash: Option<(usize, usize)>,
    ) {
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).ceil().max(1.0) as usize;
        for k in 0..=steps {
            if let Some((on, off)) = dash
                && k % (on + off) >= on
            {
                continue;
            }
            let t = k as f64 / steps as f64;
            let (x, y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
            for d in 0..width {
                self.set(x.round() as i64, y.round() as i64 + d - width / 2, c);
            }
        }
    }

    fn dot(&mut self, cx: f64, cy: f64, r: i64, c: Rgb) {
        let (cx, cy) = (cx.round() as i64, cy.round() as i64);
        for dy in -r..=r {
            for dx in -r..=r {
                if dx * dx + dy * dy <= r * r {
                    self.set(cx + dx, cy + dy, c);
                }
            }
        }
    }

    fn width(text: &str, scale: i64) -> f64 {
        (text.chars().count() as i64 * 6 * scale) as f64
    }

    fn text(&mut self, x: f64, y: f64, text: &str, c: Rgb, scale: i64) {
        let (x, y) = (x.round() as i64, y.round() as i64);
        for (n, ch) in text.chars().enumerate() {
            let rows = super::font::glyph(ch);
            for (ry, bits) in rows.iter().enumerate() {
                for rx in 0..5 {
                    if bits & (1 << (4 - rx)) != 0 {
                        for sy in 0..scale {
                            for sx in 0..scale {
                                self.set(
                                    x + (n as i64 * 6 + rx) * scale + sx,
                                    y + ry as i64 * scale + sy,
                                    c,
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    fn encode(&self) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.w as u32, self.h as u32);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header()?;
            writer.write_image_data(&self.px)?;
        }
        Ok(out)
    }
}
