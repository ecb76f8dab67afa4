//! Small PNG charts: bar charts (histograms, per-tool accuracy) and line charts (loss curves),
//! drawn on an RGB canvas, labelled with the `font8x8` bitmap font (upper and lower case) and
//! encoded by the `png` crate (deflate-compressed).

use anyhow::{Context, Result};
use std::path::Path;

pub struct Canvas {
    pub w: usize,
    pub h: usize,
    px: Vec<[u8; 3]>,
}

pub const WHITE: [u8; 3] = [255, 255, 255];
pub const BLACK: [u8; 3] = [30, 30, 30];
pub const GREY: [u8; 3] = [200, 200, 200];
pub const BLUE: [u8; 3] = [52, 101, 164];
pub const ORANGE: [u8; 3] = [230, 126, 34];
pub const GREEN: [u8; 3] = [39, 174, 96];

impl Canvas {
    pub fn new(w: usize, h: usize) -> Canvas {
        Canvas { w, h, px: vec![WHITE; w * h] }
    }

    pub fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h {
            self.px[y as usize * self.w + x as usize] = c;
        }
    }

    pub fn get(&self, x: usize, y: usize) -> [u8; 3] {
        self.px[y * self.w + x]
    }

    pub fn rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
        for y in y0.min(y1)..=y0.max(y1) {
            for x in x0.min(x1)..=x0.max(x1) {
                self.set(x, y, c);
            }
        }
    }

    pub fn line(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, c: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.set(x, y, c);
            self.set(x, y + 1, c);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Text in the 8x8 font, scaled by `scale`, left edge at x, top at y.
    pub fn text(&mut self, x: i64, y: i64, s: &str, scale: i64, c: [u8; 3]) {
        for (i, ch) in s.chars().enumerate() {
            for (row, bits) in glyph(ch).iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        let (px, py) = (x + (i as i64 * ADVANCE + col) * scale, y + row as i64 * scale);
                        self.rect(px, py, px + scale - 1, py + scale - 1, c);
                    }
                }
            }
        }
    }

    /// Text rotated a quarter turn (reading upwards), for y-axis titles.
    pub fn text_up(&mut self, x: i64, y: i64, s: &str, scale: i64, c: [u8; 3]) {
        for (i, ch) in s.chars().enumerate() {
            for (row, bits) in glyph(ch).iter().enumerate() {
                for col in 0..8 {
                    if bits & (1 << col) != 0 {
                        let (px, py) = (x + row as i64 * scale, y - (i as i64 * ADVANCE + col) * scale);
                        self.rect(px, py, px + scale - 1, py + scale - 1, c);
                    }
                }
            }
        }
    }

    /// Writes the canvas as an RGB PNG (via a temporary file and a rename).
    pub fn save_png(&self, path: &Path) -> Result<()> {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, self.w as u32, self.h as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().context("cannot start the PNG")?;
        writer.write_image_data(self.px.as_flattened()).context("cannot encode the PNG")?;
        writer.finish().context("cannot finish the PNG")?;
        crate::fsx::write_atomic(path, &bytes).with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Pixels from one character's left edge to the next's.
const ADVANCE: i64 = 8;

/// A character's 8x8 bitmap, one byte per row, bit 0 leftmost; a blank for characters the font lacks.
fn glyph(c: char) -> [u8; 8] {
    use font8x8::UnicodeFonts;
    font8x8::BASIC_FONTS.get(c).or_else(|| font8x8::LATIN_FONTS.get(c)).unwrap_or([0; 8])
}

/// A chart's frame: plot area and value-to-pixel mapping.
struct Frame {
    left: i64,
    right: i64,
    top: i64,
    bottom: i64,
    ymin: f64,
    ymax: f64,
}

impl Frame {
    fn y(&self, v: f64) -> i64 {
        let t = if self.ymax > self.ymin { (v - self.ymin) / (self.ymax - self.ymin) } else { 0.0 };
        self.bottom - (t * (self.bottom - self.top) as f64).round() as i64
    }
}

fn axes(c: &mut Canvas, f: &Frame, title: &str, ylabel: &str) {
    heading(c, f.left, title);
    for i in 0..=4 {
        let v = f.ymin + (f.ymax - f.ymin) * i as f64 / 4.0;
        let y = f.y(v);
        c.line(f.left, y, f.right, y, GREY);
        let label = short(v);
        c.text(f.left - 6 - label.len() as i64 * ADVANCE, y - 4, &label, 1, BLACK);
    }
    c.line(f.left, f.top, f.left, f.bottom, BLACK);
    c.line(f.left, f.bottom, f.right, f.bottom, BLACK);
    c.text_up(6, (f.top + f.bottom) / 2 + ylabel.len() as i64 * ADVANCE / 2, ylabel, 1, BLACK);
}

/// The title above the frame: at twice the font size when it fits, else at the font size, wrapped
/// at spaces onto at most three lines.
fn heading(c: &mut Canvas, x: i64, title: &str) {
    let room = c.w as i64 - x - 10;
    if title.len() as i64 * 2 * ADVANCE <= room {
        c.text(x, 10, title, 2, BLACK);
        return;
    }
    for (i, line) in wrap(title, (room / ADVANCE).max(1) as usize).iter().take(3).enumerate() {
        c.text(x, 8 + i as i64 * 12, line, 1, BLACK);
    }
}

/// `s` in lines of at most `width` characters, broken at spaces (a longer word gets a line of its own).
fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in s.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn short(v: f64) -> String {
    if v.abs() >= 1000.0 {
        format!("{:.0}", v)
    } else if v.abs() >= 10.0 || v == v.round() {
        format!("{:.1}", v)
    } else {
        format!("{:.3}", v)
    }
}

/// A bar chart: one bar per label, labels written vertically under the bars.
pub fn bar_chart(path: &Path, title: &str, ylabel: &str, labels: &[String], values: &[f64], ymax: Option<f64>) -> Result<()> {
    let n = labels.len().max(1);
    let bar = 18i64;
    let label_len = labels.iter().map(|l| l.len()).max().unwrap_or(0) as i64;
    let (w, h) = ((120 + n as i64 * (bar + 6) + 40).max(420), 360 + label_len * ADVANCE);
    let mut c = Canvas::new(w as usize, h as usize);
    let top_value = ymax.unwrap_or_else(|| values.iter().cloned().fold(0.0, f64::max) * 1.1).max(1e-9);
    let f = Frame { left: 100, right: w - 20, top: 50, bottom: 320, ymin: 0.0, ymax: top_value };
    axes(&mut c, &f, title, ylabel);
    for (i, (l, &v)) in labels.iter().zip(values).enumerate() {
        let x = f.left + 8 + i as i64 * (bar + 6);
        c.rect(x, f.y(v), x + bar - 1, f.bottom - 1, BLUE);
        c.text_up(x + bar / 2 - 4, f.bottom + 8 + l.len() as i64 * ADVANCE, l, 1, BLACK);
    }
    c.save_png(path)
}

/// A line chart of one or more series sharing the x axis (e.g. train and eval loss).
/// One line of a line chart: its name, its colour and its (x, y) points.
pub type Series<'a> = (&'a str, [u8; 3], Vec<(f64, f64)>);

