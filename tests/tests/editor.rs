//! `--format cargo-json` is read the way rust-analyzer reads `check.overrideCommand` output:
//! each line deserializes as a `cargo_metadata::Message`, the parser rust-analyzer uses.

use cargo_metadata::diagnostic::DiagnosticLevel;
use cargo_metadata::Message;
use tenantlint_tests::{repo_root, run_cli};

#[test]
fn cargo_json_lines_are_cargo_messages() {
    let (code, out, err) = run_cli(&["--format", "cargo-json", "fixtures/demo"], &repo_root());
    assert_eq!(code, 1, "{err}");
    let messages: Vec<Message> = Message::parse_stream(out.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let (_, json, _) = run_cli(&["--format", "json", "fixtures/demo"], &repo_root());
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let expected = json["diagnostics"].as_array().unwrap();
    let mut diagnostics = 0;
    for message in &messages {
        match message {
            Message::CompilerMessage(m) => {
                let d = &m.message;
                let want = &expected[diagnostics];
                diagnostics += 1;
                let level = match want["severity"].as_str().unwrap() {
                    "error" => DiagnosticLevel::Error,
                    "warning" => DiagnosticLevel::Warning,
                    _ => DiagnosticLevel::Note,
                };
                assert_eq!(d.level, level);
                assert_eq!(
                    d.code.as_ref().unwrap().code,
                    want["rule"].as_str().unwrap()
                );
                let primary = d.spans.iter().find(|s| s.is_primary).unwrap();
                // Relative to the workspace root, where rust-analyzer runs the command.
                assert_eq!(primary.file_name, want["file"].as_str().unwrap());
                assert_eq!(primary.line_start as u64, want["line"].as_u64().unwrap());
                assert_eq!(
                    primary.column_start as u64,
                    want["column"].as_u64().unwrap()
                );
                assert!(d.children.iter().any(|c| c.level == DiagnosticLevel::Help));
            }
            Message::BuildFinished(f) => assert!(!f.success),
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert_eq!(diagnostics, expected.len(), "{out}");
    assert!(matches!(messages.last(), Some(Message::BuildFinished(_))));
}
