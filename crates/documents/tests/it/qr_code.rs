//! QR codes read back by a QR decoder (`rqrr`): the PNG as e-mailed, and the SVG redrawn from
//! its own rectangles, must both give the reference they were made from.

use documents::qr;

const REFERENCES: &[&str] = &["S-R5-000123", "S-R8-004321", "S-R10-999999"];

/// The text a decoder finds in a greyscale picture.
fn decode(width: usize, height: usize, pixels: &[u8]) -> Vec<String> {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    image.detect_grids().into_iter().map(|grid| grid.decode().expect("the grid decodes").1).collect()
}

#[test]
fn the_png_decodes_to_the_reference() {
    for reference in REFERENCES {
        let bytes = qr::png(reference).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(frame.color_type, png::ColorType::Grayscale);
        assert_eq!(frame.bit_depth, png::BitDepth::Eight);
        assert_eq!(frame.width, frame.height);
        assert!((200..260).contains(&frame.width), "{} px", frame.width);
        // The quiet zone: the border is white all round.
        let side = frame.width as usize;
        assert!(pixels[..side].iter().all(|&pixel| pixel == 255));
        assert!(pixels[(side - 1) * side..side * side].iter().all(|&pixel| pixel == 255));

        assert_eq!(decode(side, side, &pixels[..side * side]), vec![reference.to_string()]);
    }
}

#[test]
fn the_svg_is_accessible_and_decodes_to_the_reference() {
    for reference in REFERENCES {
        let svg = qr::svg(reference).unwrap();
        let document = roxmltree::Document::parse(&svg).unwrap();
        let root = document.root_element();
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(root.attribute("aria-label"), Some(format!("QRコード: {reference}").as_str()));
        assert_eq!(root.attribute("shape-rendering"), Some("crispEdges"));
        let title = root.children().find(|node| node.has_tag_name("title")).unwrap();
        assert_eq!(title.text(), Some(format!("QRコード: {reference}").as_str()));

        // Redraw the modules from the path's runs (`M{x},{y}h{w}v1h-{w}z`), 8 px each, and decode.
        let view_box: Vec<usize> =
            root.attribute("viewBox").unwrap().split(' ').map(|number| number.parse().unwrap()).collect();
        let side = view_box[2];
        assert_eq!(view_box[3], side);
        let path = root.children().find(|node| node.has_tag_name("path")).unwrap().attribute("d").unwrap();
        let scale = 8;
        let pixels_side = side * scale;
        let mut pixels = vec![255u8; pixels_side * pixels_side];
        let mut dark_modules = 0;
        for run in path.split('z').filter(|run| !run.is_empty()) {
            let (position, rest) = run.strip_prefix('M').unwrap().split_once('h').unwrap();
            let (x, y) = position.split_once(',').unwrap();
            let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
            let length: usize = rest.split_once('v').unwrap().0.parse().unwrap();
            assert!(x >= 4 && y >= 4 && x + length <= side - 4 && y < side - 4, "inside the quiet zone");
            dark_modules += length;
            for row in y * scale..(y + 1) * scale {
                pixels[row * pixels_side + x * scale..row * pixels_side + (x + length) * scale].fill(0);
            }
        }
        assert!(dark_modules > 100);
        assert_eq!(decode(pixels_side, pixels_side, &pixels), vec![reference.to_string()]);
    }
}

#[test]
fn markup_in_the_text_stays_text() {
    let svg = qr::svg("<script>&\"'").unwrap();
    let document = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(document.root_element().attribute("aria-label"), Some("QRコード: <script>&\"'"));
    assert!(!svg.contains("<script>"));
}

#[test]
fn text_too_long_for_any_qr_code_is_an_error() {
    let error = qr::svg(&"A".repeat(5000)).unwrap_err();
    assert!(matches!(error, qr::QrError::Encode(_)));
    assert!(qr::png(&"A".repeat(5000)).is_err());
}
