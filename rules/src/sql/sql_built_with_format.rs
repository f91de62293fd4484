use lint_core::client_reach::{function_client_value, value_choice, ValueChoice};
use lint_core::declare_rule;
use lint_core::diagnostic::Finding;
use lint_core::facts::decisions;
use lint_core::ir::is_const_name;
use lint_core::ir::{BinOp, ExprId, ExprKind, FnId, Lit, MacroArgs, Stmt, Ty};
use lint_core::knowledge::{by_last_two, patterns};
use lint_core::model::RustFile;
use lint_core::rule::{Rule, RuleContext, RuleMeta};
use lint_core::sql::SqlSite;

declare_rule! {
    /// ## What it does
    /// Finds SQL text built at run time, with `format!`, `+`, `push_str` or a `QueryBuilder::push`
    /// of a non-literal, where a runtime value is spliced into the text that reaches a SQL sink
    /// (sqlx, tokio-postgres, diesel, sea-orm, rusqlite, mysql). Values that cannot carry SQL
    /// are fine: literals, consts, numbers, booleans, UUIDs, placeholder numbers (`${}`), and
    /// values chosen from a fixed allow-list (a `match` or `if` over literals, an index into a
    /// const slice), and values the function rejects before use unless a const list or an array
    /// of literals holds them (`if !KINDS.contains(&kind) { return Err(..) }`). Text the code
    /// writes itself is fine too: an empty `String::new()` and lists or strings it pushes only
    /// such pieces onto (`clauses.push(format!("owner = ${n}"))`, the counter `n += 1`), joined;
    /// one pushed piece from elsewhere makes the text unsafe.
    ///
    /// ## Why is this bad?
    /// A spliced value is SQL injection waiting for an unexpected input, and in a multi-tenant
    /// database injection is a cross-tenant read: `' OR tenant_id <> '` turns one tenant's
    /// query into everyone's. A spliced identifier (a table or column name from the request)
    /// lets a caller pick another tenant's schema or table.
    ///
    /// ## Example
    /// ```rust
    /// let sql = format!("SELECT * FROM documents WHERE tenant_id = $1 AND title = '{title}'");
    /// sqlx::query(&sql).bind(tenant_id).fetch_all(&pool).await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust
    /// sqlx::query("SELECT * FROM documents WHERE tenant_id = $1 AND title = $2")
    ///     .bind(tenant_id)
    ///     .bind(title)
    ///     .fetch_all(&pool)
    ///     .await?;
    /// ```
    /// For identifiers, choose from a fixed list:
    /// `let column = match sort { Sort::Title => "title", Sort::Created => "created_at" };`
    ///
    /// ## Not reported
    /// Values no client supplies: by default a splice is reported when the value is a request
    /// input (read in the function, or passed down unchecked from a handler through the
    /// workspace calls; the message names the input and the path), or, where the flow analysis
    /// does not follow the value, when its function handles a client value at all. Splices in
    /// functions no request value reaches (offline tools reading the catalog, workers formatting
    /// ids they selected) are not. This trades recall for precision: a string a client stored
    /// earlier and the server reads back (second-order injection) is not reported. Set
    /// `client-values-only = false` to report every unsafe splice.
    ///
    /// An identifier the function rejects unless a `regex` pattern matches it
    /// (`if !VALID_NAME.is_match(name) { return Err(..) }`, before the splice, in a block the
    /// splice is in, on the binding spliced), the pattern a literal (directly, or through a
    /// `lazy_static!`, `LazyLock` or `once_cell` static) anchored at both ends (`^..$`) and
    /// admitting only `[A-Za-z0-9_-]`, `\w` and `\d`, is not reported: it cannot carry quotes,
    /// spaces or `;`. This trades recall for precision: such a name can still pick any table
    /// or schema the database user reaches. Set `identifier-patterns-clear = false` to report it.
    ///
    /// ## Options
    /// - `client-values-only` (default `true`): see above.
    /// - `identifier-patterns-clear` (default `true`): see above.
    pub struct SqlBuiltWithFormat {
        id: "sql-built-with-format",
        category: Isolation,
        summary: "runtime value spliced into SQL text",
        cheat_sheet: "Database Security: parameterized queries",
        options: ["client-values-only", "identifier-patterns-clear"],
        cwe: 89,
        precision: "high",
        security_severity: "8.8",
        needs: [RequestFlows],
    }
}

