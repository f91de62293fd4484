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
    let mut diagnostics = 0;
    for message in &messages {
        match message {
            Message::CompilerMessage(m) => {
                diagnostics += 1;
                let d = &m.message;
                assert_eq!(d.level, DiagnosticLevel::Error);
                assert_eq!(d.code.as_ref().unwrap().code, "tenant-setting-not-local");
                let primary = d.spans.iter().find(|s| s.is_primary).unwrap();
                // Relative to the workspace root, where rust-analyzer runs the command.
                assert_eq!(primary.file_name, "src/db.rs");
                assert!(primary.line_start > 1 && primary.column_start > 1);
                assert!(d.children.iter().any(|c| c.level == DiagnosticLevel::Help));
            }
            Message::BuildFinished(f) => assert!(!f.success),
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert_eq!(diagnostics, 1, "{out}");
    assert!(matches!(messages.last(), Some(Message::BuildFinished(_))));
}