pub fn line_chart(path: &Path, title: &str, xlabel: &str, ylabel: &str, series: &[Series]) -> Result<()> {
    let (w, h) = (760i64, 420i64);
    let mut c = Canvas::new(w as usize, h as usize);
    let pts = series.iter().flat_map(|s| s.2.iter());
    let (mut xmin, mut xmax, mut ymin, mut ymax) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in pts {
        xmin = xmin.min(x);
        xmax = xmax.max(x);
        ymin = ymin.min(y);
        ymax = ymax.max(y);
    }
    if xmin > xmax {
        (xmin, xmax, ymin, ymax) = (0.0, 1.0, 0.0, 1.0);
    }
    let pad = ((ymax - ymin) * 0.05).max(1e-6);
    let f = Frame { left: 100, right: w - 20, top: 50, bottom: h - 50, ymin: (ymin - pad).max(0.0), ymax: ymax + pad };
    axes(&mut c, &f, title, ylabel);
    let xpix = |x: f64| f.left + (((x - xmin) / (xmax - xmin).max(1e-9)) * (f.right - f.left) as f64).round() as i64;
    c.text(f.left, f.bottom + 10, &short(xmin), 1, BLACK);
    c.text(f.right - short(xmax).len() as i64 * ADVANCE, f.bottom + 10, &short(xmax), 1, BLACK);
    c.text((f.left + f.right) / 2 - xlabel.len() as i64 * ADVANCE / 2, f.bottom + 25, xlabel, 1, BLACK);
    for (k, (name, color, data)) in series.iter().enumerate() {
        for pair in data.windows(2) {
            c.line(xpix(pair[0].0), f.y(pair[0].1), xpix(pair[1].0), f.y(pair[1].1), *color);
        }
        if data.len() == 1 {
            c.rect(xpix(data[0].0) - 2, f.y(data[0].1) - 2, xpix(data[0].0) + 2, f.y(data[0].1) + 2, *color);
        }
        let ly = 12 + k as i64 * 12;
        c.rect(w - 160, ly, w - 150, ly + 6, *color);
        c.text(w - 145, ly, name, 1, BLACK);
    }
    c.save_png(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_compressed_pngs_with_their_bars_and_lower_case_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.png");
        let labels: Vec<String> = ["read_file", "search_code", "shell_exec"].map(String::from).to_vec();
        bar_chart(&path, "Exact calls per tool", "accuracy, %", &labels, &[90.0, 45.0, 10.0], Some(100.0)).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes)).read_info().unwrap();
        let mut px = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut px).unwrap();
        assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Rgb, png::BitDepth::Eight));
        let (w, h) = (info.width as usize, info.height as usize);
        assert!(bytes.len() * 10 < w * h * 3, "{} bytes for {w}x{h}: not compressed", bytes.len());
        let at = |x: usize, y: usize| [px[(y * w + x) * 3], px[(y * w + x) * 3 + 1], px[(y * w + x) * 3 + 2]];
        // Three bars, tallest first, in the bar colour; the title drawn in black above the frame.
        let bar_heights: Vec<usize> = (0..3).map(|i| (0..h).filter(|&y| at(100 + 8 + i * 24 + 9, y) == BLUE).count()).collect();
        assert!(bar_heights[0] > bar_heights[1] && bar_heights[1] > bar_heights[2] && bar_heights[2] > 0, "{bar_heights:?}");
        assert!((0..50).any(|y| (100..300).any(|x| at(x, y) == BLACK)), "a title above the frame");
        assert_ne!(glyph('a'), glyph('A'), "lower case has its own glyphs");
        assert_eq!(glyph('\u{1F600}'), [0; 8], "a character the font lacks is blank");
    }

    #[test]
    fn long_titles_wrap_at_the_font_size_and_short_ones_are_large() {
        assert_eq!(wrap("a bb ccc dddddd e", 6), ["a bb", "ccc", "dddddd", "e"]);
        let inked = |c: &Canvas, rows: std::ops::Range<usize>| rows.flat_map(|y| (0..c.w).map(move |x| (x, y))).any(|(x, y)| c.get(x, y) == BLACK);
        let mut short = Canvas::new(420, 60);
        heading(&mut short, 100, "loss");
        assert!(inked(&short, 18..24), "a short title is drawn at twice the font size");
        let mut long = Canvas::new(420, 60);
        heading(&mut long, 100, &"word ".repeat(30));
        assert!(inked(&long, 8..16) && inked(&long, 20..28) && !inked(&long, 16..20), "a long title wraps onto lines of the font size");
    }

    #[test]
    fn rectangles_cover_their_corners_and_nothing_else() {
        let mut c = Canvas::new(10, 10);
        c.rect(2, 2, 4, 4, BLUE);
        assert_eq!((c.get(2, 2), c.get(4, 4), c.get(3, 3)), (BLUE, BLUE, BLUE));
        assert_eq!((c.get(5, 5), c.get(1, 3)), (WHITE, WHITE));
    }
}
