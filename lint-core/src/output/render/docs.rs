//! A rule's documentation page: what `explain` prints and `docs/rules/<id>.md` holds.

use crate::rule::RuleMeta;

pub fn rule_page(meta: &RuleMeta) -> String {
    let mut page = format!(
        "# {}\n\n{}.\n\n- Default level: `{}` (category: {})\n- From the OWASP Multi-Tenant Security cheat sheet: {}\n",
        meta.id,
        capitalize(meta.summary),
        meta.default_level().as_str(),
        meta.category.as_str(),
        meta.cheat_sheet,
    );
    if !meta.options.is_empty() {
        page += &format!(
            "- Options (in `[rules.{}]`): {}\n",
            meta.id,
            meta.options
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    page += "\n";
    page += &meta.doc_markdown();
    page
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
