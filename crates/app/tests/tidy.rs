//! Structural rules the compiler cannot check: time comes from `app::clock` alone, and the web
//! crate's router modules do not import each other.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/app sits two levels down").to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `.rs` file under each crate's `src/` (tests and fuzz targets may read the system clock).
fn source_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for krate in std::fs::read_dir(workspace_root().join("crates")).expect("crates/") {
        let src = krate.expect("crate").path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 50, "found only {} source files: wrong root?", files.len());
    files
}

#[test]
fn the_system_clock_is_read_only_in_the_clock_module() {
    let clock_module = workspace_root().join("crates/app/src/clock.rs");
    let forbidden = ["Utc::now()", "Local::now()", "SystemTime::now()"];
    let mut offenders = Vec::new();
    for file in source_files().into_iter().filter(|f| *f != clock_module) {
        let text = std::fs::read_to_string(&file).expect("source file");
        for (number, line) in text.lines().enumerate() {
            if forbidden.iter().any(|needle| line.contains(needle)) && !line.trim_start().starts_with("//") {
                offenders.push(format!("{}:{}: {}", file.display(), number + 1, line.trim()));
            }
        }
    }
    assert!(offenders.is_empty(), "read the time from app::Clock instead:\n{}", offenders.join("\n"));
}

/// The web crate's feature routers (one file each, merged once in `lib.rs`).
const ROUTER_MODULES: [&str; 10] =
    ["agreement", "api", "api_cases", "api_utm", "cases", "devices", "office", "portal", "public", "reports"];

#[test]
fn web_router_modules_do_not_import_each_other() {
    let src = workspace_root().join("crates/web/src");
    let mut offenders = Vec::new();
    for module in ROUTER_MODULES {
        let file = src.join(format!("{module}.rs"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(text.contains("pub fn router()"), "{module} is a router module");
        for other in ROUTER_MODULES.iter().filter(|other| **other != module) {
            for pattern in [format!("crate::{other}::"), format!("crate::{other};"), format!("crate::{{{other}")] {
                if text.contains(&pattern) {
                    offenders.push(format!("{module}.rs uses {pattern}"));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "move what is shared into a leaf module (views, auth, render …):\n{}",
        offenders.join("\n")
    );
}