impl Rule for SqlBuiltWithFormat {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &mut RuleContext<'_>) {
        let Some(file) = &cx.file.rust else { return };
        let client_values_only = cx.bool_option("client-values-only", true);
        let opts = Opts {
            identifier_patterns_clear: cx.bool_option("identifier-patterns-clear", true),
            macros: &cx.workspace.returning_macros,
        };
        let reach = &cx.workspace.client_reach;
        let text = &cx.file.source.text;
        let mut findings = Vec::new();
        let analyzed = cx.file;
        for site in analyzed
            .sql_sites
            .iter()
            .filter(|s| !analyzed.is_test_code(s.function))
        {
            for (piece, expr, span) in site.text.holes() {
                if is_placeholder_number(site, piece.start) {
                    continue;
                }
                let safe = match expr {
                    Some(e) => is_safe_value(opts, file, site.function, e, 0),
                    None => captured_name(text, span).is_some_and(|n| {
                        is_safe_binding(opts, file, site.function, n, span.start, 0)
                    }),
                };
                if safe {
                    continue;
                }
                // Who supplies the value: the flow analysis where it followed it, else whether
                // the function handles a client value at all.
                let followed = |f| {
                    function_client_value(analyzed, reach, f)
                        .map(|p| format!("; its function handles a client value: {}", p.describe()))
                };
                let client = match (expr, site.function) {
                    (Some(e), Some(f)) => match value_choice(analyzed, reach, f, file.expr(e).span)
                    {
                        Some(ValueChoice::Client(path)) => {
                            Some(format!("; it is the {}", path.describe()))
                        }
                        Some(ValueChoice::Server { .. }) => None,
                        None => followed(f),
                    },
                    (None, Some(f)) => followed(f),
                    (_, None) => None,
                };
                if client.is_none() && client_values_only {
                    continue;
                }
                let shown = text
                    .get(span.start as usize..span.end as usize)
                    .filter(|s| s.len() <= 60 && !s.contains('\n'))
                    .unwrap_or("this value");
                let origin = client.unwrap_or_default();
                findings.push(
                    Finding::new(
                        format!("`{shown}` is spliced into SQL text instead of being bound{origin}"),
                        span,
                    )
                    .primary_label("runtime value in the SQL text")
                    .label(site.call_span, "the SQL is executed here")
                    .help(
                        "pass values as bind parameters (`$1`, `?`, `.bind(..)`, `push_bind`); choose identifiers \
                         from a fixed allow-list (`match` over literals)",
                    ),
                );
            }
        }
        for f in findings {
            cx.report(f);
        }
    }
}

/// `${}` in a template: the hole is a placeholder's number.
fn is_placeholder_number(site: &SqlSite, start: u32) -> bool {
    start > 0
        && site
            .text
            .text
            .as_bytes()
            .get(start as usize - 1)
            .is_some_and(|b| matches!(b, b'$' | b'?' | b':'))
}

/// `{name}` or `{name:?}` in a template: the captured binding's name.
fn captured_name(text: &str, span: lint_core::span::Span) -> Option<&str> {
    let inner = text.get(span.start as usize..span.end as usize)?;
    let inner = inner.strip_prefix('{')?.strip_suffix('}')?;
    let name = inner.split(':').next()?.trim();
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(name)
}

const MAX_DEPTH: u32 = 16;

/// The rule's options that decide which values are safe.
#[derive(Clone, Copy)]
struct Opts<'a> {
    /// A value an identifier pattern accepted before the splice is safe.
    identifier_patterns_clear: bool,
    /// The workspace's macros that return from their caller (`err!(..)` ends a branch).
    macros: &'a lint_core::semantic::macros::ReturningMacros,
}

