use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::engine::{to_snake, Workspace};
use lint_core::ir::*;
use lint_core::model::RustFile;
use lint_core::rule::{Rule, RuleContext, RuleMeta};
use lint_core::schema::{object_name, table_key, Table};
use lint_core::secrets::is_secret_name;
use lint_core::span::Span;
use sqlparser::ast::{
    AlterTableOperation, ColumnDef, ColumnOption, CreateTable, Expr, GeneratedAs, Spanned,
    Statement, TableConstraint,
};

declare_rule! {
    /// ## What it does
    /// Finds guessable identifiers and credentials:
    /// - in migrations, a `SERIAL`/`BIGSERIAL`, `GENERATED ... AS IDENTITY`, `AUTO_INCREMENT`,
    ///   `nextval(..)` or SQLite `INTEGER PRIMARY KEY` primary key on a tenant-scoped table or on
    ///   the tenants table itself (`tenants`, `organizations`, `workspaces`, `accounts`, or the
    ///   table the tenant column references). Tables listed in `global-tables` are fine, and so
    ///   is a key that includes the tenant column;
    /// - in Rust, tenant ids, API keys, tokens, invitation codes and share links made from a
    ///   non-cryptographic or small source: `SmallRng`, `StdRng::seed_from_u64`, `fastrand`,
    ///   `rand::random::<u32>()`, `gen_range(..)`, a timestamp or a counter (`fetch_add`);
    /// - handlers whose path takes an integer id (`Path<i64>`, `Path<(Uuid, i32)>`) for a
    ///   tenant-scoped resource. Integers not named as ids (page numbers, timestamps, enum
    ///   codes), paths that also carry a secret (capability URLs) and integers that index inside
    ///   a resource named by a random UUID are not reported.
    ///
    /// The key is judged on the table as every migration left it: a later migration that
    /// makes a random public id or a composite key holding the tenant column the primary key
    /// clears it, and so do dropping the table and dropping the column (a column renamed into
    /// its name is another column). A sequential key a later `ADD COLUMN` makes is reported there. With `trust-public-key` (on by default), a
    /// sequential key is internal when the table also has a non-null single-column unique key
    /// (a random `pub_id` the API addresses rows by); set `trust-public-key = false` in
    /// `[rules.sequential-resource-id]` when the API still hands out the sequential id. With
    /// `trust-unaddressed-key` (on by default), a sequential key is internal when the
    /// workspace's queries (outside the migrations) name the table but none compares that
    /// column with a runtime value (`WHERE id = $1`, `id = ANY($1)`, a spliced value): rows are
    /// only listed, joined or inserted, so no client ever hands the number back. SQL the parser
    /// rejects that names the table counts as a lookup, and a table reached only through an
    /// ORM (no query names it) is still reported unless diesel's `table!` gives it another
    /// primary key (rows are found by that key). Set `trust-unaddressed-key = false` when
    /// rows are also addressed through code the linter does not read (a query builder, another
    /// service).
    ///
    /// `OsRng`, `getrandom` and `rand::random::<[u8; 32]>()` with at least 128 bits,
    /// `Uuid::new_v4()` and `Uuid::now_v7()` are fine.
    ///
    /// ## Why is this bad?
    /// The cheat sheet asks for cryptographically secure, non-guessable tenant identifiers. A
    /// sequential id tells an attacker how many tenants or records exist and gives them the
    /// next valid id to try against every endpoint: one missing tenant check becomes a walk
    /// through every tenant's data. A key or invitation code from a predictable generator can
    /// be recomputed from a few samples or a timestamp.
    ///
    /// ## Example
    /// ```sql
    /// CREATE TABLE invoices (
    ///     id        BIGSERIAL PRIMARY KEY,
    ///     tenant_id UUID NOT NULL REFERENCES tenants (id)
    /// );
    /// ```
    /// ```rust
    /// let api_key = format!("sk_{}", rand::random::<u64>());
    /// ```
    ///
    /// ## Use instead
    /// ```sql
    /// CREATE TABLE invoices (
    ///     id        UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    ///     tenant_id UUID NOT NULL REFERENCES tenants (id)
    /// );
    /// ```
    /// ```rust
    /// let mut bytes = [0u8; 32];
    /// rand::rngs::OsRng.fill_bytes(&mut bytes);
    /// let api_key = format!("sk_{}", hex::encode(bytes));
    /// ```
    pub struct SequentialResourceId {
        id: "sequential-resource-id",
        category: Hardening,
        summary: "a tenant-scoped id, key or token is sequential or guessable",
        cheat_sheet: "Tenant Identification: use cryptographically secure, non-guessable identifiers",
        options: ["trust-public-key", "trust-unaddressed-key"],
        cwe: 330,
        precision: "medium",
        security_severity: "4.3",
        needs: [KeyLookups],
    }
}

