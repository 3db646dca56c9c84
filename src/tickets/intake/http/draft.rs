//! Post/redirect/get for the ticket form: a refused form post (field errors, a wrong key, the
//! rate limit, storage down) leaves what the partner typed in a short-lived draft kept in the
//! service's memory, and answers 303 to `GET /tickets/form?draft=ID&locale=L`, which shows the
//! form again with the values and the errors. The address carries a random id only, never what
//! the partner typed; the back button and reload fetch the page again by GET.

use super::TicketsState;
use super::answer::form_page;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Drafts kept at most; the least recently used goes first. Memory stays under this many
/// times `support.limits.max_body_bytes`.
pub const DRAFT_CAPACITY: usize = 512;
/// How long a draft can be shown again (back button, reload).
pub const DRAFT_TTL: Duration = Duration::from_secs(30 * 60);

/// A refused form post: its locale, the values to show again and the localized errors.
#[derive(Clone, Debug)]
pub struct Draft {
    pub locale: String,
    pub values: serde_json::Value,
    pub errors: BTreeMap<String, String>,
}

/// The drafts of refused form posts, by random id, bounded in number and age.
pub struct Drafts {
    cache: Mutex<lru::LruCache<String, (Instant, Draft)>>,
    ttl: Duration,
}

impl Drafts {
    /// An empty store of at most `capacity` drafts, each shown for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Drafts {
        let cap = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Drafts {
            cache: Mutex::new(lru::LruCache::new(cap)),
            ttl,
        }
    }

    /// Keeps `draft` and returns its id: 128 random bits in hex.
    pub fn put(&self, draft: Draft) -> String {
        let id = hex::encode(rand::random::<[u8; 16]>());
        self.lock().put(id.clone(), (Instant::now(), draft));
        id
    }

    /// The draft with this id, unless it expired or was pushed out.
    pub fn get(&self, id: &str) -> Option<Draft> {
        let mut cache = self.lock();
        match cache.get(id) {
            Some((at, d)) if at.elapsed() < self.ttl => Some(d.clone()),
            Some(_) => {
                cache.pop(id);
                None
            }
            None => None,
        }
    }

    /// Forgets a draft (its ticket was stored).
    pub fn remove(&self, id: &str) {
        self.lock().pop(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<String, (Instant, Draft)>> {
        // A panic while holding the lock leaves a consistent cache: keep using it.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for Drafts {
    fn default() -> Drafts {
        Drafts::new(DRAFT_CAPACITY, DRAFT_TTL)
    }
}

/// 303 to the draft page of `draft`, kept in `s`.
pub(super) fn redirect_to_draft(s: &TicketsState, draft: Draft) -> Response {
    let locale = draft.locale.clone();
    let id = s.0.drafts.put(draft);
    let locale = percent_encoding::utf8_percent_encode(&locale, percent_encoding::NON_ALPHANUMERIC);
    see_other(&format!("/tickets/form?draft={id}&locale={locale}"))
}

fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

#[derive(serde::Deserialize)]
pub(super) struct DraftQuery {
    #[serde(default)]
    draft: String,
    #[serde(default)]
    locale: String,
}

/// `GET /tickets/form`: the form again with a draft's values and errors, or a redirect to the
/// locale's empty form when the draft is unknown or expired.
pub(super) async fn draft_page(
    State(s): State<TicketsState>,
    Query(q): Query<DraftQuery>,
) -> Response {
    match s.0.drafts.get(&q.draft) {
        Some(mut d) => {
            // Sent again from this page, the ticket forgets the draft once stored.
            d.values["draft"] = serde_json::json!(q.draft);
            (
                [(header::CACHE_CONTROL, "no-store")],
                form_page(&s, &d.locale, d.values, &d.errors),
            )
                .into_response()
        }
        None => see_other(&crate::site::urls::ticket_url(
            s.0.locale_or_default(&q.locale),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(locale: &str) -> Draft {
        Draft {
            locale: locale.into(),
            values: serde_json::json!({}),
            errors: BTreeMap::new(),
        }
    }

    #[test]
    fn drafts_expire_and_make_room() {
        let d = Drafts::new(2, Duration::from_secs(60));
        let a = d.put(draft("es"));
        let b = d.put(draft("pt"));
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_eq!(d.get(&a).map(|x| x.locale), Some("es".into()));
        let c = d.put(draft("en"));
        assert!(d.get(&b).is_none(), "the least recently used went first");
        assert!(d.get(&a).is_some() && d.get(&c).is_some());
        d.remove(&a);
        assert!(d.get(&a).is_none());
        let gone = Drafts::new(2, Duration::ZERO);
        let id = gone.put(draft("es"));
        assert!(gone.get(&id).is_none(), "expired");
    }
}
