//! `GET /tickets/attachment?ticket=REF&file=F&exp=…&sig=…`: a file of a ticket, from the
//! signed link of a delivery. Served as a download (`Content-Disposition: attachment`) with
//! the content type its content was checked as, `nosniff` and a sandboxing
//! Content-Security-Policy, so a file never runs as a page of the help center.

use super::TicketsState;
use crate::tickets::attachments::path_of;
use crate::tickets::escalation::links::{AttachmentLink, LinkError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;

pub(super) async fn download(
    State(s): State<TicketsState>,
    q: Result<Query<AttachmentLink>, QueryRejection>,
) -> Response {
    let link = q.map(|Query(q)| q).unwrap_or_default();
    let inner = s.inner();
    match link.verify(&inner.links, Timestamp::now()) {
        Ok(()) => {}
        Err(LinkError::Tampered) => return plain(StatusCode::FORBIDDEN, "this link is not valid"),
        Err(LinkError::Expired) => return plain(StatusCode::GONE, "this link has expired"),
    }
    let not_found = || plain(StatusCode::NOT_FOUND, "no such attachment");
    let Some(path) = path_of(&inner.data_dir, &link.ticket, &link.file) else {
        return not_found();
    };
    // Only a file the ticket records is served, with what was recorded of it.
    let attachment = match inner.store.get(link.ticket.clone()).await {
        Ok(Some(v)) => v
            .ticket
            .attachments
            .into_iter()
            .find(|a| a.file == link.file),
        Ok(None) => None,
        Err(e) => {
            tracing::error!("attachment: {e}");
            return plain(StatusCode::SERVICE_UNAVAILABLE, "try again in a moment");
        }
    };
    let Some(a) = attachment else {
        return not_found();
    };
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(ticket = %link.ticket, "attachment {}: {e}", path.display());
            return not_found();
        }
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    let content_type = HeaderValue::from_str(&a.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    h.insert(header::CONTENT_TYPE, content_type);
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&a.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    r
}

/// `attachment; filename="captura_1.png"; filename*=UTF-8''captura%201.png`: an ASCII name
/// for old clients and the UTF-8 one (RFC 6266), nothing that could end the header.
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let utf8 = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{utf8}")
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = (status, text).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_download_name_cannot_break_the_header() {
        let h = super::content_disposition("informe \"final\";\r\nX: y ñ.pdf");
        assert_eq!(
            h,
            "attachment; filename=\"informe__final____X__y__.pdf\"; filename*=UTF-8''informe%20%22final%22%3B%0D%0AX%3A%20y%20%C3%B1%2Epdf"
        );
    }
}