impl Rule for SequentialResourceId {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let mut findings = Vec::new();
        check_migrations(cx, &mut findings);
        if let Some(file) = &cx.file.rust {
            check_generators(file, cx.workspace, &mut findings);
            check_numeric_paths(cx, file, &mut findings);
        }
        for f in findings {
            cx.report(f);
        }
    }
}

// ---- migrations -------------------------------------------------------------------------

/// Names of the table that holds the tenants themselves.
const TENANTS_TABLES: &[&str] = &[
    "tenants",
    "tenant",
    "organizations",
    "organization",
    "orgs",
    "org",
    "workspaces",
    "workspace",
    "accounts",
    "account",
];

fn check_migrations(cx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let ws = cx.workspace;
    let trust_public_key = cx.bool_option(TRUST_PUBLIC_KEY, true);
    let trust_unaddressed_key = cx.bool_option(TRUST_UNADDRESSED_KEY, true);
    let text = &cx.file.source.text;
    let sqlite = ws.config.sql_dialect == Some(lint_core::config::SqlDialect::Sqlite)
        || cx
            .file
            .source
            .rel_path
            .to_ascii_lowercase()
            .contains("sqlite");
    for site in cx.file.sql_sites.iter().filter(|s| s.is_migration()) {
        for stmt in &site.statements {
            // The key a `CREATE TABLE` declares, or a sequential column a later migration adds
            // as the key (`ADD COLUMN id BIGSERIAL PRIMARY KEY`).
            let (table, key, created) = match &stmt.statement {
                Statement::CreateTable(ct) => (object_name(&ct.name), primary_key(ct), true),
                Statement::AlterTable {
                    name, operations, ..
                } => {
                    let added = operations.iter().filter_map(|op| match op {
                        AlterTableOperation::AddColumn { column_def, .. } => Some(column_def),
                        _ => None,
                    });
                    (object_name(name), added.collect(), false)
                }
                _ => continue,
            };
            let scope = if is_tenants_table(ws, &table) {
                "the tenants table"
            } else if ws.is_tenant_table(&table) {
                "a tenant-scoped table"
            } else {
                continue;
            };
            // A key that includes the tenant column makes every lookup by key name the tenant:
            // a guessed number cannot reach another tenant's row.
            if key.iter().any(|c| ws.is_tenant_column(&c.name.value)) {
                continue;
            }
            // Later migrations decide what the key is today: the table as every migration left it.
            let Some(current) = ws.schema.table(&table) else {
                continue;
            };
            if current.primary_key.iter().any(|c| ws.is_tenant_column(c)) {
                continue;
            }
            let single = key.len() == 1 && created;
            for column in key {
                let Some(kind) = sequential_kind(column, single && sqlite) else {
                    continue;
                };
                // The column of that name today must be this one: a later migration may have
                // dropped it and renamed or added another into its name.
                let name = &column.name.value;
                let same = if created {
                    current.is_created_column(name, name)
                } else {
                    current.is_added_column(name)
                };
                if !same || !still_keys_rows(current, name, trust_public_key) {
                    continue;
                }
                let lookups = &ws.key_lookups;
                if trust_unaddressed_key
                    && !lookups.may_address(&table, name)
                    && (lookups.is_queried(&table) || lookups.orm_key_excludes(&table, name))
                {
                    continue;
                }
                let span = site.span_of(text, stmt, column.span());
                findings.push(
                    Finding::new(
                        format!(
                            "`{table}.{}` is a sequential primary key ({kind}) on {scope}",
                            column.name.value
                        ),
                        span,
                    )
                    .primary_label("guessable id")
                    .help(
                        "use a random identifier: `UUID PRIMARY KEY DEFAULT gen_random_uuid()` (or a \
                         UUIDv7 for index locality); keep a sequential column internal if you need one",
                    ),
                );
            }
        }
    }
}

