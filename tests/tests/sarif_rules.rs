//! Every rule carries what GitHub code scanning needs in SARIF `rules[]`: a CWE for catalog
//! rules, a CodeQL precision, a security severity in range, and descriptions GitHub accepts.

use lint_core::engine::all_metas;
use lint_core::rule::Category;
use tenantlint_tests::{repo_root, run_cli};

#[test]
fn rule_metadata_fits_code_scanning() {
    for m in all_metas(tenantlint_rules::ALL) {
        let id = m.id;
        assert!(
            ["very-high", "high", "medium", "low"].contains(&m.precision()),
            "{id}: precision"
        );
        let severity: f64 = m.security_severity().parse().expect("a number");
        assert!((0.1..=10.0).contains(&severity), "{id}: security severity");
        if matches!(m.category, Category::Isolation | Category::Hardening) {
            assert!(m.cwe.is_some(), "{id}: declare its `cwe:` in declare_rule!");
        }
    }
}

#[test]
fn sarif_rules_have_the_fields_github_requires() {
    let (_, out, err) = run_cli(&["--format", "sarif", "fixtures/demo"], &repo_root());
    let sarif: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}{err}"));
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), all_metas(tenantlint_rules::ALL).len());
    for rule in rules {
        for field in [
            "/shortDescription/text",
            "/fullDescription/text",
            "/help/text",
            "/name",
        ] {
            let text = rule.pointer(field).and_then(|v| v.as_str()).unwrap_or("");
            assert!(
                !text.is_empty() && (field == "/help/text" || text.chars().count() <= 1024),
                "{}: {field}",
                rule["id"]
            );
        }
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert!(tags.iter().any(|t| t == "security"), "{}", rule["id"]);
    }
    let result = &sarif["runs"][0]["results"][0];
    let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    let prefix = lint_core::render::repo_prefix(&repo_root().join("fixtures/demo"));
    assert!(
        uri.starts_with(&prefix)
            && repo_root()
                .join("fixtures/demo")
                .join(&uri[prefix.len()..])
                .is_file(),
        "paths are relative to the repository root (fixtures/demo/ in a git checkout): {uri}"
    );
    let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[rule_index]["id"], result["ruleId"]);
}
