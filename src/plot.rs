//! Small PNG charts with no dependencies: bar charts (histograms, per-tool accuracy) and line charts
//! (loss curves). A 5x7 bitmap font labels axes; the PNG is written uncompressed (stored deflate
//! blocks), which keeps the encoder a few dozen lines.

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

    /// Text in the 5x7 font, scaled by `scale`, left edge at x, top at y.
    pub fn text(&mut self, x: i64, y: i64, s: &str, scale: i64, c: [u8; 3]) {
        for (i, ch) in s.chars().enumerate() {
            let glyph = glyph(ch);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        let (px, py) = (x + (i as i64 * 6 + col) * scale, y + row as i64 * scale);
                        self.rect(px, py, px + scale - 1, py + scale - 1, c);
                    }
                }
            }
        }
    }

    /// Text rotated a quarter turn (reading upwards), for y-axis titles.
    pub fn text_up(&mut self, x: i64, y: i64, s: &str, scale: i64, c: [u8; 3]) {
        for (i, ch) in s.chars().enumerate() {
            let glyph = glyph(ch);
            for (row, bits) in glyph.iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        let (px, py) = (x + row as i64 * scale, y - (i as i64 * 6 + col) * scale);
                        self.rect(px, py, px + scale - 1, py + scale - 1, c);
                    }
                }
            }
        }
    }

    /// Writes the canvas as an RGB PNG (via a temporary file and a rename).
    pub fn save_png(&self, path: &Path) -> Result<()> {
        let mut raw = Vec::with_capacity((self.w * 3 + 1) * self.h);
        for y in 0..self.h {
            raw.push(0); // filter: none
            for x in 0..self.w {
                raw.extend_from_slice(&self.get(x, y));
            }
        }
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&(self.w as u32).to_be_bytes());
        ihdr.extend_from_slice(&(self.h as u32).to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(&mut png, b"IHDR", &ihdr);
        chunk(&mut png, b"IDAT", &zlib_stored(&raw));
        chunk(&mut png, b"IEND", &[]);
        crate::fsx::write_atomic(path, &png).with_context(|| format!("cannot write {}", path.display()))
    }
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() { vec![&[][..]] } else { data.chunks(65535).collect() };
    for (i, b) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        out.extend_from_slice(&(b.len() as u16).to_le_bytes());
        out.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
        out.extend_from_slice(b);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
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
        c.text(f.left - 6 - label.len() as i64 * 6, y - 3, &label, 1, BLACK);
    }
    c.line(f.left, f.top, f.left, f.bottom, BLACK);
    c.line(f.left, f.bottom, f.right, f.bottom, BLACK);
    c.text_up(6, (f.top + f.bottom) / 2 + ylabel.len() as i64 * 3, ylabel, 1, BLACK);
}

/// The title above the frame: at twice the font size when it fits, else at the font size, wrapped
/// at spaces onto at most three lines.
fn heading(c: &mut Canvas, x: i64, title: &str) {
    let room = c.w as i64 - x - 10;
    if title.len() as i64 * 12 <= room {
        c.text(x, 10, title, 2, BLACK);
        return;
    }
    for (i, line) in wrap(title, (room / 6).max(1) as usize).iter().take(3).enumerate() {
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
    let (w, h) = ((120 + n as i64 * (bar + 6) + 40).max(420), 360 + label_len * 6);
    let mut c = Canvas::new(w as usize, h as usize);
    let top_value = ymax.unwrap_or_else(|| values.iter().cloned().fold(0.0, f64::max) * 1.1).max(1e-9);
    let f = Frame { left: 100, right: w - 20, top: 50, bottom: 320, ymin: 0.0, ymax: top_value };
    axes(&mut c, &f, title, ylabel);
    for (i, (l, &v)) in labels.iter().zip(values).enumerate() {
        let x = f.left + 8 + i as i64 * (bar + 6);
        c.rect(x, f.y(v), x + bar - 1, f.bottom - 1, BLUE);
        c.text_up(x + bar / 2 - 3, f.bottom + 8 + l.len() as i64 * 6, l, 1, BLACK);
    }
    c.save_png(path)
}

/// A line chart of one or more series sharing the x axis (e.g. train and eval loss).
pub fn line_chart(path: &Path, title: &str, xlabel: &str, ylabel: &str, series: &[(&str, [u8; 3], Vec<(f64, f64)>)]) -> Result<()> {
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
    c.text(f.right - 40, f.bottom + 10, &short(xmax), 1, BLACK);
    c.text((f.left + f.right) / 2 - xlabel.len() as i64 * 3, f.bottom + 25, xlabel, 1, BLACK);
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

/// 5x7 glyphs, one byte per row (low five bits). Lower case is drawn as upper case.
fn glyph(c: char) -> [u8; 7] {
    match c.to_ascii_uppercase() {
        '0' => [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
        '1' => [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
        '2' => [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
        '3' => [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
        '4' => [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
        '5' => [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
        '6' => [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
        '7' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
        '9' => [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
        'A' => [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'B' => [0x1e, 0x11, 0x11, 0x1e, 0x11, 0x11, 0x1e],
        'C' => [0x0e, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0e],
        'D' => [0x1c, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1c],
        'E' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x1f],
        'F' => [0x1f, 0x10, 0x10, 0x1e, 0x10, 0x10, 0x10],
        'G' => [0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f],
        'H' => [0x11, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'I' => [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0c],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
        'M' => [0x11, 0x1b, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'P' => [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
        'Q' => [0x0e, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0d],
        'R' => [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
        'S' => [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
        'T' => [0x1f, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0a, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0a],
        'X' => [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0a, 0x04, 0x04, 0x04],
        'Z' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
        '.' => [0, 0, 0, 0, 0, 0x0c, 0x0c],
        ',' => [0, 0, 0, 0, 0x0c, 0x04, 0x08],
        ':' => [0, 0x0c, 0x0c, 0, 0x0c, 0x0c, 0],
        '-' => [0, 0, 0, 0x1f, 0, 0, 0],
        '_' => [0, 0, 0, 0, 0, 0, 0x1f],
        '%' => [0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03],
        '/' => [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
        '(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        '=' => [0, 0, 0x1f, 0, 0x1f, 0, 0],
        '+' => [0, 0x04, 0x04, 0x1f, 0x04, 0x04, 0],
        _ => [0; 7],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_has_valid_structure_and_checksums() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.png");
        bar_chart(&p, "TEST", "COUNT", &["a".into(), "bb".into()], &[1.0, 3.0], None).unwrap();
        let b = std::fs::read(&p).unwrap();
        assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n");
        // Walk the chunks and check each CRC.
        let mut at = 8;
        let mut kinds = Vec::new();
        while at < b.len() {
            let len = u32::from_be_bytes(b[at..at + 4].try_into().unwrap()) as usize;
            let crc = u32::from_be_bytes(b[at + 8 + len..at + 12 + len].try_into().unwrap());
            assert_eq!(crc, crc32(&b[at + 4..at + 8 + len]));
            kinds.push(String::from_utf8_lossy(&b[at + 4..at + 8]).into_owned());
            at += 12 + len;
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
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
        assert!(inked(&long, 8..15) && inked(&long, 20..27) && !inked(&long, 15..20), "a long title wraps onto lines of the font size");
    }

    #[test]
    fn bars_are_drawn_proportionally() {
        let mut c = Canvas::new(10, 10);
        c.rect(2, 2, 4, 4, BLUE);
        assert_eq!(c.get(3, 3), BLUE);
        assert_eq!(c.get(5, 5), WHITE);
    }
}