/// Option: a sequential primary key is internal when the table has another non-null unique key
/// of one column that rows are addressed by (a random `pub_id`).
const TRUST_PUBLIC_KEY: &str = "trust-public-key";

/// Option: a sequential primary key is internal when the workspace's queries name its table but
/// never compare the key with a runtime value.
const TRUST_UNADDRESSED_KEY: &str = "trust-unaddressed-key";

/// Whether a sequential column still identifies the table's rows to the outside after every
/// migration: it is still the primary key (a later migration may have made a random public id
/// or a composite key with the tenant the key), and, with `trust_public_key`, no other
/// non-null unique key stands in front of it.
fn still_keys_rows(current: &Table, column: &str, trust_public_key: bool) -> bool {
    let is_column = |c: &String| c.eq_ignore_ascii_case(column);
    if !current.primary_key.iter().any(is_column) {
        return false;
    }
    // One column on its own: a composite unique key (`(tenant_id, number)`) is a business
    // rule, not the id the API hands out.
    let public_key = current
        .unique_keys
        .iter()
        .any(|k| matches!(k.columns.as_slice(), [c] if !is_column(c) && current.is_not_null(c)));
    !(trust_public_key && public_key)
}

fn is_tenants_table(ws: &Workspace, table: &str) -> bool {
    let key = table_key(table);
    TENANTS_TABLES.contains(&key.as_str()) && !ws.config.is_global_table(table)
        || ws.tenant_referenced().contains(&key)
}

/// The primary key's columns, declared inline or as a table constraint.
fn primary_key(ct: &CreateTable) -> Vec<&ColumnDef> {
    let inline: Vec<&ColumnDef> = ct
        .columns
        .iter()
        .filter(|c| {
            c.options.iter().any(|o| {
                matches!(
                    o.option,
                    ColumnOption::Unique {
                        is_primary: true,
                        ..
                    }
                )
            })
        })
        .collect();
    if !inline.is_empty() {
        return inline;
    }
    ct.constraints
        .iter()
        .filter_map(|c| match c {
            TableConstraint::PrimaryKey { columns, .. } => Some(columns),
            _ => None,
        })
        .flatten()
        .filter_map(|ic| match &ic.column.expr {
            Expr::Identifier(id) => ct
                .columns
                .iter()
                .find(|c| c.name.value.eq_ignore_ascii_case(&id.value)),
            _ => None,
        })
        .collect()
}

/// How a column's values are numbered, if they are.
fn sequential_kind(column: &ColumnDef, sqlite_rowid: bool) -> Option<&'static str> {
    let ty = column.data_type.to_string().to_ascii_uppercase();
    if let Some(serial) = [
        "SMALLSERIAL",
        "BIGSERIAL",
        "SERIAL8",
        "SERIAL4",
        "SERIAL2",
        "SERIAL",
    ]
    .into_iter()
    .find(|s| ty == *s)
    {
        return Some(serial_label(serial));
    }
    for o in &column.options {
        match &o.option {
            ColumnOption::Generated {
                generated_as: GeneratedAs::Always | GeneratedAs::ByDefault,
                generation_expr: None,
                ..
            }
            | ColumnOption::Identity(_) => return Some("identity"),
            ColumnOption::DialectSpecific(tokens)
                if tokens.iter().any(|t| {
                    let t = t.to_string().to_ascii_uppercase();
                    t == "AUTO_INCREMENT" || t == "AUTOINCREMENT"
                }) =>
            {
                return Some("auto-increment")
            }
            ColumnOption::Default(Expr::Function(f))
                if f.name.to_string().eq_ignore_ascii_case("nextval") =>
            {
                return Some("sequence")
            }
            _ => {}
        }
    }
    (sqlite_rowid && ty == "INTEGER").then_some("SQLite rowid")
}

