//! QR codes of short references (a seminar registration's 受付番号, e.g. `S-R5-000123`) for the
//! venue check-in: an inline SVG for the confirmation page and a PNG for the e-mail.
//!
//! Error correction level M (15 %), enough for a code printed or shown on a phone, and the
//! 4-module quiet zone ISO/IEC 18004 asks for. The `qrcode` crate only places the modules (its
//! default `image` feature is off); the SVG and PNG are drawn here — the PNG with the `png`
//! crate, as 8-bit greyscale — so no image library comes in for one picture.
//!
//! Must not: know what the reference means or where it is shown.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QrError {
    #[error("QRコードを作れません（{0}）")]
    Encode(String),
    #[error("QRコードの画像を書き出せません（{0}）")]
    Png(String),
}

/// Modules of light margin on each side (ISO/IEC 18004: at least 4).
const QUIET_ZONE: usize = 4;

/// The PNG is at least this many pixels wide (and as tall).
const PNG_MIN_PIXELS: usize = 200;

/// An inline SVG of the code: `role="img"`, an `aria-label` and a `<title>` naming the text, a
/// white quiet zone, and whole-unit modules drawn with `shape-rendering="crispEdges"` so the
/// edges stay sharp at any size. It is 4 px per module unless CSS sizes it.
pub fn svg(text: &str) -> Result<String, QrError> {
    let modules = Modules::encode(text)?;
    let side = modules.width + 2 * QUIET_ZONE;
    let label = escape_xml(&format!("QRコード: {text}"));
    let mut path = String::new();
    for y in 0..modules.width {
        let mut x = 0;
        while x < modules.width {
            if !modules.dark(x, y) {
                x += 1;
                continue;
            }
            let run_start = x;
            while x < modules.width && modules.dark(x, y) {
                x += 1;
            }
            let _ =
                write!(path, "M{},{}h{}v1h-{}z", run_start + QUIET_ZONE, y + QUIET_ZONE, x - run_start, x - run_start);
        }
    }
    let pixels = side * 4;
    Ok(format!(
        concat!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{pixels}" height="{pixels}" "##,
            r##"role="img" aria-label="{label}" shape-rendering="crispEdges">"##,
            r##"<title>{label}</title><rect width="{side}" height="{side}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/></svg>"##
        ),
        side = side,
        pixels = pixels,
        label = label,
        path = path
    ))
}

/// The code as a PNG of about 200 px (8-bit greyscale, black on white, quiet zone included),
/// for attaching to an e-mail: a whole number of pixels per module, so no module is blurred.
pub fn png(text: &str) -> Result<Vec<u8>, QrError> {
    let modules = Modules::encode(text)?;
    let side_modules = modules.width + 2 * QUIET_ZONE;
    let scale = PNG_MIN_PIXELS.div_ceil(side_modules);
    let side = side_modules * scale;
    let mut pixels = vec![255u8; side * side];
    for y in 0..modules.width {
        for x in 0..modules.width {
            if modules.dark(x, y) {
                for row in 0..scale {
                    let start = ((y + QUIET_ZONE) * scale + row) * side + (x + QUIET_ZONE) * scale;
                    pixels[start..start + scale].fill(0);
                }
            }
        }
    }

    let side = u32::try_from(side).map_err(|error| QrError::Png(error.to_string()))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|error| QrError::Png(error.to_string()))?;
    writer.write_image_data(&pixels).map_err(|error| QrError::Png(error.to_string()))?;
    writer.finish().map_err(|error| QrError::Png(error.to_string()))?;
    Ok(out)
}

/// The code's modules, row by row, without the quiet zone.
struct Modules {
    width: usize,
    colors: Vec<Color>,
}

impl Modules {
    fn encode(text: &str) -> Result<Modules, QrError> {
        let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
            .map_err(|error| QrError::Encode(error.to_string()))?;
        Ok(Modules { width: code.width(), colors: code.into_colors() })
    }

    fn dark(&self, x: usize, y: usize) -> bool {
        self.colors[y * self.width + x] == Color::Dark
    }
}

fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot hold other C0 controls at all.
            control if control.is_control() && !matches!(control, '\t' | '\n' | '\r') => {}
            other => out.push(other),
        }
    }
    out
}
