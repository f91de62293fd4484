//! `docs/rules/` is generated from the rules' own declarations; this test fails when it is
//! stale. Regenerate with `TENANTLINT_BLESS=1 cargo test -p tenantlint-tests --test docs`.
//! It also holds every rule to the declaration conventions.

use lint_core::engine::all_metas;
use lint_core::render::docs::rule_page;
use tenantlint_tests::repo_root;

fn index() -> String {
    let mut page = String::from(
        "# Rules\n\nGenerated from the rule declarations; `cargo tenantlint rules` prints the same list.\n\n\
         | rule | default level | category | summary |\n|---|---|---|---|\n",
    );
    for m in all_metas(tenantlint_rules::ALL) {
        page += &format!(
            "| [`{}`]({}.md) | `{}` | {} | {} |\n",
            m.id,
            m.id,
            m.default_level().as_str(),
            m.category.as_str(),
            m.summary
        );
    }
    page
}

#[test]
fn rule_docs_are_up_to_date() {
    let dir = repo_root().join("docs/rules");
    let bless = std::env::var_os("TENANTLINT_BLESS").is_some();
    let mut pages: Vec<(String, String)> = all_metas(tenantlint_rules::ALL)
        .into_iter()
        .map(|m| (format!("{}.md", m.id), rule_page(m)))
        .collect();
    pages.push(("README.md".into(), index()));
    let mut stale = Vec::new();
    for (name, content) in &pages {
        let path = dir.join(name);
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, content).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(content.as_str()) {
            stale.push(name.clone());
        }
    }
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if !pages.iter().any(|(n, _)| *n == name) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is stale: {stale:?}; run TENANTLINT_BLESS=1 cargo test -p tenantlint-tests --test docs"
    );
}

#[test]
fn rules_follow_the_declaration_conventions() {
    for m in all_metas(tenantlint_rules::ALL) {
        let id = m.id;
        assert!(
            id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{id}: ids are kebab-case"
        );
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(m.doc.contains(heading), "{id}: doc lacks `{heading}`");
        }
        assert!(
            !m.summary.ends_with('.') && m.summary.chars().next().is_some_and(|c| c.is_lowercase()),
            "{id}: summaries start lower-case and end without a period"
        );
    }
    for rule in tenantlint_rules::ALL {
        let id = rule.meta().id;
        let file = format!("{}.rs", id.replace('-', "_"));
        let found = walkdir::WalkDir::new(repo_root().join("rules/src"))
            .into_iter()
            .flatten()
            .any(|e| e.file_name().to_string_lossy() == file);
        assert!(
            found,
            "{id}: expected its own file rules/src/<group>/{file}"
        );
        assert!(
            repo_root().join("fixtures").join(id).is_dir(),
            "{id}: expected fixtures in fixtures/{id}/"
        );
    }
}