fn serial_label(serial: &str) -> &'static str {
    match serial {
        "SMALLSERIAL" | "SERIAL2" => "SMALLSERIAL",
        "BIGSERIAL" | "SERIAL8" => "BIGSERIAL",
        _ => "SERIAL",
    }
}

// ---- generated ids and credentials --------------------------------------------------------

/// Why a value made by a generator can be guessed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Weakness {
    /// A generator that is not cryptographically secure, or has a known seed: anything it
    /// contributes to is predictable.
    Predictable,
    /// A small random number, a timestamp or a counter: guessable when it is the whole value.
    SmallSpace,
}

struct WeakSource {
    span: Span,
    what: String,
    weakness: Weakness,
}

const SMALL_INTS: &[&str] = &[
    "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "char", "bool",
];
const CLOCKS: &[&str] = &[
    "SystemTime",
    "Utc",
    "Local",
    "OffsetDateTime",
    "Instant",
    "Timestamp",
];

fn weak_source(file: &RustFile, id: ExprId) -> Option<WeakSource> {
    let e = file.expr(id);
    let (what, weakness) = match &e.kind {
        ExprKind::Call { func, args } => {
            let ExprKind::Path(p) = &file.expr(*func).kind else {
                return None;
            };
            let segs: Vec<&str> = p.segments.iter().map(String::as_str).collect();
            let fastrand_arg = args.iter().find_map(|&a| match &file.expr(a).kind {
                ExprKind::Path(ap) if ap.segments.first().is_some_and(|s| s == "fastrand") => {
                    Some(ap.joined())
                }
                _ => None,
            });
            match segs.as_slice() {
                [.., "random"]
                    if p.generics
                        .first()
                        .is_some_and(|t| SMALL_INTS.contains(&t.name())) =>
                {
                    (
                        format!("`{}::<{}>()`", p.joined(), p.generics[0].name()),
                        Weakness::SmallSpace,
                    )
                }
                ["fastrand", ..] => (format!("`{}`", p.joined()), Weakness::Predictable),
                [.., "SmallRng", _] => (format!("`{}`", p.joined()), Weakness::Predictable),
                [.., "seed_from_u64"] => (format!("`{}`", p.joined()), Weakness::Predictable),
                [.., clock, "now" | "now_utc"] if CLOCKS.contains(clock) => (
                    format!("the clock (`{}`)", p.joined()),
                    Weakness::SmallSpace,
                ),
                [.., "Uuid", "new_v1" | "now_v1" | "new_v6" | "now_v6"] => (
                    format!("a time-based UUID (`{}`)", p.joined()),
                    Weakness::SmallSpace,
                ),
                _ => (
                    fastrand_arg.map(|a| format!("`{a}`"))?,
                    Weakness::Predictable,
                ),
            }
        }
        ExprKind::MethodCall {
            method,
            turbofish,
            args,
            ..
        } => match method.name.as_str() {
            "gen_range" | "random_range" => {
                (format!("`{}(..)`", method.name), Weakness::SmallSpace)
            }
            "gen" | "random"
                if turbofish
                    .first()
                    .is_some_and(|t| SMALL_INTS.contains(&t.name())) =>
            {
                (
                    format!("`{}::<{}>()`", method.name, turbofish[0].name()),
                    Weakness::SmallSpace,
                )
            }
            "fetch_add" | "fetch_update" if !args.is_empty() => {
                ("a counter (`fetch_add`)".to_string(), Weakness::SmallSpace)
            }
            _ => return None,
        },
        _ => return None,
    };
    Some(WeakSource {
        span: e.span,
        what,
        weakness,
    })
}

