//! Structured input: Rust-like handlers built from a grammar that mixes SQL macros and calls,
//! `format!`, caches, logging, nested blocks and closures, with names from the tenant
//! vocabulary, so the rules' deeper paths are reached more often than from raw bytes.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use std::fmt::{self, Display, Formatter};

const NAMES: &[&str] = &[
    "tenant_id",
    "org_id",
    "id",
    "user_id",
    "pool",
    "conn",
    "tx",
    "client",
    "redis",
    "cache",
    "key",
    "session",
    "token",
    "password",
    "bucket",
    "body",
    "headers",
    "state",
    "claims",
    "sql",
    "query",
    "doc",
    "self",
    "TENANT",
    "x",
];
const FUNCTIONS: &[&str] = &[
    "sqlx::query",
    "sqlx::query_as::<_, Doc>",
    "sqlx::query_scalar",
    "query",
    "diesel::sql_query",
    "Statement::from_string",
    "Uuid::new_v4",
    "rand::random",
    "Path",
    "Json",
    "Extension",
    "Some",
    "Ok",
    "format_args",
    "escape",
    "redis::cmd",
    "Key::from",
];
const METHODS: &[&str] = &[
    "execute",
    "fetch_one",
    "fetch_all",
    "bind",
    "query",
    "query_one",
    "batch_execute",
    "get",
    "set",
    "insert",
    "put_object",
    "get_object",
    "key",
    "push_str",
    "to_string",
    "await_ok",
    "header",
    "extract",
    "filter",
    "eq",
    "clone",
    "unwrap",
    "as_str",
    "push",
    "push_bind",
];
const MACROS: &[&str] = &[
    "sqlx::query",
    "sqlx::query_as",
    "sqlx::query_scalar",
    "query_file",
    "sqlx::query_file_as",
    "tracing::info",
    "info",
    "println",
    "concat",
    "include_str",
    "vec",
    "debug",
    "error",
];
const SQL: &[&str] = &[
    "SELECT",
    "*",
    "FROM",
    "documents",
    "invitations",
    "plans",
    "tenants",
    "WHERE",
    "tenant_id",
    "=",
    "$1",
    "$2",
    "?",
    "AND",
    "OR",
    "id",
    "title",
    "INSERT INTO",
    "VALUES",
    "(",
    ")",
    ",",
    "UPDATE",
    "SET",
    "DELETE",
    "JOIN",
    "ON",
    "d.tenant_id",
    "LOCAL",
    "app.tenant_id",
    "'a'",
    "set_config",
    "current_setting",
    "{}",
    "{tenant_id}",
    "{{",
    "}}",
    ";",
    "WITH",
    "AS",
    "RETURNING",
    "UNION",
    "LIMIT",
    "IN",
    "EXISTS",
    "\\\"",
    "\\n",
    "--",
    "/*",
    "*/",
    "é",
];

#[derive(Arbitrary, Debug)]
struct Pick(u8);

impl Pick {
    fn of(&self, list: &'static [&'static str]) -> &'static str {
        list[self.0 as usize % list.len()]
    }
}

#[derive(Arbitrary, Debug)]
struct Sql(Vec<Pick>);

impl Display for Sql {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|p| p.of(SQL)).collect();
        write!(f, "\"{}\"", words.join(" "))
    }
}