/// Whether a spliced value cannot carry SQL: a literal, a const, a number, a value chosen from
/// literals.
fn is_safe_value(
    opts: Opts<'_>,
    file: &RustFile,
    function: Option<FnId>,
    id: ExprId,
    depth: u32,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let expr = file.expr(file.strip(id));
    match &expr.kind {
        ExprKind::Lit(_) => true,
        ExprKind::Path(p) if p.segments.len() == 1 => {
            is_const_name(&p.segments[0])
                || is_safe_binding(opts, file, function, &p.segments[0], expr.span.start, depth)
        }
        ExprKind::Path(p) => p.segments.last().is_some_and(|s| is_const_name(s)),
        ExprKind::Cast { ty, .. } => is_safe_type(ty),
        ExprKind::Match { arms, .. } => arms
            .iter()
            .all(|a| is_safe_value(opts, file, function, a.body, depth + 1)),
        ExprKind::If {
            then, otherwise, ..
        } => {
            let then_safe = match then.stmts.last() {
                Some(Stmt::Expr { expr, semi: false }) => {
                    is_safe_value(opts, file, function, *expr, depth + 1)
                }
                _ => false,
            };
            then_safe
                && otherwise.is_some_and(|o| is_safe_value(opts, file, function, o, depth + 1))
        }
        ExprKind::Block(b) => match b.stmts.last() {
            Some(Stmt::Expr { expr, semi: false }) => {
                is_safe_value(opts, file, function, *expr, depth + 1)
            }
            _ => false,
        },
        // An entry of a const table: `COLUMNS[i]`.
        ExprKind::Index { base, .. } => is_safe_value(opts, file, function, *base, depth + 1),
        // Derived from safe values only: `FIELDS.iter().join(",")`, `(1..=n).map(|i| format!("${i}"))`.
        ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } => {
            let args_safe = || {
                args.iter()
                    .all(|a| is_safe_value(opts, file, function, *a, depth + 1))
            };
            matches!(method.name.as_str(), "len" | "count" | "is_empty")
                || is_escaping(file, &method.name, args)
                // `.map(|(i, _)| format!("${}", i + 2))`: the items are the closure's results.
                || (matches!(method.name.as_str(), "map" | "filter_map" | "flat_map") && args_safe())
                || (is_safe_value(opts, file, function, *receiver, depth + 1) && args_safe())
                || returns_constant(opts, file, &method.name, depth)
        }
        ExprKind::Call { func, .. } => match &file.expr(*func).kind {
            // An empty string, to which only the function's own pieces are added.
            ExprKind::Path(p)
                if matches!(
                    p.segments.as_slice(),
                    [.., s, f] if s == "String" && matches!(f.as_str(), "new" | "with_capacity")
                ) =>
            {
                true
            }
            ExprKind::Path(p) => {
                is_escaping_name(p.last())
                    || is_escaping_fn(file, p.last())
                    || returns_constant(opts, file, p.last(), depth)
            }
            _ => false,
        },
        ExprKind::Closure { body, .. } => is_safe_value(opts, file, function, *body, depth + 1),
        ExprKind::Range { start, end } => start
            .iter()
            .chain(end.iter())
            .all(|e| is_safe_value(opts, file, function, *e, depth + 1)),
        ExprKind::Array(items) | ExprKind::Tuple(items) => items
            .iter()
            .all(|e| is_safe_value(opts, file, function, *e, depth + 1)),
        // Arithmetic with a number is a number.
        ExprKind::Binary { op, lhs, rhs } => {
            let is_number = |e: ExprId| {
                matches!(
                    file.expr(file.strip(e)).kind,
                    ExprKind::Lit(Lit::Int(_) | Lit::Float(_))
                )
            };
            matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem
            ) && (is_number(*lhs)
                || is_number(*rhs)
                || (is_safe_value(opts, file, function, *lhs, depth + 1)
                    && is_safe_value(opts, file, function, *rhs, depth + 1)))
        }
        ExprKind::Macro(m) if matches!(m.path.last(), "format" | "vec" | "concat") => match &m.args
        {
            MacroArgs::List(args) => {
                args.iter()
                    .all(|a| is_safe_value(opts, file, function, a.expr, depth + 1))
                    && captures_safe(
                        opts,
                        file,
                        function,
                        m.path.last(),
                        args,
                        expr.span.start,
                        depth,
                    )
            }
            _ => false,
        },
        _ => false,
    }
}

/// The bindings a `format!` template captures by name (`format!("{table} x")`), which are not
/// among the macro's arguments, cannot carry SQL either.
fn captures_safe(
    opts: Opts<'_>,
    file: &RustFile,
    function: Option<FnId>,
    macro_name: &str,
    args: &[lint_core::ir::MacroArg],
    offset: u32,
    depth: u32,
) -> bool {
    if macro_name != "format" {
        return true;
    }
    let Some(ExprKind::Lit(Lit::Str(template))) = args.first().map(|a| &file.expr(a.expr).kind)
    else {
        return true;
    };
    lint_core::format::parse_template(&template.value)
        .into_iter()
        .all(|piece| match piece {
            lint_core::format::Piece::Hole {
                arg: lint_core::format::HoleArg::Named(name),
                ..
            } => {
                args.iter()
                    .any(|a| a.name.as_ref().is_some_and(|n| n.name == name))
                    || is_safe_binding(opts, file, function, &name, offset, depth + 1)
            }
            _ => true,
        })
}