/// Whether a name denotes a value an attacker must not be able to guess.
fn guessable_name(ws: &Workspace, name: &str) -> bool {
    if is_secret_name(name, &ws.config.secret_names) || ws.is_tenant_name(name) {
        return true;
    }
    let snake = to_snake(name);
    let words: Vec<&str> = snake.split('_').filter(|w| !w.is_empty()).collect();
    let purpose = words.iter().any(|w| {
        matches!(
            *w,
            "invite" | "invitation" | "share" | "sharing" | "magic" | "referral"
        )
    });
    let head = words.last().copied().unwrap_or("");
    purpose
        && matches!(
            head,
            "code" | "link" | "url" | "token" | "id" | "slug" | "key"
        )
}

fn is_rng_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("rng") || n.contains("rand") || n == "generator" || n == "gen"
}

/// A place a generated value is stored under a name: a `let`, a struct field, an assignment.
struct Destination {
    name: String,
    span: Span,
    value: ExprId,
}

fn check_generators(file: &RustFile, ws: &Workspace, findings: &mut Vec<Finding>) {
    let mut by_function: Vec<(FnId, WeakSource)> = Vec::new();
    for &(id, function) in &file.calls {
        if let (Some(f), Some(source)) = (function, weak_source(file, id)) {
            by_function.push((f, source));
        }
    }
    let mut done: std::collections::HashSet<Span> = std::collections::HashSet::new();
    let mut dests_of: std::collections::HashMap<FnId, Vec<Destination>> =
        std::collections::HashMap::new();
    for (f, source) in by_function {
        let dests = dests_of.entry(f).or_insert_with(|| destinations(file, f));
        let Some(dest) = named_destination(file, ws, f, dests, &source) else {
            continue;
        };
        if !done.insert(source.span) {
            continue;
        }
        findings.push(
            Finding::new(
                format!(
                    "`{}` is made from {}, which can be guessed",
                    dest.0, source.what
                ),
                source.span,
            )
            .primary_label(match source.weakness {
                Weakness::Predictable => "not a cryptographically secure generator",
                Weakness::SmallSpace => "too few possible values",
            })
            .label(dest.1, format!("`{}` is stored here", dest.0))
            .help(
                "draw at least 128 bits from a CSPRNG: `rand::rngs::OsRng.fill_bytes(..)`, \
                 `getrandom::fill(..)`, or use `Uuid::new_v4()` for ids",
            ),
        );
    }
}

/// The sensitive name the weak value ends up under, and where, if any.
fn named_destination(
    file: &RustFile,
    ws: &Workspace,
    f: FnId,
    dests: &[Destination],
    source: &WeakSource,
) -> Option<(String, Span)> {
    let mut containing: Vec<&Destination> = dests
        .iter()
        .filter(|d| file.expr(d.value).span.contains(source.span))
        .collect();
    containing.sort_by_key(|d| file.expr(d.value).span.len());
    let reaches = |d: &Destination| match source.weakness {
        Weakness::Predictable => true,
        Weakness::SmallSpace => {
            value_reaches(file, d.value, source.span) && !has_strong_source(file, f, d.value)
        }
    };
    if let Some(inner) = containing.first() {
        if is_rng_name(&inner.name) && source.weakness == Weakness::Predictable {
            // `let mut rng = SmallRng::..`: what the generator makes is stored elsewhere.
            let used = dests
                .iter()
                .find(|d| mentions(file, d.value, &inner.name) && guessable_name(ws, &d.name));
            if let Some(d) = used {
                return Some((d.name.clone(), d.span));
            }
        } else {
            if !reaches(inner) {
                return None;
            }
            if guessable_name(ws, &inner.name) {
                return Some((inner.name.clone(), inner.span));
            }
            // `let code = ..; code` in `fn new_invite_code()`: the function names the value.
            let returned = block_tail(&file.function(f).body)
                .is_some_and(|t| file.as_ident(t) == Some(inner.name.as_str()));
            if !returned {
                return None;
            }
            let function = file.function(f);
            return guessable_name(ws, &function.name.name)
                .then(|| (function.name.name.clone(), function.name.span));
        }
    }
    let function = file.function(f);
    let tail_reaches = match source.weakness {
        Weakness::Predictable => true,
        Weakness::SmallSpace => block_tail(&function.body)
            .is_some_and(|t| value_reaches(file, t, source.span) && !has_strong_source(file, f, t)),
    };
    (guessable_name(ws, &function.name.name) && tail_reaches)
        .then(|| (function.name.name.clone(), function.name.span))
}

