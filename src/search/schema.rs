//! The fields of a locale's index.

use super::analyzers;
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Handles on every field of an index, looked up by name so an opened index works too.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub url: Field,
    pub locale: Field,
    /// Category key, untokenized: filter with a term query.
    pub category: Field,
    /// Category as a facet (`/key`): counts per category.
    pub category_facet: Field,
    pub category_name: Field,
    /// Title, stemmed, stored (boosted at query time).
    pub title: Field,
    /// Title, folded but unstemmed: prefix matching on the word being typed.
    pub title_folded: Field,
    /// Heading texts, stemmed; stored, one value per section (empty for the intro).
    pub headings: Field,
    /// Description, tags, section and category names, stemmed.
    pub keywords: Field,
    /// Body text, stemmed, with positions for phrases; stored, one value per section.
    pub body: Field,
    pub description: Field,
    /// Heading anchors, stored, one value per section (empty for the intro): with `headings`
    /// and `body`, the sections of an article, for snippets and the link to the best heading.
    pub anchors: Field,
    pub updated: Field,
}

/// Field names, in schema order.
const NAMES: [&str; 14] = [
    "id",
    "url",
    "locale",
    "category",
    "category_facet",
    "category_name",
    "title",
    "title_folded",
    "headings",
    "keywords",
    "body",
    "description",
    "anchors",
    "updated",
];

/// Builds the schema of a locale whose analyzer language is `language`.
pub fn build(language: &str) -> Schema {
    let stemmed = analyzers::stemmed_name(language);
    let text = |tokenizer: &str, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(record),
        )
    };
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let mut b = Schema::builder();
    b.add_text_field("id", STRING | STORED);
    b.add_text_field("url", STORED);
    b.add_text_field("locale", STRING | STORED);
    b.add_text_field("category", STRING | STORED);
    b.add_facet_field("category_facet", FacetOptions::default());
    b.add_text_field("category_name", STORED);
    b.add_text_field("title", text(&stemmed, positions) | STORED);
    b.add_text_field(
        "title_folded",
        text(analyzers::FOLDED, IndexRecordOption::Basic),
    );
    b.add_text_field("headings", text(&stemmed, positions) | STORED);
    b.add_text_field("keywords", text(&stemmed, positions));
    b.add_text_field("body", text(&stemmed, positions) | STORED);
    b.add_text_field("description", STORED);
    b.add_text_field("anchors", STORED);
    b.add_text_field("updated", STORED);
    b.build()
}

impl Fields {
    /// Looks every field up in a schema; fails on an index written by another version.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |i: usize| schema.get_field(NAMES[i]);
        Ok(Fields {
            id: f(0)?,
            url: f(1)?,
            locale: f(2)?,
            category: f(3)?,
            category_facet: f(4)?,
            category_name: f(5)?,
            title: f(6)?,
            title_folded: f(7)?,
            headings: f(8)?,
            keywords: f(9)?,
            body: f(10)?,
            description: f(11)?,
            anchors: f(12)?,
            updated: f(13)?,
        })
    }
}