/// `.replace('"', "\"\"")`, `.replace('\'', "''")`: an identifier or literal quoted by doubling
/// its quote character.
fn is_escaping(file: &RustFile, method: &str, args: &[ExprId]) -> bool {
    if is_escaping_name(method) || is_escaping_fn(file, method) {
        return true;
    }
    if method != "replace" || args.len() != 2 {
        return false;
    }
    let text = |e: ExprId| match &file.expr(file.strip(e)).kind {
        ExprKind::Lit(Lit::Str(s)) => Some(s.value.clone()),
        ExprKind::Lit(Lit::Char(c)) => Some(c.to_string()),
        _ => None,
    };
    match (text(args[0]), text(args[1])) {
        (Some(from), Some(to)) => (from == "\"" || from == "'") && to == format!("{from}{from}"),
        _ => false,
    }
}

/// `quote_ident`, `quote_literal`, `sql_single_quote`, `escape_string`...
fn is_escaping_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    (lower.contains("quote") && !lower.contains("unquote"))
        || (lower.contains("escape") && !lower.contains("unescape"))
}

/// A function of this file whose value is its argument with quotes doubled
/// (`fn sql_single_quote(s: &str) -> String { s.replace('\'', "''") }`).
fn is_escaping_fn(file: &RustFile, name: &str) -> bool {
    file.functions.iter().any(|f| {
        f.name.name == name
            && matches!(
                f.body.stmts.last(),
                Some(Stmt::Expr { expr, semi: false })
                    if matches!(
                        &file.expr(file.strip(*expr)).kind,
                        ExprKind::MethodCall { method, args, .. }
                            if method.name == "replace" && is_escaping(file, "replace", args)
                    )
            )
    })
}

/// A function or method of this file, without arguments, whose value is a literal or a choice
/// among literals (`fn order_by(&self) -> &'static str { match self { .. => "calls DESC" } }`).
fn returns_constant(opts: Opts<'_>, file: &RustFile, name: &str, depth: u32) -> bool {
    depth < MAX_DEPTH
        && file.function_ids().any(|id| {
            let f = file.function(id);
            let is_self = |p: &lint_core::ir::Param| file.is_self_param(p);
            f.name.name == name
                && f.params.iter().all(is_self)
                && matches!(
                    f.body.stmts.last(),
                    Some(Stmt::Expr { expr, semi: false }) if is_safe_value(opts, file, Some(id), *expr, MAX_DEPTH - 4)
                )
        })
}

/// A `for` loop variable over a fixed list: `for table in ["a", "b"]`, `for t in &TABLES`.
fn is_loop_over_safe_list(
    opts: Opts<'_>,
    file: &RustFile,
    function: FnId,
    name: &str,
    offset: u32,
    depth: u32,
) -> bool {
    let mut safe = false;
    file.walk_block(&file.function(function).body, &mut |id| {
        let e = file.expr(id);
        if let ExprKind::Loop {
            pat: Some(pat),
            head: Some(head),
            body,
        } = &e.kind
        {
            let mut names = Vec::new();
            file.bindings(*pat, &mut names);
            let in_body = body.span.start <= offset && offset < body.span.end;
            if in_body && names.iter().any(|(n, _)| n == name) {
                safe = is_safe_value(opts, file, Some(function), *head, depth + 1);
            }
        }
    });
    safe
}

/// A closure parameter fed from a fixed list: `FIELDS.iter().map(|f| ..)`.
fn is_closure_param_over_safe_list(
    opts: Opts<'_>,
    file: &RustFile,
    function: FnId,
    name: &str,
    offset: u32,
    depth: u32,
) -> bool {
    let mut safe = false;
    file.walk_block(&file.function(function).body, &mut |id| {
        let ExprKind::MethodCall { receiver, args, .. } = &file.expr(id).kind else {
            return;
        };
        for &arg in args {
            let closure = file.expr(arg);
            let ExprKind::Closure { params, .. } = &closure.kind else {
                continue;
            };
            if !(closure.span.start <= offset && offset < closure.span.end) {
                continue;
            }
            let mut names = Vec::new();
            for p in params {
                file.bindings(*p, &mut names);
            }
            if names.iter().any(|(n, _)| n == name) {
                safe = is_safe_value(opts, file, Some(function), *receiver, depth + 1);
            }
        }
    });
    safe
}