/// Every `let`, struct-literal field and assignment in a function, with its value.
fn destinations(file: &RustFile, f: FnId) -> Vec<Destination> {
    let mut out = Vec::new();
    let function = file.function(f);
    lint_core::flow::visit_lets(file, &function.body, &mut |pat, init, span| {
        let mut names = Vec::new();
        file.bindings(pat, &mut names);
        if let (Some(init), [(name, _)]) = (init, names.as_slice()) {
            out.push(Destination {
                name: name.clone(),
                span,
                value: init,
            });
        }
    });
    file.walk_block(&function.body, &mut |id| match &file.expr(id).kind {
        ExprKind::Struct { path, fields, .. } => {
            let type_name = path.last();
            for (field, value) in fields {
                let qualified = matches!(
                    field.name.as_str(),
                    "key" | "token" | "value" | "secret" | "code" | "id"
                );
                let name = if qualified && !type_name.is_empty() {
                    format!("{}_{}", to_snake(type_name), field.name)
                } else {
                    field.name.clone()
                };
                out.push(Destination {
                    name,
                    span: field.span,
                    value: *value,
                });
            }
        }
        ExprKind::Assign { lhs, rhs, .. } => {
            if let Some(name) = lint_core::secrets::value_name(file, *lhs) {
                out.push(Destination {
                    name,
                    span: file.expr(*lhs).span,
                    value: *rhs,
                });
            }
        }
        _ => {}
    });
    out
}

/// Names of calls and paths that draw enough randomness from a CSPRNG to make a value
/// unguessable whatever else is mixed in (`format!("{}-{}", Uuid::new_v4(), now)`).
const STRONG_SOURCES: &[&str] = &[
    "new_v4",
    "now_v7",
    "new_v7",
    "OsRng",
    "getrandom",
    "fill_bytes",
    "try_fill_bytes",
    "sample_iter",
    "Alphanumeric",
];

/// Whether a value draws on a strong source, directly or through the local bindings it reads
/// (`let uuid_pass = Uuid::new_v4().to_string(); format!("{uuid_pass}{}", ..)`).
fn has_strong_source(file: &RustFile, f: FnId, root: ExprId) -> bool {
    strong_within(file, f, root, 0)
}

fn strong_within(file: &RustFile, f: FnId, root: ExprId, depth: u32) -> bool {
    let mut found = false;
    file.walk_expr(root, &mut |id| {
        found |= match &file.expr(id).kind {
            ExprKind::Path(p)
                if p.segments
                    .iter()
                    .any(|s| STRONG_SOURCES.contains(&s.as_str())) =>
            {
                true
            }
            ExprKind::Path(p) if p.segments.len() == 1 && depth < 3 => {
                lint_core::flow::reaching_let(file, f, p.last(), file.expr(id).span.start)
                    .is_some_and(|init| strong_within(file, f, init, depth + 1))
            }
            ExprKind::MethodCall { method, .. } => STRONG_SOURCES.contains(&method.name.as_str()),
            _ => false,
        };
    });
    found
}

