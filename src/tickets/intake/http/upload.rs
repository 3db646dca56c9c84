//! `multipart/form-data` posts of the ticket form (the form with files): the text fields as a
//! form-urlencoded post would carry them, and the files of the `attachments` field.
//!
//! The whole stream is bounded (the text fields by `support.limits.max_body_bytes`, the files
//! by twice `support.attachments.max_total_bytes`) and must arrive within the body timeout;
//! within that bound a file over the per-file limit is read to its end but not kept, so the
//! partner gets a field error with every other one rather than a bare 413.

use crate::tickets::attachments::Upload;
use crate::tickets::config::SupportConfig;
use crate::tickets::guard::{self, InputError};
use crate::tickets::validate::TicketInput;
use axum::extract::Request;
use std::time::Duration;

/// The form field of the files.
pub(super) const FILES_FIELD: &str = "attachments";

/// Reads a multipart post of the ticket form.
pub(super) async fn read(
    req: Request,
    config: &SupportConfig,
    timeout: Duration,
) -> Result<(TicketInput, Vec<Upload>), InputError> {
    let text_limit = config.limits.max_body_bytes;
    let a = &config.attachments;
    // Part headers and boundaries come on top of the content: a little room per part.
    let stream_limit = text_limit + 2 * a.max_total_bytes + 64 * 1024;
    let declared = req
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > stream_limit) {
        return Err(InputError::TooLarge);
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(content_type) else {
        return Err(InputError::Answer(bad_multipart(
            "no boundary in Content-Type",
        )));
    };
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(stream_limit as u64));
    let stream = req.into_body().into_data_stream();
    let mut parts = multer::Multipart::with_constraints(stream, boundary, constraints);
    let work = async {
        let mut input = TicketInput::default();
        let mut uploads = Vec::new();
        let mut text = 0usize;
        while let Some(mut part) = parts.next_field().await? {
            let name = part.name().unwrap_or_default().to_string();
            if name == FILES_FIELD {
                let file_name = part.file_name().unwrap_or_default().to_string();
                let mut bytes = Vec::new();
                let mut size = 0usize;
                while let Some(chunk) = part.chunk().await? {
                    size += chunk.len();
                    // Past the per-file limit the rest is read (bounded by the stream) but not kept.
                    if size <= a.max_file_bytes {
                        bytes.extend_from_slice(&chunk);
                    } else {
                        bytes = Vec::new();
                    }
                }
                uploads.push(Upload {
                    name: file_name,
                    size,
                    bytes: bytes.into(),
                });
                continue;
            }
            // Text fields are counted as they arrive: past the limit nothing more is kept.
            text += name.len();
            let mut value = Vec::new();
            while let Some(chunk) = part.chunk().await? {
                text += chunk.len();
                if text > text_limit {
                    return Ok(None);
                }
                value.extend_from_slice(&chunk);
            }
            input.set(&name, String::from_utf8_lossy(&value).into_owned());
        }
        Ok::<_, multer::Error>(Some((input, uploads)))
    };
    match tokio::time::timeout(timeout, work).await {
        Err(_) => Err(InputError::Answer(guard::body_timeout())),
        Ok(Ok(Some(read))) => Ok(read),
        Ok(Ok(None)) => Err(InputError::TooLarge),
        Ok(Err(
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. },
        )) => Err(InputError::TooLarge),
        Ok(Err(multer::Error::StreamReadFailed(e))) if guard::is_timeout(e.as_ref()) => {
            Err(InputError::Answer(guard::body_timeout()))
        }
        Ok(Err(e)) => Err(InputError::Answer(bad_multipart(&e.to_string()))),
    }
}

/// 400: a multipart body that does not parse.
fn bad_multipart(why: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({"error": format!("invalid multipart form: {why}"), "code": "bad_multipart"})),
    )
        .into_response()
}
