//! Structure-aware input for cost and depth: a few fragments, each repeated or nested up to tens
//! of thousands of times, so that one small input stands for a deep or wide file (brackets,
//! generics, closures, chains, else-if, `format!` and `concat!` that reuse a fragment, joins,
//! `AND` chains, many statements, many handlers). A crash is an abort (stack overflow, out of
//! memory); libFuzzer's `-timeout` and `-rss_limit_mb` report a stall or a blow-up.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Shape {
    /// `open` repeated, the atom, `close` repeated: brackets, blocks, generics, macros.
    Nest { open: Piece, close: Piece },
    /// The atom followed by `link` repeated: operator, method, field, `?`, cast chains.
    Chain { link: Piece },
    /// Bindings that each use the previous one `fan_out` times (exponential if copied).
    Reuse { fan_out: u8, by_concat: bool },
    /// SQL: `JOIN`s, `AND` terms, or statements repeated inside one query string or file.
    Sql { part: SqlPart, in_rust: bool },
    /// Whole handlers repeated: per-file costs (handlers, calls per function, pushes).
    Handlers { body: Piece },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Piece {
    Paren,
    Brace,
    Bracket,
    Vec,
    Angle,
    Closure,
    Amp,
    Minus,
    Plus,
    Method,
    Field,
    Try,
    Cast,
    ElseIf,
    Format,
    PushStr,
    LetElse,
}

impl Piece {
    fn open(self) -> &'static str {
        match self {
            Piece::Paren => "(",
            Piece::Brace => "{ ",
            Piece::Bracket => "[",
            Piece::Vec => "vec![",
            Piece::Angle => "Vec<",
            Piece::Closure => "|x| ",
            Piece::Amp => "&",
            Piece::Minus => "-",
            Piece::Plus => "1 + ",
            Piece::Method => "q.bind(",
            Piece::Field => "(a.b, ",
            Piece::Try => "Some(",
            Piece::Cast => "(x as u8, ",
            Piece::ElseIf => "if a { 1 } else { ",
            Piece::Format => "format!(\"{} AND a = 1\", ",
            Piece::PushStr => "{ s.push_str(\"AND a = 1 \"); ",
            Piece::LetElse => "{ let Some(x) = y else { return }; ",
        }
    }

    fn close(self) -> &'static str {
        match self {
            Piece::Paren | Piece::Method | Piece::Field | Piece::Try | Piece::Cast => ")",
            Piece::Format | Piece::Vec => ")",
            Piece::Brace | Piece::ElseIf | Piece::PushStr | Piece::LetElse => " }",
            Piece::Bracket => "]",
            Piece::Angle => ">",
            Piece::Closure | Piece::Amp | Piece::Minus | Piece::Plus => "",
        }
    }

    fn link(self) -> &'static str {
        match self {
            Piece::Plus => " + 1",
            Piece::Method => ".bind(tenant_id)",
            Piece::Field => ".b",
            Piece::Try => "?",
            Piece::Cast => " as u8",
            Piece::ElseIf => " else if a {}",
            Piece::PushStr => "; s.push_str(\" AND a = 1\")",
            Piece::Format => "; let s = format!(\"{s} AND a = 1\")",
            Piece::LetElse => "; let Some(x) = y else { return }",
            other => other.open(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum SqlPart {
    Join,
    And,
    Statement,
    Nested,
    Union,
}

#[derive(Arbitrary, Debug)]
struct Input {
    shape: Shape,
    /// Repetitions: scaled so that a byte or two reaches tens of thousands.
    count: u16,
}

const HANDLER: &str = "fn h(pool: &sqlx::PgPool, q: Q, s: &mut String, tenant_id: i64) {\n";

fn build(input: &Input) -> Vec<(&'static str, String)> {
    let n = input.count as usize;
    let rust = |body: String| vec![("src/deep.rs", format!("{HANDLER}    let v = {body};\n}}\n"))];
    match &input.shape {
        Shape::Nest { open, close } => rust(format!(
            "{}x{}",
            open.open().repeat(n),
            close.close().repeat(n)
        )),
        Shape::Chain { link } => rust(format!("x{}", link.link().repeat(n))),
        Shape::Reuse { fan_out, by_concat } => {
            let levels = (n % 12) + 1;
            let fan = (*fan_out as usize % 16) + 2;
            let mut text = String::from("const Q0: &str = \"SELECT * FROM documents WHERE id = $1 \";\n");
            let mut body = String::from(HANDLER);
            for i in 1..=levels {
                let p = i - 1;
                if *by_concat {
                    let args = vec![format!("Q{p}"); fan].join(", ");
                    text.push_str(&format!("const Q{i}: &str = concat!({args});\n"));
                } else {
                    let from = if i == 1 { "Q0".to_string() } else { format!("q{p}") };
                    body.push_str(&format!("    let q{i} = format!(\"{}\");\n", format!("{{{from}}}").repeat(fan)));
                }
            }
            let last = if *by_concat { format!("Q{levels}") } else { format!("&q{levels}") };
            body.push_str(&format!("    sqlx::query({last}).execute(pool);\n}}\n"));
            vec![("src/deep.rs", text + &body)]
        }
        Shape::Sql { part, in_rust } => {
            let sql = match part {
                SqlPart::Join => format!(
                    "SELECT * FROM documents d0 {}",
                    (1..=n).map(|i| format!("JOIN documents d{i} ON d{i}.id = d{}.id ", i - 1)).collect::<String>()
                ),
                SqlPart::And => format!("SELECT * FROM documents WHERE {}", vec!["tenant_id = $1"; n.max(1)].join(" AND ")),
                SqlPart::Statement => "SELECT * FROM documents WHERE tenant_id = $1;\n".repeat(n),
                SqlPart::Nested => format!("SELECT {}1{}", "(".repeat(n), ")".repeat(n)),
                SqlPart::Union => vec!["SELECT id FROM documents"; n.max(1)].join(" UNION "),
            };
            if *in_rust {
                rust(format!("sqlx::query(r#\"{sql}\"#).execute(pool)"))
            } else {
                vec![("migrations/0002_deep.sql", sql)]
            }
        }
        Shape::Handlers { body } => {
            let one = format!(
                "{HANDLER}    sqlx::query(\"SELECT * FROM documents WHERE id = $1\").execute(pool);\n    {}x{};\n}}\n",
                body.open(),
                body.close()
            );
            vec![("src/deep.rs", one.repeat(n / 8 + 1))]
        }
    }
}

fuzz_target!(|input: Input| {
    let mut files = vec![("migrations/0001_init.sql", tenantlint_fuzz::MIGRATION.to_owned())];
    files.extend(build(&input));
    tenantlint_fuzz::lint(files);
});