fn mentions(file: &RustFile, root: ExprId, name: &str) -> bool {
    let mut found = false;
    file.walk_expr(root, &mut |id| {
        if let ExprKind::Path(p) = &file.expr(id).kind {
            found |= p.is_ident(name);
        }
    });
    found
}

fn block_tail(block: &Block) -> Option<ExprId> {
    match block.stmts.last()? {
        Stmt::Expr { expr, semi: false } => Some(*expr),
        _ => None,
    }
}

/// Whether the value at `target` becomes (all of) the value of `root`: through formatting,
/// conversions, arithmetic and tuple-struct wrappers, but not through other calls' arguments.
fn value_reaches(file: &RustFile, root: ExprId, target: Span) -> bool {
    let e = file.expr(root);
    if e.span == target {
        return true;
    }
    if !e.span.contains(target) {
        return false;
    }
    let next: Vec<ExprId> = match &e.kind {
        ExprKind::Ref(x)
        | ExprKind::Try(x)
        | ExprKind::Await(x)
        | ExprKind::Cast { expr: x, .. } => {
            vec![*x]
        }
        ExprKind::Unary { expr, .. } => vec![*expr],
        ExprKind::Binary { lhs, rhs, .. } => vec![*lhs, *rhs],
        ExprKind::MethodCall { receiver, .. } => vec![*receiver],
        ExprKind::Macro(m) if matches!(m.path.last(), "format" | "format_args" | "concat") => {
            match &m.args {
                MacroArgs::List(args) => args.iter().map(|a| a.expr).collect(),
                _ => vec![],
            }
        }
        ExprKind::Call { func, args } => match &file.expr(*func).kind {
            ExprKind::Path(p)
                if p.last().starts_with(|c: char| c.is_ascii_uppercase())
                    || matches!(p.last(), "from" | "new") =>
            {
                args.clone()
            }
            _ => vec![],
        },
        ExprKind::Block(b) => block_tail(b).into_iter().collect(),
        // `(credential, expiry, Instant::now())`: each element of a tuple is a value of its own,
        // and the name of the whole says nothing about which one it is.
        ExprKind::Tuple(items) if items.len() == 1 => items.clone(),
        _ => vec![],
    };
    next.into_iter().any(|n| value_reaches(file, n, target))
}

// ---- handlers with integer path ids --------------------------------------------------------

const INT_TYPES: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];
const ROUTE_ATTRS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "route"];

fn is_int(ty: &Ty) -> bool {
    INT_TYPES.contains(&ty.name())
}

/// Whether a binding names an identifier (`id`, `invoice_id`, `docId`), not a page number,
/// a timestamp or an enum code.
fn is_id_name(name: &str) -> bool {
    let snake = to_snake(name);
    snake == "id" || snake.ends_with("_id")
}

/// The integer-typed identifier bindings a path extractor yields: `Path(id): Path<i64>`,
/// `Path((tenant_id, doc_id)): Path<(Uuid, i32)>`. A path bound whole (`p: Path<..>`) names
/// none.
fn int_path_ids(ws: &Workspace, file: &RustFile, param: &Param) -> Vec<String> {
    let (Some(inner), PatKind::TupleStruct { elems, .. }) =
        (param.ty.args().first(), &file.pat(param.pat).kind)
    else {
        return Vec::new();
    };
    let [elem] = elems.as_slice() else {
        return Vec::new();
    };
    let pairs: Vec<(&Ty, PatId)> = match (inner, &file.pat(*elem).kind) {
        (Ty::Tuple(types), PatKind::Tuple(pats)) => {
            types.iter().zip(pats.iter().copied()).collect()
        }
        (ty, _) => vec![(ty, *elem)],
    };
    let binding = |pat: PatId| match &file.pat(pat).kind {
        PatKind::Ident { name, .. } => Some(name.as_str()),
        _ => None,
    };
    // `/jobs/{job_id: Uuid}/steps/{step_id: u32}`: the integer indexes inside a resource that a
    // random id already names, so guessing it gains nothing.
    let random_parent = pairs.iter().any(|(ty, pat)| {
        ty.name() == "Uuid" && binding(*pat).is_some_and(|n| !ws.is_tenant_name(n))
    });
    if random_parent {
        return Vec::new();
    }
    pairs
        .into_iter()
        .filter(|(ty, _)| is_int(ty))
        .filter_map(|(_, pat)| match &file.pat(pat).kind {
            PatKind::Ident { name, .. } if is_id_name(name) => Some(name.clone()),
            _ => None,
        })
        .collect()
}

