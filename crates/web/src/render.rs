//! Turning templates into responses.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::error::PageError;
use crate::i18n::T;

/// Renders a template as an HTML response with `status`.
pub fn html(status: StatusCode, template: &impl Template) -> Result<Response, PageError> {
    let body = template.render()?;
    Ok((status, Html(body)).into_response())
}

/// Adds a `Set-Cookie` header.
pub fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: T,
    message: &'a str,
    signed_in: bool,
    /// A company user's way out (the portal's sign-out).
    sign_out: Option<SignOut>,
    /// A staff user's office menu: the error page keeps the office layout.
    office: Option<crate::menu::Menu>,
    staff_name: String,
    csrf: String,
    /// A refusal (403): the page says what the role can do instead.
    forbidden: bool,
}

/// The sign-out form an error page shows to a signed-in company user.
pub(crate) struct SignOut {
    pub action: &'static str,
    pub home: &'static str,
    pub csrf: String,
    pub name: String,
}

/// Who sees an error page, when signed in.
pub(crate) enum Viewer {
    /// Staff: the office menu of their role, their name and their session's form token.
    Staff {
        menu: crate::menu::Menu,
        name: String,
        csrf: String,
    },
    Company(SignOut),
}

/// The message of a rendered error page in both languages, kept on the response so that
/// [`crate::error::error_pages_in_context`] can render it again for whoever asked: in their
/// language, with the secretariat's contact details, and signed-in people's way out.
#[derive(Clone, Debug)]
pub(crate) struct ErrorMessage {
    pub ja: String,
    pub en: String,
}

/// An error page with its message in Japanese and English (rendered in Japanese here, then again
/// in the asker's language by the middleware).
pub fn error_page(status: StatusCode, ja: &str, en: &str) -> Response {
    let mut response = error_body(status, ja, T::plain(false), None);
    response.extensions_mut().insert(ErrorMessage { ja: ja.to_string(), en: en.to_string() });
    response
}

pub(crate) fn error_body(status: StatusCode, message: &str, t: T, viewer: Option<Viewer>) -> Response {
    // The header's office link is for staff; a company user's way home is the portal's.
    let signed_in = matches!(viewer, Some(Viewer::Staff { .. }));
    let (sign_out, office, staff_name, csrf) = match viewer {
        None => (None, None, String::new(), String::new()),
        Some(Viewer::Company(sign_out)) => (Some(sign_out), None, String::new(), String::new()),
        Some(Viewer::Staff { menu, name, csrf }) => (None, Some(menu), name, csrf),
    };
    let forbidden = status == StatusCode::FORBIDDEN;
    let page = ErrorPage { t, message, signed_in, sign_out, office, staff_name, csrf, forbidden };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, message.to_string()).into_response(),
    }
}

/// An instant as a date-and-time export cell in Tokyo local time (what the pages show).
pub(crate) fn tokyo_cell(at: Option<chrono::DateTime<chrono::Utc>>) -> documents::Cell {
    documents::Cell::from(at.map(|at| at.with_timezone(&chrono_tz::Asia::Tokyo).naive_local()))
}

/// A figure about companies as a spreadsheet cell: a number, or its mark ("<5", "x") as text.
pub(crate) fn figure_cell(cell: domain::disclosure::Cell) -> documents::Cell {
    match cell.count() {
        Some(n) => documents::Cell::from(i64::try_from(n).unwrap_or(i64::MAX)),
        None => documents::Cell::from(cell.label()),
    }
}

/// A table as a download in the asked format (UTF-8 CSV with BOM, Shift_JIS CSV, or xlsx).
pub(crate) fn export(
    table: documents::Table,
    format: &str,
    sheet: &str,
    stem: &str,
    today: chrono::NaiveDate,
) -> Result<Response, PageError> {
    let internal = |e: documents::ExportError| PageError::Internal(e.to_string());
    let mut substituted = 0;
    let (bytes, content_type, suffix) = match format {
        "csv" => (table.to_csv_utf8_bom().map_err(internal)?, "text/csv; charset=utf-8", "-utf8.csv"),
        "csv_sjis" => {
            let csv = table.to_csv_shift_jis().map_err(internal)?;
            substituted = csv.substituted.len();
            (csv.bytes, "text/csv; charset=Shift_JIS", "-sjis.csv")
        }
        "xlsx" => (
            table.to_xlsx(sheet).map_err(internal)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
        ),
        _ => {
            return Err(PageError::bad_request(
                "不明な出力形式です（csv / csv_sjis / xlsx）",
                "Unknown format (csv / csv_sjis / xlsx)",
            ));
        }
    };
    // The file name says its encoding (`…-utf8.csv`, `…-sjis.csv`), so staff pick the right one.
    let disposition = format!("attachment; filename=\"{stem}-{today}{suffix}\"");
    let mut response =
        ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes)
            .into_response();
    // Characters Shift_JIS cannot hold were replaced by 〓 in the file; say how many.
    response.headers_mut().insert("x-kojo-substituted-characters", substituted.into());
    Ok(response)
}
