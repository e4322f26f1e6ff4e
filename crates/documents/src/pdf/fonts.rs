//! Font discovery: which faces exist on this machine, and which of them sets Japanese text.
//!
//! Reading every font file takes a while (the Noto CJK collections alone are some 100 MB), so a
//! [`Fonts`] is built once at start and shared; each face's data is loaded only when a document
//! first uses it.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use typst::foundations::{Bytes, Dict, Str, Value};
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};

use super::PdfError;

/// Families tried in order for Japanese text. BIZ UD ゴシック is the universal-design face
/// common in public documents; the proportional variant (UDP) sets running text more evenly.
const PREFERRED_JAPANESE_FAMILIES: &[&str] = &["BIZ UDPGothic", "BIZ UDGothic", "Noto Sans CJK JP", "IPAexGothic"];

/// Characters a face must cover to count as Japanese: hiragana, kanji, katakana.
const JAPANESE_PROBE: &[char] = &['あ', '漢', 'ア'];

const FONT_EXTENSIONS: &[&str] = &["ttf", "otf", "ttc", "otc"];

/// Directory depth below a font folder that discovery descends to; guards against symlink loops.
const MAX_DEPTH: usize = 8;

/// The fonts available to documents, with the Japanese family chosen for them.
///
/// Construction fails with [`PdfError::NoJapaneseFont`] when no face covers Japanese, so a
/// `Fonts` value always has one.
pub struct Fonts {
    /// The standard library with `sys.inputs.font` set to the Japanese family; built once here
    /// because preparing it costs more than a small document's layout.
    pub(super) library: LazyHash<Library>,
    pub(super) book: LazyHash<FontBook>,
    slots: Vec<FontSlot>,
    japanese_family: String,
}

struct FontSlot {
    path: PathBuf,
    index: u32,
    font: OnceLock<Option<Font>>,
}

impl Fonts {
    /// Searches the system font folders and `extra_dirs` (e.g. the folder configured as
    /// `KOJO_FONT_DIR`). A Japanese face in `extra_dirs` wins over the system's: whoever
    /// configured the folder meant it to be used. A missing or unreadable extra folder is an
    /// error for the same reason.
    pub fn discover(extra_dirs: &[PathBuf]) -> Result<Fonts, PdfError> {
        let mut scan = Scan::default();
        for dir in system_font_dirs() {
            if dir.is_dir() {
                scan.walk(&dir, 0);
            }
        }
        scan.configured_from = scan.infos.len();
        scan.extra_dirs(extra_dirs)?;
        Fonts::from_scan(scan)
    }

    /// Searches only `dirs`, ignoring the system font folders.
    pub fn from_dirs_only(dirs: &[PathBuf]) -> Result<Fonts, PdfError> {
        let mut scan = Scan::default();
        scan.extra_dirs(dirs)?;
        Fonts::from_scan(scan)
    }

    /// Whether a face covers Japanese text. Always true for a constructed `Fonts`; kept so
    /// callers can state the requirement where they rely on it.
    pub fn has_japanese(&self) -> bool {
        (0..self.slots.len()).filter_map(|index| self.book.info(index)).any(covers_japanese)
    }

    /// The family name Japanese text is set in, e.g. `BIZ UDPGothic`.
    pub fn japanese_family(&self) -> &str {
        &self.japanese_family
    }

    /// Number of faces found.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub(super) fn font(&self, index: usize) -> Option<Font> {
        let slot = self.slots.get(index)?;
        slot.font
            .get_or_init(|| {
                let data = fs::read(&slot.path).ok()?;
                Font::new(Bytes::new(data), slot.index)
            })
            .clone()
    }

    fn from_scan(scan: Scan) -> Result<Fonts, PdfError> {
        let japanese_family = choose_japanese_family(&scan.infos[scan.configured_from..])
            .or_else(|| choose_japanese_family(&scan.infos))
            .ok_or(PdfError::NoJapaneseFont)?;
        let book = FontBook::from_infos(scan.infos);
        let inputs: Dict = [(Str::from("font"), Value::Str(Str::from(japanese_family.as_str())))].into_iter().collect();
        let library = Library::builder().with_inputs(inputs).build();
        Ok(Fonts { library: LazyHash::new(library), book: LazyHash::new(book), slots: scan.slots, japanese_family })
    }
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("faces", &self.slots.len())
            .field("japanese_family", &self.japanese_family)
            .finish()
    }
}

#[derive(Default)]
struct Scan {
    slots: Vec<FontSlot>,
    infos: Vec<FontInfo>,
    /// Index of the first face found in a configured (not system) folder.
    configured_from: usize,
}

impl Scan {
    fn extra_dirs(&mut self, dirs: &[PathBuf]) -> Result<(), PdfError> {
        for dir in dirs {
            if let Err(source) = fs::read_dir(dir) {
                return Err(PdfError::FontDir { path: dir.clone(), source });
            }
            self.walk(dir, 0);
        }
        Ok(())
    }

    fn walk(&mut self, dir: &Path, depth: usize) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        let mut paths: Vec<PathBuf> = entries.filter_map(|entry| Some(entry.ok()?.path())).collect();
        // Sorted so that the font book, and with it the chosen face, is the same on every run.
        paths.sort();
        for path in paths {
            let Ok(metadata) = fs::metadata(&path) else { continue };
            if metadata.is_dir() {
                if depth < MAX_DEPTH {
                    self.walk(&path, depth + 1);
                }
            } else if is_font_file(&path) {
                self.add_file(path);
            }
        }
    }

    fn add_file(&mut self, path: PathBuf) {
        let Ok(data) = fs::read(&path) else { return };
        // Parsed once for its metadata and dropped; the data is read again when a document uses
        // the face, so unused faces hold no memory.
        for font in Font::iter(Bytes::new(data)) {
            self.slots.push(FontSlot { path: path.clone(), index: font.index(), font: OnceLock::new() });
            self.infos.push(font.info().clone());
        }
    }
}

fn is_font_file(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| FONT_EXTENSIONS.iter().any(|known| known.eq_ignore_ascii_case(ext)))
}

fn covers_japanese(info: &FontInfo) -> bool {
    JAPANESE_PROBE.iter().all(|&c| info.coverage.contains(c as u32))
}

fn choose_japanese_family(infos: &[FontInfo]) -> Option<String> {
    let japanese: Vec<&FontInfo> = infos.iter().filter(|info| covers_japanese(info)).collect();
    PREFERRED_JAPANESE_FAMILIES
        .iter()
        .find_map(|wanted| {
            japanese.iter().find(|info| info.family.eq_ignore_ascii_case(wanted)).map(|info| info.family.clone())
        })
        .or_else(|| japanese.first().map(|info| info.family.clone()))
}

fn system_font_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> =
        ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "/System/Library/Fonts"]
            .iter()
            .map(PathBuf::from)
            .collect();
    if let Some(windir) = std::env::var_os("WINDIR") {
        dirs.push(Path::new(&windir).join("Fonts"));
    }
    if let Some(data_home) = std::env::var_os("XDG_DATA_HOME") {
        dirs.push(Path::new(&data_home).join("fonts"));
    } else if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".local/share/fonts"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".fonts"));
        dirs.push(Path::new(&home).join("Library/Fonts"));
    }
    dirs
}