fn check_numeric_paths(cx: &RuleContext<'_>, file: &RustFile, findings: &mut Vec<Finding>) {
    for f in file.function_ids() {
        let function = file.function(f);
        let route_params: Vec<&str> = function
            .attrs
            .iter()
            .filter(|a| ROUTE_ATTRS.contains(&a.path.last()))
            .flat_map(|a| a.strings.iter())
            .flat_map(|(s, _)| s.split('<').skip(1).filter_map(|p| p.split('>').next()))
            .collect();
        let numeric: Vec<(&Param, Vec<String>)> = function
            .params
            .iter()
            .filter_map(|p| {
                let ids = if p.ty.name() == "Path" {
                    int_path_ids(cx.workspace, file, p)
                } else {
                    match &file.pat(p.pat).kind {
                        PatKind::Ident { name, .. }
                            if is_int(&p.ty)
                                && is_id_name(name)
                                && route_params.contains(&name.as_str()) =>
                        {
                            vec![name.clone()]
                        }
                        _ => Vec::new(),
                    }
                };
                (!ids.is_empty()).then_some((p, ids))
            })
            .collect();
        if numeric.is_empty()
            || !is_tenant_scoped(cx, file, f)
            || carries_secret(cx.workspace, file, function)
        {
            continue;
        }
        for (p, ids) in numeric {
            findings.push(
                Finding::new(
                    format!(
                        "this handler takes `{}`, a sequential integer id of a tenant-scoped resource, from the path",
                        ids.join("`, `")
                    ),
                    p.span,
                )
                .primary_label("guessable id")
                .help(
                    "identify tenant resources with random ids (`Uuid`): integer ids let a caller \
                     enumerate records and probe other tenants' data",
                ),
            );
        }
    }
}

/// A capability URL (`/resume/<id>/<secret>`): the secret beside the id guards the resource,
/// so the id need not be unguessable.
fn carries_secret(ws: &Workspace, file: &RustFile, function: &Function) -> bool {
    let mut names = Vec::new();
    for p in &function.params {
        file.bindings(p.pat, &mut names);
    }
    names.iter().any(|(n, _)| {
        is_secret_name(n, &ws.config.secret_names)
            || matches!(n.as_str(), "signature" | "sig" | "hmac")
    })
}

/// Whether a handler works on tenant data: it names the tenant, or runs SQL on a tenant table.
fn is_tenant_scoped(cx: &RuleContext<'_>, file: &RustFile, f: FnId) -> bool {
    let ws = cx.workspace;
    let function = file.function(f);
    let mut names = Vec::new();
    for p in &function.params {
        file.bindings(p.pat, &mut names);
    }
    if names.iter().any(|(n, _)| ws.is_tenant_name(n)) {
        return true;
    }
    let mut found = false;
    file.walk_block(&function.body, &mut |id| {
        found |= match &file.expr(id).kind {
            ExprKind::Path(p) => ws.is_tenant_name(p.last()),
            ExprKind::Field { member, .. } => ws.is_tenant_name(&member.name),
            _ => false,
        };
    });
    found
        || cx
            .file
            .sql_sites
            .iter()
            .filter(|s| s.function == Some(f))
            .any(|s| {
                ws.config
                    .tenant_columns
                    .iter()
                    .any(|c| s.text.text.contains(c.as_str()))
            })
}
