//! What a rebuild in writer mode re-renders: the articles of the last good build and the new
//! one paired by file, the pages a change of some source files touches, and the search index
//! entries to update.

use crate::content::Library;
use crate::search::SearchDoc;
use crate::site::Site;
use crate::site::pages::{Selection, group_key};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The articles of two builds paired by source file.
pub(super) struct Matching {
    /// For each article of the new build, its index in the previous one.
    to_prev: Vec<Option<usize>>,
    /// For each article of the previous build, its index in the new one.
    to_next: Vec<Option<usize>>,
}

impl Matching {
    pub(super) fn new(prev: &Library, next: &Library) -> Matching {
        Matching {
            to_prev: next.counterparts(prev),
            to_next: prev.counterparts(next),
        }
    }

    /// The previous build's visible article from the file of article `i` of the new build.
    pub(super) fn prev_visible(&self, prev: &Site, i: usize) -> Option<usize> {
        let j = (*self.to_prev.get(i)?)?;
        prev.urls.contains_key(&j).then_some(j)
    }

    /// The new build's visible article from the file of article `j` of the previous build.
    pub(super) fn next_visible(&self, next: &Site, j: usize) -> Option<usize> {
        let i = (*self.to_next.get(j)?)?;
        next.urls.contains_key(&i).then_some(i)
    }
}

/// What the listings show of an article: when it changes, listings and neighbours change.
fn list_key(site: &Site, i: usize) -> String {
    let a = &site.library.articles[i];
    format!(
        "{:?}",
        (
            (&a.title, &a.id),
            site.urls.get(&i),
            a.front.order,
            &a.front.tags,
            &a.front.description,
            site.rendered.get(&i).map(|r| &r.summary),
            site.history.updated(a),
            (&a.locale, &a.category, &a.section),
            (
                &a.category_label,
                &a.section_label,
                a.front.category.is_some()
            ),
            (&a.front.legacy_slugs, &a.front.aliases, &a.status),
        )
    )
}

/// The pages a change of the `dirty` source files touches.
pub(super) fn plan(prev: &Site, next: &Site, dirty: &BTreeSet<String>, m: &Matching) -> Selection {
    let mut sel = Selection::default();
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    let mut groups: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for (&i, url) in next.urls.iter() {
        let a = &next.library.articles[i];
        let old = m.prev_visible(prev, i);
        let changed = match old {
            None => true,
            Some(j) => {
                dirty.contains(&a.file)
                    || prev.urls[&j] != *url
                    || match (prev.rendered.get(&j), next.rendered.get(&i)) {
                        (Some(x), Some(y)) => !Arc::ptr_eq(x, y) && x.html != y.html,
                        _ => true,
                    }
            }
        };
        if !changed {
            continue;
        }
        sel.articles.insert(i);
        ids.insert(&a.id);
        if let Some(j) = old {
            // The translations it had (its id may have changed) lose or keep it.
            ids.insert(&prev.library.articles[j].id);
        }
        let listed_differently = match old {
            None => true,
            Some(j) => list_key(prev, j) != list_key(next, i),
        };
        if listed_differently {
            sel.listings.insert(a.locale.clone());
            groups.insert(group_key(a));
            if let Some(j) = old {
                let b = &prev.library.articles[j];
                sel.listings.insert(b.locale.clone());
                groups.insert(group_key(b));
            }
        }
    }
    for &j in prev.urls.keys() {
        if m.next_visible(next, j).is_none() {
            let b = &prev.library.articles[j];
            ids.insert(&b.id);
            sel.listings.insert(b.locale.clone());
            groups.insert(group_key(b));
        }
    }
    // Locale switchers of translations.
    for id in ids {
        if let Some(members) = next.groups.get(id) {
            sel.articles.extend(members.iter().copied());
        }
    }
    // "Related articles" of the neighbours.
    if !groups.is_empty() {
        for &i in next.urls.keys() {
            if groups.contains(&group_key(&next.library.articles[i])) {
                sel.articles.insert(i);
            }
        }
    }
    sel
}

/// How the search indexes follow a rebuild.
#[derive(Debug)]
pub(super) enum SearchPlan {
    /// Write every index again (first build, configuration or locales changed).
    Full,
    /// Per locale: ids to remove and documents to add.
    Update(BTreeMap<String, (Vec<String>, Vec<SearchDoc>)>),
}

impl SearchPlan {
    /// The index entries that differ between two builds, among the articles `sel` re-rendered
    /// and those that disappeared.
    pub(super) fn diff(prev: &Site, next: &Site, sel: &Selection, m: &Matching) -> SearchPlan {
        if prev.library.locales != next.library.locales {
            return SearchPlan::Full;
        }
        let mut plan: BTreeMap<String, (Vec<String>, Vec<SearchDoc>)> = BTreeMap::new();
        for &i in &sel.articles {
            let Some(url) = next.urls.get(&i) else {
                continue;
            };
            let a = &next.library.articles[i];
            let doc = next.search_doc(i, url);
            if let Some(j) = m.prev_visible(prev, i) {
                let b = &prev.library.articles[j];
                if prev.search_doc(j, &prev.urls[&j]) == doc {
                    continue;
                }
                plan.entry(b.locale.clone())
                    .or_default()
                    .0
                    .push(b.id.clone());
            }
            let entry = plan.entry(a.locale.clone()).or_default();
            entry.0.push(a.id.clone());
            entry.1.push(doc);
        }
        for &j in prev.urls.keys() {
            let b = &prev.library.articles[j];
            if m.next_visible(next, j).is_none() {
                plan.entry(b.locale.clone())
                    .or_default()
                    .0
                    .push(b.id.clone());
            }
        }
        // Another article of the locale may carry a removed id now: add it back.
        for (locale, (remove, add)) in plan.iter_mut() {
            let added: BTreeSet<String> = add.iter().map(|d| d.id.clone()).collect();
            for id in remove.iter() {
                if added.contains(id) {
                    continue;
                }
                if let Some(members) = next.groups.get(id) {
                    for &i in members {
                        if next.library.articles[i].locale == *locale {
                            add.push(next.search_doc(i, &next.urls[&i]));
                        }
                    }
                }
            }
        }
        SearchPlan::Update(plan)
    }
}
