//! The typst `World` of one render: a virtual file system of the template, its data and assets.

use std::collections::HashMap;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World, WorldExt};

use super::{Asset, Diagnostic, Fonts, PdfError};

pub(super) struct DocumentWorld<'a> {
    fonts: &'a Fonts,
    main: FileId,
    sources: HashMap<FileId, Source>,
    files: HashMap<FileId, Bytes>,
}

impl<'a> DocumentWorld<'a> {
    pub(super) fn new(
        fonts: &'a Fonts,
        file_name: &'static str,
        template_source: &'static str,
        common_source: &'static str,
        data: &serde_json::Value,
        assets: &[Asset<'_>],
    ) -> Result<DocumentWorld<'a>, PdfError> {
        let main = file_id(file_name).expect("template names are valid paths");
        let common = file_id("common.typ").expect("a valid path");
        let mut sources = HashMap::new();
        sources.insert(main, Source::new(main, template_source.to_owned()));
        sources.insert(common, Source::new(common, common_source.to_owned()));

        let mut files = HashMap::new();
        files.insert(file_id("data.json").expect("a valid path"), Bytes::new(serde_json::to_vec(data)?));
        for asset in assets {
            let id = asset_id(asset.name).ok_or_else(|| PdfError::InvalidAssetName(asset.name.to_owned()))?;
            if sources.contains_key(&id) || files.contains_key(&id) {
                return Err(PdfError::InvalidAssetName(asset.name.to_owned()));
            }
            files.insert(id, Bytes::new(asset.bytes.to_vec()));
        }
        Ok(DocumentWorld { fonts, main, sources, files })
    }

    pub(super) fn diagnostic(&self, diagnostic: &SourceDiagnostic) -> Diagnostic {
        let place = diagnostic.span.id().zip(self.range(diagnostic.span)).and_then(|(id, range)| {
            let source = self.sources.get(&id)?;
            let line = source.lines().byte_to_line(range.start)? + 1;
            let snippet = source.text().get(range)?;
            let file = id.get().vpath().get_without_slash().to_owned();
            Some((format!("{file}:{line}"), shorten(snippet)))
        });
        let (location, snippet) = place.unzip();
        Diagnostic {
            message: diagnostic.message.to_string(),
            location,
            snippet,
            hints: diagnostic.hints.iter().map(|hint| hint.v.to_string()).collect(),
        }
    }
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.fonts.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        match self.sources.get(&id) {
            Some(source) => Ok(source.clone()),
            None if self.files.contains_key(&id) => Err(FileError::NotSource),
            None => Err(not_found(id)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(bytes) = self.files.get(&id) {
            return Ok(bytes.clone());
        }
        match self.sources.get(&id) {
            Some(source) => Ok(Bytes::from_string(source.clone())),
            None => Err(not_found(id)),
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    /// No clock: documents carry their date in the data, so a re-render gives the same PDF.
    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}

fn file_id(name: &str) -> Option<FileId> {
    let path = VirtualPath::new(format!("/{name}")).ok()?;
    Some(FileId::new(RootedPath::new(VirtualRoot::Project, path)))
}

/// Asset names are plain file names: no folders, nothing a template could confuse with code.
fn asset_id(name: &str) -> Option<FileId> {
    let name = name.strip_prefix('/').unwrap_or(name);
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain { file_id(name) } else { None }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_with_slash().into())
}

fn shorten(snippet: &str) -> String {
    const MAX_CHARS: usize = 80;
    let single_line = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
    if single_line.chars().count() > MAX_CHARS {
        single_line.chars().take(MAX_CHARS).chain(['…']).collect()
    } else {
        single_line
    }
}