/// A parameter every caller in this file passes a literal or const for.
fn callers_pass_constants(
    opts: Opts<'_>,
    file: &RustFile,
    function: FnId,
    param_index: usize,
) -> bool {
    let f = file.function(function);
    let has_self = file.has_self(f);
    let mut calls = 0;
    let all_constant = file.calls.iter().all(|&(c, caller)| {
        let arg = match &file.expr(c).kind {
            ExprKind::Call { func, args } => match &file.expr(*func).kind {
                ExprKind::Path(p) if p.last() == f.name.name => args.get(param_index),
                _ => return true,
            },
            ExprKind::MethodCall { method, args, .. } if method.name == f.name.name && has_self => {
                args.get(param_index.saturating_sub(1))
            }
            _ => return true,
        };
        calls += 1;
        arg.is_some_and(|&a| is_safe_value(opts, file, caller, a, MAX_DEPTH - 1))
    });
    calls > 0 && all_constant
}

/// A local binding or parameter whose value cannot carry SQL.
fn is_safe_binding(
    opts: Opts<'_>,
    file: &RustFile,
    function: Option<FnId>,
    name: &str,
    offset: u32,
    depth: u32,
) -> bool {
    let Some(function) = function else {
        return false;
    };
    if checked_against_allow_list(opts, file, function, name, offset) {
        return true;
    }
    if let Some(init) = lint_core::flow::reaching_let(file, function, name, offset) {
        return is_safe_value(opts, file, Some(function), init, depth + 1)
            && additions_safe(opts, file, function, name, depth);
    }
    if is_loop_over_safe_list(opts, file, function, name, offset, depth)
        || is_closure_param_over_safe_list(opts, file, function, name, offset, depth)
    {
        return true;
    }
    file.function(function)
        .params
        .iter()
        .enumerate()
        .any(|(i, p)| {
            let mut names = Vec::new();
            file.bindings(p.pat, &mut names);
            names.iter().any(|(n, _)| n == name)
                && (is_safe_type(&p.ty) || callers_pass_constants(opts, file, function, i))
        })
}

/// Whether everything the function adds to a binding cannot carry SQL either: the pieces it
/// pushes onto a list or a string (`filters.push(format!("path = ${n}"))`), the values it assigns
/// or appends (`n += 1`). One piece from elsewhere makes the whole text unsafe.
fn additions_safe(opts: Opts<'_>, file: &RustFile, function: FnId, name: &str, depth: u32) -> bool {
    let names_binding = |e: ExprId| matches!(&file.expr(file.strip(e)).kind, ExprKind::Path(p) if p.segments.len() == 1 && p.segments[0] == name);
    let mut safe = true;
    file.walk_block(&file.function(function).body, &mut |id| {
        if !safe {
            return;
        }
        match &file.expr(id).kind {
            ExprKind::MethodCall {
                receiver,
                method,
                args,
                ..
            } if names_binding(*receiver)
                && matches!(
                    method.name.as_str(),
                    "push"
                        | "push_str"
                        | "push_back"
                        | "push_front"
                        | "insert"
                        | "extend"
                        | "append"
                ) =>
            {
                safe = args
                    .iter()
                    .all(|a| is_safe_value(opts, file, Some(function), *a, depth + 1));
            }
            ExprKind::Assign { lhs, rhs, .. } if names_binding(*lhs) => {
                safe = is_safe_value(opts, file, Some(function), *rhs, depth + 1);
            }
            _ => {}
        }
    });
    safe
}