#[derive(Arbitrary, Debug)]
enum Expr {
    Name(Pick),
    Str(Sql),
    Int(u16),
    Call(Pick, Vec<Expr>),
    Method(Box<Expr>, Pick, Vec<Expr>),
    Macro(Pick, Vec<Expr>),
    Format(Sql, Vec<Expr>),
    Field(Box<Expr>, Pick),
    NamedArg(Pick, Box<Expr>),
    Block(Vec<Stmt>, Option<Box<Expr>>),
    If(Box<Expr>, Vec<Stmt>, Vec<Stmt>),
    Closure(Pick, Box<Expr>),
    Await(Box<Expr>),
    Try(Box<Expr>),
    Ref(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Array(Vec<Expr>),
}

fn list(f: &mut Formatter, items: &[impl Display]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        match self {
            Expr::Name(n) => write!(f, "{}", n.of(NAMES)),
            Expr::Str(s) => write!(f, "{s}"),
            Expr::Int(i) => write!(f, "{i}"),
            Expr::Call(p, args) => {
                write!(f, "{}(", p.of(FUNCTIONS))?;
                list(f, args)?;
                write!(f, ")")
            }
            Expr::Method(recv, m, args) => {
                write!(f, "{recv}.{}(", m.of(METHODS))?;
                list(f, args)?;
                write!(f, ")")
            }
            Expr::Macro(m, args) => {
                write!(f, "{}!(", m.of(MACROS))?;
                list(f, args)?;
                write!(f, ")")
            }
            Expr::Format(s, args) => {
                write!(f, "format!({s}")?;
                for a in args {
                    write!(f, ", {a}")?;
                }
                write!(f, ")")
            }
            Expr::Field(e, n) => write!(f, "{e}.{}", n.of(NAMES)),
            Expr::NamedArg(n, e) => write!(f, "{} = %{e}", n.of(NAMES)),
            Expr::Block(stmts, tail) => {
                write!(f, "{{ ")?;
                for s in stmts {
                    write!(f, "{s} ")?;
                }
                if let Some(t) = tail {
                    write!(f, "{t} ")?;
                }
                write!(f, "}}")
            }
            Expr::If(c, a, b) => {
                write!(f, "if {c} {{ ")?;
                for s in a {
                    write!(f, "{s} ")?;
                }
                write!(f, "}} else {{ ")?;
                for s in b {
                    write!(f, "{s} ")?;
                }
                write!(f, "}}")
            }
            Expr::Closure(p, e) => write!(f, "|{}| {e}", p.of(NAMES)),
            Expr::Await(e) => write!(f, "{e}.await"),
            Expr::Try(e) => write!(f, "{e}?"),
            Expr::Ref(e) => write!(f, "&{e}"),
            Expr::Add(a, b) => write!(f, "{a} + {b}"),
            Expr::Array(items) => {
                write!(f, "[")?;
                list(f, items)?;
                write!(f, "]")
            }
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Stmt {
    Let(Pick, Expr),
    Expr(Expr),
    Const(Pick, Sql),
    Comment(Pick),
}

impl Display for Stmt {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        match self {
            Stmt::Let(n, e) => write!(f, "let {} = {e};", n.of(NAMES)),
            Stmt::Expr(e) => write!(f, "{e};"),
            Stmt::Const(n, s) => write!(f, "const {}: &str = {s};", n.of(NAMES).to_uppercase()),
            Stmt::Comment(n) => write!(
                f,
                "\n// tenantlint: allow({}) -- fuzz\n",
                n.of(&[
                    "query-missing-tenant-filter",
                    "tenant-setting-not-local",
                    "x"
                ])
            ),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Handler {
    attr: Option<Pick>,
    is_async: bool,
    params: Vec<(Pick, Pick)>,
    body: Vec<Stmt>,
}

impl Display for Handler {
    fn fmt(&self, f: &mut Formatter) -> fmt::Result {
        const ATTRS: &[&str] = &[
            "#[instrument]",
            "#[get(\"/d/{id}\")]",
            "#[test]",
            "#[cfg(test)]",
        ];
        const TYPES: &[&str] = &[
            "Uuid",
            "&sqlx::PgPool",
            "Path<Uuid>",
            "String",
            "TenantId",
            "i64",
        ];
        if let Some(a) = &self.attr {
            writeln!(f, "{}", a.of(ATTRS))?;
        }
        let asyncness = if self.is_async { "async " } else { "" };
        write!(f, "pub {asyncness}fn handler(")?;
        for (name, ty) in &self.params {
            write!(f, "{}: {}, ", name.of(NAMES), ty.of(TYPES))?;
        }
        writeln!(f, ") {{")?;
        for s in &self.body {
            writeln!(f, "    {s}")?;
        }
        writeln!(f, "}}")
    }
}

fuzz_target!(|handlers: Vec<Handler>| {
    let text: String = handlers.iter().map(|h| h.to_string()).collect();
    tenantlint_fuzz::lint(vec![
        (
            "migrations/0001_init.sql",
            tenantlint_fuzz::MIGRATION.into(),
        ),
        ("src/handlers.rs", text),
    ]);
});
