//! Navigation within a section: the list of its articles beside each article, and the
//! previous and next article in the section's order (`order`, then title).

use super::Site;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// At most this many articles are listed beside an article: a window around the current one,
/// so that a section of thousands of articles costs each page the same as a small one.
pub const SECTION_NAV_LIMIT: usize = 40;

/// A link to an article of the section.
#[derive(Debug, Clone, Serialize)]
struct NavLink {
    title: String,
    url: String,
}

/// The sections' article lists, built once per build from the groups in listing order.
#[derive(Debug, Default)]
pub struct SectionIndex {
    /// The articles of each group, in listing order.
    lists: Vec<Vec<NavLink>>,
    /// Article index → (list, position in it).
    place: HashMap<usize, (usize, usize)>,
}

impl SectionIndex {
    /// Indexes `groups` (members already in listing order).
    pub fn new<K>(site: &Site, groups: &BTreeMap<K, Vec<usize>>) -> SectionIndex {
        let mut index = SectionIndex::default();
        for members in groups.values() {
            let n = index.lists.len();
            let mut list = Vec::with_capacity(members.len());
            for (pos, &i) in members.iter().enumerate() {
                index.place.insert(i, (n, pos));
                list.push(NavLink {
                    title: site.library.articles[i]
                        .front
                        .short_title
                        .clone()
                        .unwrap_or_else(|| site.library.articles[i].title.clone()),
                    url: site.urls[&i].clone(),
                });
            }
            index.lists.push(list);
        }
        index
    }

    /// The `section_nav` value of article `i` (see docs/templates.md), or null when it is
    /// alone in its section.
    pub fn for_article(&self, i: usize) -> Value {
        let Some(&(n, pos)) = self.place.get(&i) else {
            return Value::Null;
        };
        let list = &self.lists[n];
        if list.len() < 2 {
            return Value::Null;
        }
        let start = pos
            .saturating_sub(SECTION_NAV_LIMIT / 2)
            .min(list.len().saturating_sub(SECTION_NAV_LIMIT));
        let end = (start + SECTION_NAV_LIMIT).min(list.len());
        let link = |p: usize| json!(list[p]);
        json!({
            "articles": (start..end).map(|p| {
                json!({"title": list[p].title, "url": list[p].url, "current": p == pos})
            }).collect::<Vec<_>>(),
            "total": list.len(),
            "truncated": end - start < list.len(),
            "prev": if pos > 0 { link(pos - 1) } else { Value::Null },
            "next": if pos + 1 < list.len() { link(pos + 1) } else { Value::Null },
        })
    }
}