/// Whether the function rejects the value before `offset` unless it is one a fixed list holds
/// (`if !KINDS.contains(&kind) { return Err(..) }`, the list a const or an array of literals) or
/// one an identifier pattern matches (`if !VALID_NAME.is_match(name) { return Err(..) }`, the
/// pattern anchored and admitting identifier characters only). The failing branch must stop the
/// function, the check must be a statement of a block the splice is in, and the binding it
/// tests must be the one spliced.
fn checked_against_allow_list(
    opts: Opts<'_>,
    file: &RustFile,
    function: FnId,
    name: &str,
    offset: u32,
) -> bool {
    let f = file.function(function);
    let spliced = lint_core::flow::reaching_let(file, function, name, offset);
    let names_value = |e: ExprId| matches!(&file.expr(file.strip(e)).kind, ExprKind::Path(p) if p.segments.len() == 1 && p.segments[0] == name);
    let fixed_list = |e: ExprId| match &file.expr(file.strip(e)).kind {
        ExprKind::Path(p) => p.segments.last().is_some_and(|s| is_const_name(s)),
        ExprKind::Array(items) => items
            .iter()
            .all(|i| matches!(file.expr(*i).kind, ExprKind::Lit(_))),
        _ => false,
    };
    let rejects = |stmt: &Stmt| {
        let Stmt::Expr { expr, .. } = stmt else {
            return false;
        };
        let e = file.expr(*expr);
        let ExprKind::If { cond, then, .. } = &e.kind else {
            return false;
        };
        let ExprKind::Unary {
            op: lint_core::ir::UnOp::Not,
            expr: tested,
        } = &file.expr(*cond).kind
        else {
            return false;
        };
        let ExprKind::MethodCall {
            receiver,
            method,
            args,
            ..
        } = &file.expr(*tested).kind
        else {
            return false;
        };
        let admits = (method.name == "contains" && fixed_list(*receiver))
            || (opts.identifier_patterns_clear
                && patterns::MATCH_METHODS.contains(&method.name.as_str())
                && is_identifier_pattern(file, *receiver, 0));
        e.span.end <= offset
            && admits
            && args.first().is_some_and(|a| names_value(*a))
            && decisions::stops(file, opts.macros, then)
            && lint_core::flow::reaching_let(file, function, name, e.span.start) == spliced
    };
    let mut found = f.body.stmts.iter().any(rejects);
    file.walk_block(&f.body, &mut |id| {
        let block = match &file.expr(id).kind {
            ExprKind::Block(b) | ExprKind::Loop { body: b, .. } => b,
            ExprKind::If { then, .. } => then,
            _ => return,
        };
        if block.span.start <= offset && offset < block.span.end {
            found |= block.stmts.iter().any(rejects);
        }
    });
    found
}

/// A compiled pattern that admits identifiers only: `Regex::new(r"^[a-z_]+$")` (unwrapped), or a
/// static holding one (`lazy_static!`, `LazyLock`, `once_cell`'s `Lazy`).
fn is_identifier_pattern(file: &RustFile, id: ExprId, depth: u32) -> bool {
    if depth > 4 {
        return false;
    }
    match &file.expr(file.strip(id)).kind {
        ExprKind::MethodCall {
            receiver, method, ..
        } if patterns::UNWRAPS.contains(&method.name.as_str()) => {
            is_identifier_pattern(file, *receiver, depth + 1)
        }
        ExprKind::Call { func, args } => {
            let ExprKind::Path(p) = &file.expr(*func).kind else {
                return false;
            };
            if by_last_two(patterns::PATTERN_CONSTRUCTORS, &p.segments).is_some() {
                args.first().is_some_and(|a| {
                    matches!(&file.expr(file.strip(*a)).kind,
                        ExprKind::Lit(Lit::Str(s)) if patterns::admits_only_identifiers(&s.value))
                })
            } else if by_last_two(patterns::LAZY_HOLDERS, &p.segments).is_some() {
                args.first()
                    .is_some_and(|a| is_identifier_pattern(file, *a, depth + 1))
            } else {
                false
            }
        }
        ExprKind::Closure { body, .. } => is_identifier_pattern(file, *body, depth + 1),
        ExprKind::Block(b) => matches!(b.stmts.last(),
            Some(Stmt::Expr { expr, semi: false }) if is_identifier_pattern(file, *expr, depth + 1)),
        ExprKind::Path(p) => {
            let name = p.last();
            let mut statics = file.consts.iter().filter(|c| c.name.name == name);
            // A name two statics share is not resolved to either.
            match (statics.next(), statics.next()) {
                (Some(c), None) => is_identifier_pattern(file, c.value, depth + 1),
                _ => false,
            }
        }
        _ => false,
    }
}

/// Numbers, booleans, UUIDs, and references, slices, options and collections of them
/// (`ids: &[i64]` joined with commas is a list of numbers).
fn is_safe_type(ty: &Ty) -> bool {
    match ty {
        Ty::Ref(inner) | Ty::Slice(inner) => is_safe_type(inner),
        Ty::Tuple(items) => items.iter().all(is_safe_type),
        _ if matches!(ty.name(), "Vec" | "Option" | "HashSet" | "BTreeSet") => {
            let args = ty.args();
            !args.is_empty() && args.iter().all(is_safe_type)
        }
        _ => ty.is_scalar() || ty.name() == "Uuid",
    }
}
