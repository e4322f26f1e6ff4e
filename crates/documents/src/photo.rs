//! Photos that leave Kojo (a case study's, on the public page): kept without the metadata a
//! camera or phone writes into the file — EXIF (the place it was taken, the camera's owner, the
//! time), XMP, comments, text chunks — so that a study published as "industry and size only"
//! does not say where the company is. The picture itself is not touched.

use img_parts::jpeg::{Jpeg, markers};
use img_parts::png::Png;

/// Why a photo could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the photo could not be read: {0}")]
pub struct PhotoError(String);

/// `bytes` (a JPEG or PNG, `content_type` as judged by its content) without its metadata.
pub fn without_metadata(bytes: &[u8], content_type: &str) -> Result<Vec<u8>, PhotoError> {
    let error = |e: img_parts::Error| PhotoError(e.to_string());
    let input = img_parts::Bytes::copy_from_slice(bytes);
    let out = match content_type {
        "image/jpeg" => {
            let mut jpeg = Jpeg::from_bytes(input).map_err(error)?;
            // APP1–APP15 (EXIF, XMP, maker notes, Photoshop's IPTC) and comments go; APP0 (JFIF)
            // and the picture's own segments stay. An ICC profile (APP2) goes too: a picture
            // shows without one.
            jpeg.segments_mut().retain(|segment| {
                let marker = segment.marker();
                !((markers::APP1..=markers::APP15).contains(&marker) || marker == markers::COM)
            });
            jpeg.encoder().bytes()
        }
        "image/png" => {
            let mut png = Png::from_bytes(input).map_err(error)?;
            png.chunks_mut().retain(|chunk| !matches!(&chunk.kind(), b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME"));
            png.encoder().bytes()
        }
        other => return Err(PhotoError(format!("not a photo: {other}"))),
    };
    Ok(out.to_vec())
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
