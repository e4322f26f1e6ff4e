//! Photos that leave Kojo (a case study's, on the public page): kept without the metadata a
//! camera or phone writes into the file — EXIF (the place it was taken, the camera's owner, the
//! time), XMP, comments, text chunks, and what phones append after the picture (further images
//! with their own EXIF, motion-photo trailers) — so that a study published as "industry and size
//! only" does not say where the company is. The picture itself is not touched.

use img_parts::png::Png;

/// Why a photo could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the photo could not be read: {0}")]
pub struct PhotoError(String);

/// `bytes` (a JPEG or PNG, `content_type` as judged by its content) without its metadata.
pub fn without_metadata(bytes: &[u8], content_type: &str) -> Result<Vec<u8>, PhotoError> {
    match content_type {
        "image/jpeg" => jpeg_without_metadata(bytes),
        "image/png" => {
            let input = img_parts::Bytes::copy_from_slice(bytes);
            let mut png = Png::from_bytes(input).map_err(|e| PhotoError(e.to_string()))?;
            png.chunks_mut().retain(|chunk| !matches!(&chunk.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"));
            Ok(png.encoder().bytes().to_vec())
        }
        other => Err(PhotoError(format!("not a photo: {other}"))),
    }
}

/// Whether a JPEG marker is metadata: APP1–APP15 (EXIF, XMP, ICC, maker notes, IPTC) or a
/// comment. APP0 (JFIF) stays.
fn is_metadata(marker: u8) -> bool {
    (0xE1..=0xEF).contains(&marker) || marker == 0xFE
}

/// A JPEG walked segment by segment (ITU T.81 B.1): metadata segments dropped wherever they
/// are — before the first scan or between the scans of a progressive picture — and everything
/// after the end of the picture (EOI) cut off. Entropy-coded data is copied as it is: inside
/// it a 0xFF byte is followed by 0x00 (a stuffed byte) or a restart marker.
fn jpeg_without_metadata(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let broken = |what: &str| PhotoError(format!("JPEG: {what}"));
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(broken("no start of image"));
    }
    let mut out = vec![0xFF, 0xD8];
    let mut at = 2;
    let mut in_scan = false;
    loop {
        if at >= bytes.len() {
            return Err(broken("no end of image"));
        }
        if bytes[at] != 0xFF {
            if !in_scan {
                return Err(broken("data outside a scan"));
            }
            out.push(bytes[at]);
            at += 1;
            continue;
        }
        let Some(&marker) = bytes.get(at + 1) else { return Err(broken("cut in a marker")) };
        match marker {
            // A stuffed 0xFF or a restart marker: part of the scan's data.
            0x00 | 0xD0..=0xD7 if in_scan => {
                out.extend_from_slice(&bytes[at..at + 2]);
                at += 2;
            }
            // Fill bytes before a marker.
            0xFF => at += 1,
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            _ => {
                let length = match bytes.get(at + 2..at + 4) {
                    Some(&[high, low]) => usize::from(high) << 8 | usize::from(low),
                    _ => return Err(broken("cut in a segment's length")),
                };
                let end = at + 2 + length;
                if length < 2 || end > bytes.len() {
                    return Err(broken("a segment runs past the end"));
                }
                if !is_metadata(marker) {
                    out.extend_from_slice(&bytes[at..end]);
                }
                // After a scan's header comes its entropy-coded data.
                in_scan = marker == 0xDA || (in_scan && is_metadata(marker));
                at = end;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG with a text chunk naming a place and an eXIf chunk.
    fn png_with_metadata() -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, 1, 1);
            encoder.set_color(png::ColorType::Rgba);
            encoder.add_text_chunk("Location".into(), "Nishi-Shinjuku 2-8-1, Tokyo".into()).unwrap();
            let mut writer = encoder.write_header().unwrap();
            writer.write_chunk(png::chunk::ChunkType(*b"eXIf"), b"MM\x00\x2a GPS 35.6895N").unwrap();
            writer.write_image_data(&[0, 0, 0, 255]).unwrap();
        }
        out
    }

    #[test]
    fn a_png_loses_its_text_and_exif_and_keeps_its_picture() {
        let original = png_with_metadata();
        assert!(original.windows(4).any(|w| w == b"tEXt") && original.windows(3).any(|w| w == b"GPS"));
        let clean = without_metadata(&original, "image/png").unwrap();
        assert!(!clean.windows(4).any(|w| w == b"tEXt" || w == b"eXIf"), "no text, no EXIF");
        assert!(!clean.windows(3).any(|w| w == b"GPS"));
        let decoder = png::Decoder::new(std::io::Cursor::new(clean));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        assert_eq!(pixels, [0, 0, 0, 255], "the same picture");
    }

    /// A baseline-looking JPEG: SOI, APP0, APP1 (EXIF), COM, a scan with stuffed bytes and a
    /// restart marker, a comment between two scans, EOI, and a phone's trailer after it.
    fn jpeg_with_metadata() -> Vec<u8> {
        let segment = |marker: u8, body: &[u8]| {
            let mut s = vec![0xFF, marker, 0x00, (body.len() + 2) as u8];
            s.extend_from_slice(body);
            s
        };
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend(segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"));
        jpeg.extend(segment(0xE1, b"Exif\x00\x00MM\x00\x2a GPS 35.6895N"));
        jpeg.extend(segment(0xFE, b"owner: Yamada"));
        jpeg.extend(segment(0xDB, &[0u8; 65]));
        jpeg.extend(segment(0xC2, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        jpeg.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        jpeg.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        jpeg.extend(segment(0xFE, b"between scans: Shinjuku"));
        jpeg.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        jpeg.extend([0x78, 0x9A]);
        jpeg.extend([0xFF, 0xD9]);
        jpeg.extend(b"MPF trailer: GPS 35.6895N, second image");
        jpeg
    }

    #[test]
    fn a_jpeg_loses_its_metadata_between_scans_and_after_its_end() {
        let original = jpeg_with_metadata();
        let clean = without_metadata(&original, "image/jpeg").unwrap();
        for gone in [&b"GPS"[..], b"Yamada", b"Shinjuku", b"MPF"] {
            assert!(original.windows(gone.len()).any(|w| w == gone));
            assert!(!clean.windows(gone.len()).any(|w| w == gone), "{}", String::from_utf8_lossy(gone));
        }
        assert!(clean.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]), "JFIF stays");
        assert!(clean.ends_with(&[0x78, 0x9A, 0xFF, 0xD9]), "the picture ends where it ended");
        let data = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56];
        assert!(clean.windows(data.len()).any(|w| w == data), "the scan's data, stuffing and restart kept");
        assert!(without_metadata(&original[..original.len() - 60], "image/jpeg").is_err(), "cut short");
    }

    #[test]
    fn a_jpeg_loses_its_exif_and_comments() {
        // SOI, APP0 (JFIF), APP1 (EXIF with a GPS tag), COM, then a minimal rest of a file.
        let mut jpeg = vec![0xFF, 0xD8];
        jpeg.extend([0xFF, 0xE0, 0x00, 0x10]);
        jpeg.extend(b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00");
        let exif = b"Exif\x00\x00MM\x00\x2a GPS 35.6895N";
        jpeg.extend([0xFF, 0xE1, 0x00, (exif.len() + 2) as u8]);
        jpeg.extend(exif);
        let comment = b"owner: Yamada";
        jpeg.extend([0xFF, 0xFE, 0x00, (comment.len() + 2) as u8]);
        jpeg.extend(comment);
        jpeg.extend([0xFF, 0xD9]);
        let clean = without_metadata(&jpeg, "image/jpeg").unwrap();
        assert!(clean.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]), "JFIF stays");
        assert!(!clean.windows(3).any(|w| w == b"GPS") && !clean.windows(6).any(|w| w == b"Yamada"));
        assert!(without_metadata(b"%PDF-1.7", "application/pdf").is_err());
        assert!(without_metadata(b"\x89PNG\r\n\x1a\nbroken", "image/png").is_err());
    }
}
